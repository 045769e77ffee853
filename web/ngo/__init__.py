"""NGO self-service: sign up, manage offers and their 11-element self-assessment."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from catalog import services
from catalog import signup as signups
from catalog import twins as twin_check
from catalog.db import utcnow
from catalog.links import LinkRefused
from catalog.mail import MailError
from catalog.models import AUDIENCES, FORMATS, Offer, Organisation
from catalog.services import InvalidData, VersionConflict

from ..extensions import db, limiter
from ..security import can_edit_offer, can_edit_organisation, reports_unstorable, roles_required, unstorable_errors
from ..sessions import start_session
from . import forms

bp = Blueprint("ngo", __name__, url_prefix="/ngo")

EDITORS = ("ngo_editor", "admin")
ASSURANCE_MAX_AGE = timedelta(days=182)  # "older than 6 months" gets a warning badge
MAX_LINK = 400  # longest signed link accepted (a real one is far shorter)


@bp.app_template_global("assurance_stale")
def assurance_stale(offer: Offer) -> bool:
    return offer.assured_at is None or utcnow() - offer.assured_at > ASSURANCE_MAX_AGE


# --- helpers -----------------------------------------------------------------------------------------------

def _organisation_for_request() -> Organisation | None:
    """The organisation this page is about: the editor's own, or for admins the one in ?org= (may be None)."""
    if current_user.role == "admin":
        ref = request.values.get("org", "")
        if not ref:
            return None
        org = db.session.get(Organisation, int(ref)) if ref.isdigit() else None
        if org is None:
            abort(404)
        return org
    if current_user.organisation_id is None:
        abort(403)
    return db.session.get(Organisation, current_user.organisation_id)


