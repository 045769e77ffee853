"""One turn of a conversation, shared by the chat pages, the chat's JSON endpoint and the API.

Order of work, for privacy: the message is redacted first; only the redacted text reaches the dialogue, the
matcher, the database and the reply. Nothing here logs.
"""
from __future__ import annotations

from collections import Counter
from typing import Any

from flask import current_app

from catalog import conversations as conv_service
from catalog.matching import match_offers, visible_offers
from catalog.models import Conversation, Offer
from catalog.municipalities import NATIONWIDE
from catalog.redaction import redact
from matcher import dialogue

from .extensions import db
from .matching import match_index

MAX_MESSAGE = 4000
EMPTY_MESSAGE = "Skriv en besked."
LONG_MESSAGE = f"Beskeden må højst være {MAX_MESSAGE} tegn."


def retention_hours() -> float:
    return float(current_app.config.get("CONVERSATION_RETENTION_HOURS", conv_service.DEFAULT_RETENTION_HOURS))


def validate_message(text: Any) -> str | None:
    """The Danish error for a message, or None."""
    if not isinstance(text, str) or not text.strip():
        return EMPTY_MESSAGE
    if len(text) > MAX_MESSAGE:
        return LONG_MESSAGE
    return None


def home_of(conv: Conversation, user=None) -> str | None:
    if user is not None and getattr(user, "home_municipality", None):
        return user.home_municipality
    return (conv.state or {}).get("home")


def start(*, user_id: int | None = None, token_id: int | None = None, home: str | None = None) -> Conversation:
    conv = conv_service.create_conversation(db.session, user_id=user_id, token_id=token_id,
                                            retention_hours=retention_hours(),
                                            search_state=dialogue.empty_state(home))
    if home and token_id is not None:
        conv.state = {**conv.state, "home": home}
    return conv


def send(conv: Conversation, text: str, *, home: str | None = None) -> dict[str, Any]:
    """Redact, refine the search, search, store both messages; returns the reply (see :func:`reply_json`)."""
    red = redact(text[:MAX_MESSAGE])
    engine = match_index().fresh(db.session)
    turn = dialogue.refine(conv_service.search_state(conv), red.text, understand=engine.understand,
                           home_municipality=home)
    conv_service.append_message(db.session, conv, "user", red.text)
    return _answer(conv, turn, removed=red.messages(), engine=engine)


def remove(conv: Conversation, key: str, *, home: str | None = None) -> dict[str, Any]:
    """Remove one chip of what was understood."""
    engine = match_index().fresh(db.session)
    turn = dialogue.remove_item(conv_service.search_state(conv), key, understand=engine.understand)
    return _answer(conv, turn, removed=[], engine=engine)


def _answer(conv: Conversation, turn: dialogue.Turn, *, removed: list[str], engine) -> dict[str, Any]:
    state = turn.state
    hits, left_out, total = [], [], 0
    question = None
    # a text with no need, child, place or condition the service could read gets the honest answer, not offers
    # that merely share a word with it ("jeg ved ikke")
    if dialogue.has_need(state) and not dialogue.nothing_understood(state):
        found = match_offers(db.session, engine, dialogue.need_from_state(state), limit=dialogue.PAGE_SIZE,
                             offset=turn.offset, record=True)
        hits = [{"offer_id": r.offer.id, "score": round(r.score, 4), "reasons": r.reasons} for r in found.results]
        left_out = found.left_out
        total = found.total_eligible
        shown = [r.offer for r in found.results]
        local = [o for o in shown if any(a != NATIONWIDE for a in o.areas)]
        areas = Counter(a for o in local for a in o.areas if a != NATIONWIDE)
        question = dialogue.clarifying_question(
            state, municipality_matters=bool(local),
            age_restricted=any(o.age_min is not None or o.age_max is not None for o in shown),
            area_options=[a for a, _ in areas.most_common(4)])
        state = dialogue.mark_asked(state, question)
    text = compose_reply(turn, state, removed=removed, total=total, shown=len(hits), left_out=left_out)
    data = {"changes": turn.changes, "removed": removed, "action": turn.action, "offset": turn.offset,
            "total": total, "results": hits, "left_out": left_out, "question": question,
            "notice": _notice(conv, turn)}
    conv_service.update_state(conv, state)
    conv_service.append_message(db.session, conv, "assistant", text, data=data)
    return reply_json(conv)


def _notice(conv: Conversation, turn: dialogue.Turn) -> str | None:
    """The safeguarding notice stays on every reply of a conversation once a message called for it."""
    previous = conv_service.last_reply(conv)
    return turn.notice or ((previous.data or {}).get("notice") if previous is not None else None)


