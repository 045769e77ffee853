"""Admins: verify organisations, manage users, review element levels."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from catalog import municipalities, services
from catalog.elements import BY_KEY, LEVELS
from catalog.messages import EMAIL_TAKEN
from catalog.models import ROLE_LABELS, ROLES, STATUSES, Offer, Organisation, User
from catalog.queries import search_offers
from catalog.services import InvalidData

from ..extensions import db
from ..security import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@roles_required("admin")
def _admins_only():
    """Every admin page: anonymous users go to login, other roles get 403."""
    return None


@bp.get("/")
def dashboard():
    s = db.session
    offers_by_status = dict(s.execute(select(Offer.status, func.count()).group_by(Offer.status)).all())
    users_by_role = dict(s.execute(select(User.role, func.count()).group_by(User.role)).all())
    verified = dict(s.execute(select(Organisation.verified, func.count()).where(Organisation.pending_until.is_(None))
                              .group_by(Organisation.verified)).all())
    # (sign-ups whose e-mail address is not confirmed yet wait for that first, not for an admin)
    waiting = s.scalars(select(Organisation).where(Organisation.verified.is_(False),
                                                   Organisation.pending_until.is_(None))
                        .order_by(Organisation.created_at, Organisation.id).limit(20)).all()
    recent = s.scalars(select(Offer).order_by(Offer.updated_at.desc(), Offer.id.desc()).limit(20)).all()
    return render_template("admin/dashboard.html",
                           offers_by_status={st: offers_by_status.get(st, 0) for st in STATUSES},
                           users_by_role={r: users_by_role.get(r, 0) for r in ROLES},
                           orgs_verified=verified.get(True, 0), orgs_waiting=verified.get(False, 0),
                           waiting=waiting, recent=recent)


# --- organisations -------------------------------------------------------------------------------------

@bp.get("/organisations")
def organisations():
    offer_counts = dict(db.session.execute(select(Offer.organisation_id, func.count())
                                           .group_by(Offer.organisation_id)).all())
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.verified, Organisation.name,
                                                            Organisation.id)).all()
    return render_template("admin/organisations.html", orgs=orgs, offer_counts=offer_counts)


@bp.post("/organisations/<int:org_id>/verified")
def set_verified(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    verified = request.form.get("verified") == "1"
    services.set_verified(db.session, org, verified)
    db.session.commit()
    flash(f"{org.name} er {'verificeret' if verified else 'ikke længere verificeret'}.", "success")
    return redirect(url_for("admin.organisations"))


# --- users ---------------------------------------------------------------------------------------------

USER_FIELDS = ("email", "name", "role", "organisation", "home_municipality")


def _users_page(values: dict, errors: dict, status: int = 200):
    users = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    orgs = db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)).all()
    return render_template("admin/users.html", users=users, values=values, errors=errors,
                           role_options=[(r, ROLE_LABELS[r]) for r in ROLES],
                           org_options=[(str(o.id), o.name) for o in orgs],
                           municipality_names=municipalities.names()), status


@bp.get("/users")
def users():
    return _users_page({"role": "caseworker"}, {})


@bp.post("/users")
def create_user():
    values = {k: (request.form.get(k) or "").strip() for k in USER_FIELDS}
    password = request.form.get("password") or ""
    errors: dict[str, list[str]] = {}
    org = None
    if values["role"] == "ngo_editor":
        if not values["organisation"]:
            errors["organisation"] = ["Vælg den organisation, redaktøren hører til."]
        else:
            org = db.session.get(Organisation, int(values["organisation"])) \
                if values["organisation"].isdigit() and len(values["organisation"]) < 10 else None
            if org is None:
                errors["organisation"] = ["Ukendt organisation."]
    data = {"email": values["email"], "name": values["name"], "role": values["role"], "password": password,
            "home_municipality": values["home_municipality"] or None}
    try:
        user = services.create_user(db.session, data, organisation=org)
    except InvalidData as exc:
        db.session.rollback()
        for key, msgs in exc.errors.items():
            errors.setdefault(key, msgs)
    else:
        if not errors:
            db.session.commit()
            flash(f"Brugeren {user.email} er oprettet.", "success")
            return redirect(url_for("admin.users"))
        db.session.rollback()
    # The service checks for a taken e-mail only once the fields are valid; say it now, not in a second round.
    if "email" not in errors and services.email_taken(db.session, values["email"]):
        errors["email"] = [EMAIL_TAKEN]
    return _users_page(values, errors, 422)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    active = request.form.get("active") == "1"
    if user.id == current_user.id and not active:
        flash("Du kan ikke deaktivere dig selv.", "error")
        return redirect(url_for("admin.users"))
    user.active = active
    db.session.commit()
    flash(f"{user.email} er {'aktiveret' if active else 'deaktiveret og kan ikke længere logge ind'}.", "success")
    return redirect(url_for("admin.users"))


# --- offers and element review ---------------------------------------------------------------------------

@bp.get("/offers")
def offers():
    page = search_offers(db.session, status=None, only_verified=False, page=_page_arg(), per_page=50)
    return render_template("admin/offers.html", results=page)


def _page_arg() -> int:
    value = request.args.get("side", "1")
    return int(value) if value.isdigit() and int(value) >= 1 else 1


def _review_page(offer: Offer, values: dict | None = None, errors: dict | None = None, status: int = 200):
    rows = {row.element_key: row for row in offer.element_rows}
    return render_template("admin/review.html", offer=offer, rows=rows, values=values or {},
                           errors=errors or {}, ELEMENTS_BY_KEY=BY_KEY), status


@bp.get("/offers/<int:offer_id>/review")
def review(offer_id: int):
    offer = db.session.get(Offer, offer_id) or abort(404)
    return _review_page(offer)


@bp.post("/offers/<int:offer_id>/review")
def save_review(offer_id: int):
    offer = db.session.get(Offer, offer_id) or abort(404)
    key = request.form.get("element", "")
    if key not in BY_KEY:
        abort(400)
    raw_level = (request.form.get("level") or "").strip()
    note = request.form.get("note") or ""
    values = {"element": key, "level": raw_level, "note": note}
    row = offer.element(key)
    own = row.level if row else 0
    errors: dict[str, list[str]] = {}
    if raw_level in ("", "confirm"):
        level = None  # confirm the organisation's own level
    elif raw_level.isdigit() and int(raw_level) in LEVELS:
        level = int(raw_level)
        if level == own:
            level = None  # choosing the organisation's own level is a confirmation, not a change
    else:
        errors["level"] = ["Vælg et niveau fra 0 til 3."]
        level = None
    if not errors:
        try:
            services.review_element(db.session, offer, key, level, note, current_user)
        except InvalidData as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            verb = f"justeret til {level}" if level is not None else "bekræftet"
            flash(f"{BY_KEY[key].name}: niveauet er {verb}.", "success")
            return redirect(url_for("admin.review", offer_id=offer.id) + f"#e-{key}")
    if "note" in errors and level is not None:
        errors["note"] = ["Skriv en begrundelse, når du ændrer organisationens niveau."]
    offer = db.session.get(Offer, offer_id) or abort(404)
    return _review_page(offer, values, errors, 422)

from . import truth  # noqa: E402,F401  (outbox, freshness, standing and referral pages on bp)
