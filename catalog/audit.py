"""The audit log: who created, changed or deleted which offer, organisation, user, token or element review.

A session event writes the entries in the same transaction as the change, so a rolled-back change leaves no
entry and no change goes unrecorded. Entries name fields, never their values, so no text a user wrote (and
never a need text: conversations are not audited) ends up here. Who did it comes from `session.info["actor"]`
(a string or a function returning one), set by the web layer per request and by the command line.
"""
from __future__ import annotations

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session

from .db import utcnow
from .models import ApiToken, AuditEntry, ElementAssessment, Offer, Organisation, User

AUDITED = {Offer: "offer", Organisation: "organisation", User: "user", ApiToken: "token",
           ElementAssessment: "element"}
# Bookkeeping the service writes itself; a change of only these is not somebody changing something.
IGNORED_FIELDS = {"change_seq", "updated_at", "version", "last_used_at", "failed_logins", "locked_until",
                  "elements_count", "session_version", "created_at"}
# A bulk import touches thousands of rows: above this many of one kind in one flush, one summary entry.
SUMMARISE_ABOVE = 50

ENTITY_LABELS = {"offer": "Tilbud", "organisation": "Organisation", "user": "Bruger", "token": "API-token",
                 "element": "Element-vurdering"}
ACTION_LABELS = {"created": "oprettet", "changed": "ændret", "deleted": "slettet"}


def _label(obj) -> str:
    if isinstance(obj, Offer):
        return obj.title or ""
    if isinstance(obj, Organisation):
        return obj.name or ""
    if isinstance(obj, User):
        return obj.email or ""
    if isinstance(obj, ApiToken):
        return f"{obj.prefix}… {obj.name}"
    if isinstance(obj, ElementAssessment):
        return f"tilbud {obj.offer_id}: {obj.element_key}"
    return ""


def _changed_fields(obj) -> list[str]:
    state = inspect(obj)
    out = []
    for attr in state.mapper.column_attrs:
        if attr.key in IGNORED_FIELDS:
            continue
        if state.attrs[attr.key].history.has_changes():
            out.append(attr.key)
    return out


def _actor(session: Session) -> str:
    actor = session.info.get("actor")
    try:
        actor = actor() if callable(actor) else actor
    except Exception:  # noqa: BLE001 - an unknown actor must not stop a change
        actor = None
    return (actor or "system")[:200]


@event.listens_for(Session, "after_flush")
def record_changes(session: Session, _ctx) -> None:
    rows: dict[tuple[str, str], list[dict]] = {}
    for objects, action in ((session.new, "created"), (session.dirty, "changed"), (session.deleted, "deleted")):
        for obj in objects:
            entity = AUDITED.get(type(obj))
            if entity is None:
                continue
            fields = _changed_fields(obj) if action == "changed" else []
            if action == "changed" and not fields:
                continue
            rows.setdefault((entity, action), []).append(
                {"entity_id": str(obj.id) if obj.id is not None else None, "label": _label(obj)[:200],
                 "fields": fields})
    if not rows:
        return
    actor, now = _actor(session), utcnow()
    entries = []
    for (entity, action), items in rows.items():
        if len(items) > SUMMARISE_ABOVE:
            fields = sorted({f for item in items for f in item["fields"]})
            items = [{"entity_id": None, "label": f"{len(items)} stk.", "fields": fields}]
        entries += [{"at": now, "actor": actor, "action": action, "entity": entity, **item} for item in items]
    session.connection().execute(insert(AuditEntry), entries)


def recent(session: Session, *, limit: int = 100, offset: int = 0, entity: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if entity:
        query = query.where(AuditEntry.entity == entity)
    return list(session.scalars(query.offset(offset).limit(limit)))
