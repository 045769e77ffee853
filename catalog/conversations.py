"""Caseworkers' search conversations: storage, ownership, the shortlist for the family's plan, and expiry.

Privacy by design: every text that reaches these tables passes through :func:`catalog.redaction.redact` here
(messages, state, shortlist needs and notes), even when the caller already redacted it. A conversation belongs
to the user or API token that started it; anyone else gets ``None`` (the web answers 404). Conversations expire
``retention_hours`` after they were started: an expired one is deleted when it is accessed and by
:func:`purge_expired` (``civilmatch purge``).

``Conversation.state`` holds a container: ``{"search": <matcher.dialogue state>, "reasons": {offer_id: [...]}}``.
Callers own the transaction and commit.
"""
from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .db import utcnow
from .models import Conversation, ConversationMessage, Offer, ShortlistItem
from .redaction import redact

DEFAULT_RETENTION_HOURS = 24.0
NEED_MAX = 200
NOTE_MAX = 2000
MESSAGE_MAX = 4000
OTHER_NEED = "Andet"

# Reasons that describe the offer only (not the family's words): these may go on the plan.
_PLAN_REASON_PREFIXES = ("Matcher behovet", "Beslægtet med behovet", "Landsdækkende", "Foregår som ønsket",
                         "Gratis", "Tilbydes på")


class ShortlistError(Exception):
    """A shortlist change that cannot be made. ``errors`` maps field names to Danish messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


# --- redaction of everything stored -----------------------------------------------------------------------

def redact_json(value: Any) -> Any:
    """``value`` with every string (keys included) redacted."""
    if isinstance(value, str):
        return redact(value).text
    if isinstance(value, dict):
        return {redact_json(k) if isinstance(k, str) else k: redact_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_json(v) for v in value]
    return value


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(str(value))) == str(value).lower()
    except (ValueError, TypeError, AttributeError):
        return False


# --- conversations -------------------------------------------------------------------------------------

def create_conversation(session: Session, *, user_id: int | None = None, token_id: int | None = None,
                        retention_hours: float = DEFAULT_RETENTION_HOURS, now: datetime | None = None,
                        search_state: dict | None = None) -> Conversation:
    if (user_id is None) == (token_id is None):
        raise ValueError("A conversation has exactly one owner: a user or an API token.")
    now = now or utcnow()
    conv = Conversation(id=str(uuid.uuid4()), owner_user_id=user_id, owner_token_id=token_id,
                        state={"search": redact_json(search_state or {}), "reasons": {}},
                        created_at=now, updated_at=now,
                        expires_at=now + timedelta(hours=float(retention_hours)))
    session.add(conv)
    session.flush()
    return conv


def get_conversation(session: Session, conversation_id: str, *, user_id: int | None = None,
                     token_id: int | None = None, now: datetime | None = None) -> Conversation | None:
    """The conversation if it exists, has not expired and belongs to this user or token; else None.

    An expired conversation is deleted on the spot (flushed; the caller commits).
    """
    if not conversation_id or not is_uuid(conversation_id) or (user_id is None and token_id is None):
        return None
    conv = session.get(Conversation, str(conversation_id).lower())
    if conv is None:
        return None
    if is_expired(conv, now):
        session.delete(conv)
        session.flush()
        return None
    if user_id is not None and conv.owner_user_id == user_id:
        return conv
    if token_id is not None and conv.owner_token_id == token_id:
        return conv
    return None


def is_expired(conv: Conversation, now: datetime | None = None) -> bool:
    return conv.expires_at <= (now or utcnow())


def delete_conversation(session: Session, conv: Conversation) -> None:
    session.delete(conv)
    session.flush()


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete every conversation past its retention period (with its messages and shortlist)."""
    now = now or utcnow()
    ids = list(session.scalars(select(Conversation.id).where(Conversation.expires_at <= now)))
    if not ids:
        return 0
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        session.execute(delete(ShortlistItem).where(ShortlistItem.conversation_id.in_(chunk)))
        session.execute(delete(ConversationMessage).where(ConversationMessage.conversation_id.in_(chunk)))
        session.execute(delete(Conversation).where(Conversation.id.in_(chunk)))
    session.expire_all()
    return len(ids)


def search_state(conv: Conversation) -> dict:
    return dict((conv.state or {}).get("search") or {})


def update_state(conv: Conversation, search: dict, *, now: datetime | None = None) -> None:
    """Store the dialogue state (redacted once more, defensively)."""
    state = dict(conv.state or {})
    state["search"] = redact_json(search)
    conv.state = state
    conv.updated_at = now or utcnow()


def append_message(session: Session, conv: Conversation, role: str, text: str, data: dict | None = None,
                   *, now: datetime | None = None) -> ConversationMessage:
    if role not in ("user", "assistant"):
        raise ValueError("role must be 'user' or 'assistant'")
    now = now or utcnow()
    message = ConversationMessage(conversation_id=conv.id, role=role, text=redact((text or "")[:MESSAGE_MAX]).text,
                                  data=redact_json(data or {}), created_at=now)
    conv.messages.append(message)
    conv.updated_at = now
    session.flush()
    return message


def last_reply(conv: Conversation) -> ConversationMessage | None:
    for message in reversed(conv.messages):
        if message.role == "assistant":
            return message
    return None


# --- the shortlist for the family's plan ---------------------------------------------------------------

