"""Login and logout."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user

from catalog.services import authenticate

from ..extensions import db, limiter

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
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
        if not errors:
            user = authenticate(db.session, email, password)
            if user is None:
                errors["password"] = "Forkert e-mailadresse eller adgangskode."
            else:
                db.session.commit()  # a password hash in an older format was just replaced
                login_user(user)
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
    logout_user()
    flash("Du er logget ud.", "success")
    return redirect(url_for("index"))
