"""Login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from catalog.services import (MAX_FAILED_LOGINS, AccountPending, InvalidData, authenticate, change_password,
                              end_sessions)

from ..extensions import db, limiter
from ..security import reports_unstorable, unstorable_errors
from ..sessions import SESSION_VERSION_KEY, session_is_current, start_session  # noqa: F401 (used elsewhere)

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target


LOGIN_FAILED = ("Forkert e-mailadresse eller adgangskode. Efter "
                f"{MAX_FAILED_LOGINS} forkerte forsøg i træk er kontoen spærret i et kvarter.")
# Shown only to whoever typed the right password, so it tells nobody else that the address is signed up.
LOGIN_PENDING = ("Du skal bekræfte din e-mailadresse, før du kan logge ind. Brug linket i den mail, vi sendte, "
                 "da du oprettede organisationen. Er linket udløbet, kan du oprette organisationen igen.")


@bp.route("/login", methods=["GET", "POST"])
@reports_unstorable
@limiter.limit("20 per minute", methods=["POST"])
@limiter.limit("10 per minute", methods=["POST"], key_func=lambda: "login:" + (request.form.get("email") or "")
               .strip().lower()[:200])
def login():
    errors: dict[str, str] = {}
    email = ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()
        password = request.form.get("password") or ""
        if not email:
            errors["email"] = "Skriv din e-mailadresse."
        if not password:
            errors["password"] = "Skriv din adgangskode."
        errors.update({field: messages[0] for field, messages in unstorable_errors().items()})
        if not errors:
            try:
                user = authenticate(db.session, email, password)
            except AccountPending:
                user = None
                errors["email"] = LOGIN_PENDING
            db.session.commit()  # failed attempts count towards the lockout, whichever worker answers
            if user is None:
                if not errors:  # (a pending account has already said why)
                    errors["password"] = LOGIN_FAILED
            else:
                start_session(user)
                flash("Du er logget ind.", "success")
                return redirect(_safe_next(request.args.get("next")) or _home_for(user))
    return render_template("auth/login.html", errors=errors, email=email), (422 if errors else 200)


def _home_for(user) -> str:
    if user.role == "ngo_editor":
        return url_for("ngo.dashboard")
    if user.role == "admin":
        return url_for("admin.dashboard")
    return url_for("chat.index")


@bp.post("/logout")
@login_required
def logout():
    end_sessions(current_user._get_current_object())  # every session of this user, not just this cookie
    db.session.commit()
    logout_user()
    flash("Du er logget ud.", "success")
    return redirect(url_for("index"))


@bp.route("/account/password", methods=["GET", "POST"])
@reports_unstorable
@login_required
@limiter.limit("10 per minute", methods=["POST"])
def password():
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        new = request.form.get("password") or ""
        if new != (request.form.get("password2") or ""):
            errors["password2"] = ["De to adgangskoder er ikke ens."]
        user = current_user._get_current_object()
        try:
            change_password(db.session, user, request.form.get("current_password") or "", new)
        except InvalidData as exc:
            errors = {**exc.errors, **errors}
        errors.update(unstorable_errors())
        if errors:
            db.session.rollback()
        else:
            db.session.commit()
            start_session(user)  # this session continues under the new version; every other one ends
            flash("Din adgangskode er skiftet, og du er logget ud alle andre steder.", "success")
            return redirect(_home_for(user))
    return render_template("auth/password.html", errors=errors), (422 if errors else 200)