def plan_reasons(reasons: list[str]) -> list[str]:
    """The matcher's reasons that speak about the offer, without the words quoted from the need text."""
    out = []
    for reason in reasons or []:
        if isinstance(reason, str) and reason.endswith(".") and "'" not in reason and "↔" not in reason:
            out.append(redact(reason).text)  # the matcher's plain sentences (matcher/reasons.py)
            continue
        if not isinstance(reason, str) or not reason.startswith(_PLAN_REASON_PREFIXES):
            continue
        if reason.startswith("Matcher behovet"):
            reason = reason.split(":", 1)[0]
        out.append(redact(reason).text)
    return out


def add_to_shortlist(session: Session, conv: Conversation, offer_id: Any, *, need: str = "", note: str = "",
                     reasons: list[str] | None = None) -> ShortlistItem:
    """Add an offer (or update its need/note when it is on the list already)."""
    errors: dict[str, list[str]] = {}
    try:
        offer_id = int(offer_id)
    except (TypeError, ValueError):
        offer_id = None
    offer = session.get(Offer, offer_id) if offer_id is not None else None
    if offer is None or not offer.visible:
        errors["offer_id"] = ["Tilbuddet findes ikke."]
    need = redact(str(need or "").strip()).text
    note = redact(str(note or "").strip()).text
    if len(need) > NEED_MAX:
        errors["need"] = [f"Behovet må højst være {NEED_MAX} tegn."]
    if len(note) > NOTE_MAX:
        errors["note"] = [f"Noten må højst være {NOTE_MAX} tegn."]
    if errors:
        raise ShortlistError(errors)
    item = find_item(conv, offer_id)
    if item is None:
        item = ShortlistItem(conversation_id=conv.id, offer_id=offer_id, need=need, note=note, created_at=utcnow())
        conv.shortlist.append(item)
    else:
        item.need = need or item.need
        item.note = note or item.note
    if reasons is not None:
        state = dict(conv.state or {})
        kept = dict(state.get("reasons") or {})
        kept[str(offer_id)] = plan_reasons(reasons)
        state["reasons"] = kept
        conv.state = state
    conv.updated_at = utcnow()
    session.flush()
    return item


def find_item(conv: Conversation, offer_id: Any) -> ShortlistItem | None:
    for item in conv.shortlist:
        if str(item.offer_id) == str(offer_id):
            return item
    return None


def remove_from_shortlist(session: Session, conv: Conversation, offer_id: Any) -> bool:
    item = find_item(conv, offer_id)
    if item is None:
        return False
    conv.shortlist.remove(item)
    state = dict(conv.state or {})
    reasons = dict(state.get("reasons") or {})
    reasons.pop(str(item.offer_id), None)
    state["reasons"] = reasons
    conv.state = state
    conv.updated_at = utcnow()
    session.flush()
    return True


def set_note(session: Session, conv: Conversation, offer_id: Any, note: str) -> ShortlistItem | None:
    item = find_item(conv, offer_id)
    if item is None:
        return None
    note = redact(str(note or "").strip()).text
    if len(note) > NOTE_MAX:
        raise ShortlistError({"note": [f"Noten må højst være {NOTE_MAX} tegn."]})
    item.note = note
    conv.updated_at = utcnow()
    session.flush()
    return item


def shortlist_groups(conv: Conversation) -> list[tuple[str, list[ShortlistItem]]]:
    """The shortlist grouped by need, in the order the needs were first used; items without one under 'Andet'."""
    groups: OrderedDict[str, list[ShortlistItem]] = OrderedDict()
    for item in conv.shortlist:
        if item.offer is None or not item.offer.visible:
            continue
        groups.setdefault(item.need or OTHER_NEED, []).append(item)
    if OTHER_NEED in groups:
        groups.move_to_end(OTHER_NEED)
    return list(groups.items())


def item_reasons(conv: Conversation, item: ShortlistItem) -> list[str]:
    return list(((conv.state or {}).get("reasons") or {}).get(str(item.offer_id)) or [])


def offer_summary(offer: Offer) -> dict[str, Any]:
    org = offer.organisation
    return {
        "id": offer.id, "uuid": offer.uuid, "external_id": offer.external_id, "title": offer.title,
        "organisation": org.name if org else None,
        "areas": offer.areas, "age_min": offer.age_min, "age_max": offer.age_max,
        "formats": list(offer.formats or []), "cost": offer.cost, "schedule": offer.schedule,
        "contact": {"email": offer.contact_email or (org.email if org else None),
                    "phone": offer.contact_phone or (org.phone if org else None),
                    "website": org.website if org else None},
        "assured_at": offer.assured_at.date().isoformat() if offer.assured_at else None,
        "elements_count": offer.elements_count,
    }


def export_plan(conv: Conversation, *, now: datetime | None = None) -> dict[str, Any]:
    """The shortlist as JSON for municipal case systems: needs, chosen offers, why, contact details, date.

    Nothing about the family beyond what the caseworker typed into the notes (redacted).
    """
    now = now or utcnow()
    needs = []
    for need, items in shortlist_groups(conv):
        needs.append({
            "need": need,
            "offers": [{"offer": offer_summary(item.offer), "why": item_reasons(conv, item), "note": item.note}
                       for item in items],
        })
    return {"format": "civilmatch-plan", "version": 1, "conversation_id": conv.id,
            "created": now.date().isoformat(), "needs": needs}


__all__ = ["ShortlistError", "create_conversation", "get_conversation", "is_expired", "delete_conversation",
           "purge_expired", "search_state", "update_state", "append_message", "last_reply", "plan_reasons",
           "add_to_shortlist", "remove_from_shortlist", "set_note", "find_item", "shortlist_groups",
           "item_reasons", "offer_summary", "export_plan", "redact_json", "is_uuid"]
