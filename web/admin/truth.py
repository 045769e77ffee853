"""Admin pages for a catalogue that stays true: outbox, freshness overview, organisation standing,
referral outcomes. Registered on the admin blueprint, so only admins reach them."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from catalog import freshness_report, outcomes
from catalog.models import Organisation, OutboxMessage
from catalog.services import InvalidData
from catalog.standing import set_standing

from ..extensions import db
from . import bp


@bp.get("/outbox")
def outbox():
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at.desc(),
                                                                 OutboxMessage.id.desc()).limit(200)).all()
    return render_template("admin/outbox.html", messages=messages)


@bp.get("/freshness")
def freshness():
    report = freshness_report.overview(db.session)
    from catalog.freshness import POLICY

    return render_template("admin/freshness.html", report=report, remind_months=POLICY.remind_months)


@bp.post("/organisations/<int:org_id>/standing")
def set_org_standing(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    standing = request.form.get("standing", "")
    reason = request.form.get("reason", "")
    try:
        set_standing(db.session, org, standing, reason)
    except InvalidData as exc:
        db.session.rollback()
        flash(f"{org.name}: " + " ".join(m for msgs in exc.errors.values() for m in msgs), "error")
        return redirect(url_for("admin.organisations") + f"#org-{org.id}")
    db.session.commit()
    flash({"active": f"{org.name} er aktiv igen og skal verificeres for at blive vist.",
           "rejected": f"{org.name} er afvist. Redaktørerne ser begrundelsen.",
           "suspended": f"{org.name} er suspenderet. Redaktørerne ser begrundelsen."}[standing], "success")
    return redirect(url_for("admin.organisations"))


@bp.get("/referrals")
def referrals():
    rows = outcomes.per_offer(db.session)
    return render_template("admin/referrals.html", rows=rows, OUTCOME_LABELS=outcomes.OUTCOME_LABELS)


def _review_all_page(offer, values: dict, errors: dict, status: int = 200):
    from catalog.elements import LEVELS

    rows = {row.element_key: row for row in offer.element_rows}
    return render_template("admin/review_all.html", offer=offer, rows=rows, values=values, errors=errors,
                           LEVELS=LEVELS), status


@bp.get("/offers/<int:offer_id>/review-all")
def review_all(offer_id: int):
    from catalog.models import Offer

    offer = db.session.get(Offer, offer_id) or abort(404)
    return _review_all_page(offer, {}, {})


@bp.post("/offers/<int:offer_id>/review-all")
def save_review_all(offer_id: int):
    from flask_login import current_user

    from catalog.elements import ELEMENT_KEYS
    from catalog.models import Offer
    from catalog.reviews import review_all as review_all_elements

    offer = db.session.get(Offer, offer_id) or abort(404)
    values = {key: (request.form.get(f"level-{key}", "skip")[:10], request.form.get(f"note-{key}", "")[:2000])
              for key in ELEMENT_KEYS}
    try:
        n = review_all_elements(db.session, offer, values, current_user)
    except InvalidData as exc:
        db.session.rollback()
        return _review_all_page(db.session.get(Offer, offer_id), values, exc.errors, 422)
    db.session.commit()
    flash(f"{n} elementer er vurderet. {offer.reviewed_elements_count} af 11 er nu bekræftet på niveau 2 eller "
          "mere og tæller med i rækkefølgen.", "success")
    return redirect(url_for("admin.review_all", offer_id=offer.id))
