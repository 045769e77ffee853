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
    return render_template("admin/freshness.html", report=report)


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