def _offer_or_abort(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        abort(404)
    if not can_edit_offer(current_user, offer):
        abort(403)
    return offer


def _dashboard_url(org_id: int | None) -> str:
    if current_user.role == "admin" and org_id is not None:
        return url_for("ngo.dashboard", org=org_id)
    return url_for("ngo.dashboard")


# --- sign-up -----------------------------------------------------------------------------------------------

@bp.route("/signup", methods=["GET", "POST"])
@reports_unstorable
@limiter.limit("10 per minute", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        flash("Du er allerede logget ind. Log ud først, hvis du vil oprette en ny organisation.", "info")
        return redirect(url_for("ngo.dashboard") if current_user.role == "ngo_editor" else url_for("index"))
    errors: dict[str, list[str]] = {}
    values = forms.signup_form_values(request.form)
    if request.method == "POST":
        # Nothing on this page may depend on whether the e-mail address has an account (catalog.signup):
        # field errors, a likely twin and the "check your e-mail" answer are the same either way.
        password = request.form.get("password") or ""
        password2 = request.form.get("password2") or ""
        errors = unstorable_errors()
        if not password2:
            errors.setdefault("password2", ["Gentag adgangskoden."])
        elif password != password2:
            errors.setdefault("password2", ["De to adgangskoder er ikke ens."])
        try:
            org_clean, user_clean = signups.validate(forms.org_data(values), forms.signup_user_data(values, password))
        except InvalidData as exc:
            errors = {**forms.signup_errors(exc.errors), **errors}
        else:
            twins = [] if errors or request.form.get("confirm_twin") == "1" else twin_check.organisation_twins(
                db.session, org_clean["name"], org_clean.get("cvr"))
            if twins:  # a likely twin: write nothing yet
                return render_template("ngo/signup.html", values=values, errors={}, summary=[], twins=twins)
            if not errors:
                return _register(org_clean, user_clean, values)
        errors = _in_form_order(errors, list(forms.SIGNUP_LABELS))
    return render_template("ngo/signup.html", values=values, errors=errors,
                           summary=forms.summary(errors, "signup")), (422 if errors else 200)


def _register(org_clean: dict, user_clean: dict, values: dict):
    cfg = current_app.config
    settings = signups.MailSettings(secret=cfg["SECRET_KEY"], base_url=cfg["BASE_URL"], sender=cfg["MAIL_FROM"],
                                   smtp_url=cfg.get("SMTP_URL"))
    try:
        signups.register(db.session, org_clean, user_clean, settings)
    except MailError:
        db.session.rollback()
        flash("Vi kunne ikke sende mailen lige nu, så intet er gemt. Prøv igen om lidt.", "error")
        return render_template("ngo/signup.html", values=values, errors={}, summary=[]), 503
    db.session.commit()
    return render_template("ngo/signup_sent.html", email=user_clean["email"], hours=signups.HOURS)


@bp.route("/aktiver/<path:signed>", methods=["GET"])
@limiter.limit("30/minute")
def activate(signed: str):
    """The link in a sign-up's mail. GET only shows what it activates and one button (mail scanners open links);
    the POST activates the account and logs the editor in."""
    if len(signed) > MAX_LINK:
        return _activate_page("", error=signups.KIND.invalid, status=404)
    try:
        user = signups.pending_user(db.session, signed, current_app.config["SECRET_KEY"])
    except LinkRefused as exc:
        return _activate_page("", error=str(exc), status=410 if exc.gone else 404)
    return _activate_page(signed, user=user)


@bp.post("/aktiver/<path:signed>")
@limiter.limit("30/minute")
def activate_post(signed: str):
    if len(signed) > MAX_LINK:
        return _activate_page("", error=signups.KIND.invalid, status=404)
    try:
        user = signups.activate(db.session, signed, current_app.config["SECRET_KEY"])
    except LinkRefused as exc:
        db.session.rollback()
        return _activate_page("", error=str(exc), status=410 if exc.gone else 404)
    db.session.commit()
    if current_user.is_authenticated:
        logout_user()
    start_session(user)
    name = user.organisation.name if user.organisation else ""
    flash(f"Din e-mailadresse er bekræftet. Organisationen {name} er oprettet, og du er logget ind.", "success")
    return redirect(url_for("ngo.dashboard"))


def _activate_page(signed: str, *, user=None, error: str | None = None, status: int = 200):
    return render_template("ngo/activate.html", signed=signed, user=user, error=error), status


def _in_form_order(errors: dict, order: list[str]) -> dict:
    ordered = {k: errors[k] for k in order if k in errors}
    ordered.update({k: v for k, v in errors.items() if k not in ordered})
    return ordered


# --- dashboard and organisation -----------------------------------------------------------------------------

@bp.get("/")
@roles_required(*EDITORS)
def dashboard():
    org = _organisation_for_request()
    if org is None:  # an admin without ?org=: choose an organisation
        orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
        return render_template("ngo/choose_org.html", orgs=orgs)
    offers = db.session.scalars(select(Offer).where(Offer.organisation_id == org.id)
                                .order_by(Offer.title, Offer.id)).all()
    return render_template("ngo/dashboard.html", org=org, offers=offers)


@bp.route("/organisation", methods=["GET", "POST"])
@reports_unstorable
@roles_required(*EDITORS)
def organisation():
    org = _organisation_for_request()
    if org is None:
        abort(404)
    if not can_edit_organisation(current_user, org):
        abort(403)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = forms.org_form_values(request.form)
        errors = unstorable_errors()
        try:
            services.update_organisation(db.session, org, forms.org_data(values))
        except InvalidData as exc:
            errors = {**forms.org_errors(exc.errors), **errors}
        if errors:
            db.session.rollback()
        else:
            db.session.commit()
            flash("Organisationens oplysninger er gemt.", "success")
            return redirect(_dashboard_url(org.id))
    else:
        values = forms.org_values_from(org)
    return render_template("ngo/organisation.html", org=org, values=values, errors=errors,
                           summary=forms.summary(errors, "signup")), \
        (422 if errors else 200)


# --- offers -------------------------------------------------------------------------------------------------

def _render_offer_form(*, org: Organisation, offer: Offer | None, values: dict, errors: dict,
                       conflict: list[str] | None = None, status: int = 200, twins=()):
    return render_template("ngo/offer_form.html", org=org, offer=offer, values=values, errors=errors,
                           summary=forms.summary(errors, "offer"), conflict=conflict, audiences=AUDIENCES,
                           formats=FORMATS, twins=twins), status


def _offer_twins(offer: Offer):
    """Likely twins of a just-validated offer, unless the editor already said it is not the same."""
    if request.form.get("confirm_twin") == "1":
        return []
    return twin_check.offer_twins(db.session, offer.organisation_id, offer.title, offer.areas, exclude_id=offer.id)


@bp.route("/offers/new", methods=["GET", "POST"])
@reports_unstorable
@roles_required(*EDITORS)
def new_offer():
    org = _organisation_for_request()
    if org is None:
        abort(404)
    if request.method == "GET":
        return _render_offer_form(org=org, offer=None, values=forms.offer_values_from(None), errors={})
    values = forms.offer_form_values(request.form)
    unstorable = unstorable_errors()
    try:
        offer = services.create_offer(db.session, org, forms.offer_data(values), status="draft",
                                      check_evidence=True)
    except InvalidData as exc:
        db.session.rollback()
        return _render_offer_form(org=org, offer=None, values=values,
                                  errors={**forms.offer_errors(exc.errors), **unstorable}, status=422)
    if unstorable:
        db.session.rollback()
        return _render_offer_form(org=org, offer=None, values=values, errors=unstorable, status=422)
    twins = _offer_twins(offer)
    if twins:
        db.session.rollback()
        return _render_offer_form(org=org, offer=None, values=values, errors={}, twins=twins)
    db.session.commit()
    flash(f"Tilbuddet »{offer.title}« er gemt som kladde. Det vises ikke for sagsbehandlere, før I "
          "offentliggør det.", "success")
    return redirect(_dashboard_url(org.id))


@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@reports_unstorable
@roles_required(*EDITORS)
def edit_offer(offer_id: int):
    offer = _offer_or_abort(offer_id)
    org = offer.organisation
    if request.method == "GET":
        return _render_offer_form(org=org, offer=offer, values=forms.offer_values_from(offer), errors={})
    values = forms.offer_form_values(request.form)
    unstorable = unstorable_errors()
    if unstorable:  # nothing is saved: the form comes back with the message beside the field
        return _render_offer_form(org=org, offer=offer, values=values, errors=unstorable, status=422)
    version = values["version"]
    old_title, old_areas = offer.title, set(offer.areas)
    try:
        services.update_offer(db.session, offer, forms.offer_data(values),
                              expected_version=int(version) if version.isdigit() else -1, check_evidence=True)
    except VersionConflict:
        db.session.rollback()
        offer = _offer_or_abort(offer_id)
        saved = forms.offer_values_from(offer)
        changed = forms.changed_fields(saved, values)
        values["version"] = saved["version"]  # saving again now is a conscious choice over the newer version
        return _render_offer_form(org=org, offer=offer, values=values, errors={}, conflict=changed,
                                  status=409)
    except InvalidData as exc:
        db.session.rollback()
        return _render_offer_form(org=org, offer=offer, values=values, errors=forms.offer_errors(exc.errors),
                                  status=422)
    twins = _offer_twins(offer) if (offer.title, set(offer.areas)) != (old_title, old_areas) else []
    if twins:
        db.session.rollback()
        return _render_offer_form(org=org, offer=_offer_or_abort(offer_id), values=values, errors={}, twins=twins)
    db.session.commit()
    flash(f"Ændringerne i »{offer.title}« er gemt.", "success")
    return redirect(_dashboard_url(org.id))


@bp.get("/offers/<int:offer_id>/preview")
@roles_required(*EDITORS)
def preview(offer_id: int):
    offer = _offer_or_abort(offer_id)
    return render_template("ngo/preview.html", offer=offer, org=offer.organisation)


def _change_status(offer_id: int, action: str):
    offer = _offer_or_abort(offer_id)
    title = offer.title
    try:
        if action == "assure":
            services.assure(db.session, offer)
        else:
            services.set_status(db.session, offer, "published" if action == "publish" else "archived")
    except VersionConflict:
        db.session.rollback()
        flash(f"»{title}« blev ændret af en anden i mellemtiden, så intet er gemt. Se tilbuddet igen, og "
              "prøv en gang til.", "error")
        return redirect(_dashboard_url(offer.organisation_id))
    db.session.commit()
    if action == "assure":
        flash(f"Tak. »{title}« er bekræftet som aktuelt i dag.", "success")
    elif action == "publish":
        if offer.organisation.verified:
            flash(f"»{title}« er offentliggjort og vises nu for sagsbehandlere.", "success")
        else:
            flash(f"»{title}« er offentliggjort. Det vises for sagsbehandlere, når en administrator har "
                  "godkendt organisationen.", "success")
    else:
        flash(f"»{title}« er arkiveret og vises ikke længere for sagsbehandlere.", "success")
    return redirect(_dashboard_url(offer.organisation_id))


@bp.post("/offers/<int:offer_id>/publish")
@roles_required(*EDITORS)
def publish(offer_id: int):
    return _change_status(offer_id, "publish")


@bp.post("/offers/<int:offer_id>/archive")
@roles_required(*EDITORS)
def archive(offer_id: int):
    return _change_status(offer_id, "archive")


@bp.post("/offers/<int:offer_id>/assure")
@roles_required(*EDITORS)
def assure(offer_id: int):
    return _change_status(offer_id, "assure")

from . import confirm  # noqa: E402,F401  (registers the reminder links on bp)