def compose_reply(turn: dialogue.Turn, state: dict, *, removed: list[str], total: int, shown: int,
                  left_out: list[dict]) -> str:
    # honest answers first (matcher/dialogue.py): not Danish, a child in danger, nothing understood
    if turn.action == "foreign":
        return dialogue.NOT_DANISH_REPLY
    parts = [f"{m}." for m in removed]
    if turn.notice:
        parts.insert(0, dialogue.SAFEGUARDING_REPLY)
    if total == 0 and dialogue.nothing_understood(state) and turn.action in ("search", "nochange", "refine"):
        parts.append(dialogue.NOTHING_UNDERSTOOD_REPLY)
        return " ".join(parts)
    if turn.action == "nochange" and not turn.changes:
        parts.append("Jeg fandt ikke noget nyt at ændre i søgningen. Du kan fx skrive »kun gratis«, "
                     "»ikke online«, »vis flere« eller beskrive et behov mere.")
    parts.extend(turn.changes)
    if not dialogue.has_need(state):
        parts.append("Beskriv familiens situation og behov, så finder jeg tilbud, der passer.")
        return " ".join(parts)
    if total == 0:
        parts.append("Jeg fandt ingen tilbud, der passer. Prøv at fjerne et ønske eller en begrænsning.")
    elif shown == 0:
        parts.append(f"Der er ikke flere tilbud: jeg fandt {total} i alt.")
    else:
        first = turn.offset + 1
        parts.append(f"Jeg fandt {total} tilbud. Her er nr. {first}–{turn.offset + shown}, de bedste først."
                     if total > 1 else "Jeg fandt 1 tilbud.")
    for item in left_out[:3]:
        if item.get("filter"):  # a condition the caseworker set; the chip removes it
            parts.append(f"{item['count']} tilbud skjult: {item['reason']}.")
        else:
            parts.append(f"{item['count']} tilbud blev sorteret fra: {item['reason']}.")
    return " ".join(parts)


# --- JSON -----------------------------------------------------------------------------------------

def result_json(hit: dict, offer: Offer) -> dict[str, Any]:
    return {**conv_service.offer_summary(offer), "offer_id": offer.id, "score": hit["score"],
            "reasons": list(hit["reasons"])}


def latest_results(conv: Conversation) -> tuple[dict | None, list[tuple[dict, Offer]]]:
    """The last reply's data and its results with their (still visible) offers."""
    reply = conv_service.last_reply(conv)
    if reply is None:
        return None, []
    hits = (reply.data or {}).get("results") or []
    offers = visible_offers(db.session, [h["offer_id"] for h in hits])
    return reply.data or {}, [(h, offers[h["offer_id"]]) for h in hits if h["offer_id"] in offers]


def reply_json(conv: Conversation) -> dict[str, Any]:
    reply = conv_service.last_reply(conv)
    data, results = latest_results(conv)
    data = data or {}
    return {
        "id": conv.id,
        "reply": reply.text if reply else "",
        "changes": list(data.get("changes") or []),
        "removed": list(data.get("removed") or []),
        "understood": dialogue.understood(conv_service.search_state(conv)),
        "results": [result_json(h, o) for h, o in results],
        "total": int(data.get("total") or 0),
        "offset": int(data.get("offset") or 0),
        "left_out": list(data.get("left_out") or []),
        "question": data.get("question"),
    }


def shortlist_json(conv: Conversation) -> list[dict[str, Any]]:
    return [{"need": need, "offers": [{"offer": conv_service.offer_summary(i.offer), "note": i.note,
                                       "why": conv_service.item_reasons(conv, i)} for i in items]}
            for need, items in conv_service.shortlist_groups(conv)]


def conversation_json(conv: Conversation) -> dict[str, Any]:
    return {
        "id": conv.id,
        "created_at": conv.created_at.isoformat(),
        "expires_at": conv.expires_at.isoformat(),
        "messages": [{"role": m.role, "text": m.text, "created_at": m.created_at.isoformat()}
                     for m in conv.messages],
        "understood": dialogue.understood(conv_service.search_state(conv)),
        "shortlist": shortlist_json(conv),
    }


def reasons_for(conv: Conversation, offer_id: int) -> list[str] | None:
    """The matcher's reasons for an offer in the latest reply (for the plan), if it is there."""
    _, results = latest_results(conv)
    for hit, offer in results:
        if offer.id == offer_id:
            return list(hit["reasons"])
    return None


def default_need(conv: Conversation, offer_id: int | None = None) -> str:
    """The need an offer is added for unless the caseworker picks one: the need its reasons name, else the first."""
    state = conv_service.search_state(conv)
    labels = [c["label"] for c in dialogue.clean_state(state)["concepts"]]
    if offer_id is not None:
        for reason in reasons_for(conv, offer_id) or []:
            for label in labels:
                if f"'{label}'" in reason or f" {label[:1].lower()}{label[1:]}" in reason:  # plain sentences
                    return label
    focus = dialogue.clean_state(state)["focus"]
    for c in dialogue.clean_state(state)["concepts"]:
        if c["key"] == focus:
            return c["label"]
    return labels[0] if labels else conv_service.OTHER_NEED


def need_labels(conv: Conversation) -> list[str]:
    labels = [c["label"] for c in dialogue.clean_state(conv_service.search_state(conv))["concepts"]]
    for item in conv.shortlist:
        if item.need and item.need not in labels:
            labels.append(item.need)
    if conv_service.OTHER_NEED not in labels:
        labels.append(conv_service.OTHER_NEED)
    return labels
