"""A caseworker records what happened with an offer on their shortlist. Nothing about the family is stored:
the offer, the outcome, the conversation's municipality, the week and its need concept keys (catalog/outcomes)."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from catalog import conversations as conv_service
from catalog import outcomes
from catalog.conversations import ConversationState
from catalog.services import InvalidData

from ..extensions import db
from ..security import roles_required
from . import bp


@bp.post("/udfald/<conversation_id>/<int:offer_id>")
@roles_required("caseworker", "admin")
def record_outcome(conversation_id: str, offer_id: int):
    conv = conv_service.get_conversation(db.session, conversation_id, user_id=current_user.id)
    if conv is None:
        db.session.commit()  # an expired conversation is deleted on access
        abort(404)
    item = next((i for i in conv.shortlist if i.offer_id == offer_id), None)
    if item is None:
        abort(404)
    search = ConversationState.load(conv).search
    back = url_for("chat.show", conversation_id=conv.id, _anchor=f"valgt-{offer_id}")
    try:
        outcomes.record(db.session, item.offer, request.form.get("outcome", ""),
                        municipality=search.municipality,
                        concepts=[c.get("key") for c in search.concepts if isinstance(c, dict)])
    except InvalidData as exc:
        db.session.rollback()
        flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "error")
        return redirect(back, 303)
    db.session.commit()
    flash(_("Tak. Udfaldet for »%(title)s« er registreret uden oplysninger om familien.", title=item.offer.title),
          "success")
    return redirect(back, 303)


@bp.app_template_global("referral_summary")
def referral_summary(offer) -> str | None:
    """ "N henvisninger, M startet" for an offer page, or None below 5 referrals."""
    return outcomes.for_offer(db.session, offer.id).summary()
