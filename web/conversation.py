"""One turn of a conversation, shared by the chat pages, the chat's JSON endpoint and the API.

Understand first, then forget: the message text is read by the dialogue and the matcher in memory (so
nothing is lost to redaction: no age, no need); what is kept is what was understood, reduced to the service's
own vocabulary (see :mod:`catalog.conversations`). The text is never stored, logged or put in a reply; the
chat page shows it back only in the answer to the request that carried it.

Per request the conversation is loaded once (with its history and shortlist), its state once, and the
offers of the answer once (:class:`ChatView`); pages and JSON are built from that.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from catalog import conversations as conv_service
from catalog.conversations import ConversationState, LastReply, SearchState
from catalog.matching import match_offers
from catalog.models import Conversation, Offer
from catalog.municipalities import NATIONWIDE
from catalog.redaction import redact
from matcher import dialogue

from .extensions import db
from .matching import coverage_recorder, match_index

MAX_MESSAGE = 4000
EMPTY_MESSAGE = "Skriv en besked."
LONG_MESSAGE = f"Beskeden må højst være {MAX_MESSAGE} tegn."
NOTHING_NEW = "(intet nyt forstået)"


@dataclass
class ChatView:
    """A conversation as one request sees it: the row, its state and the latest answer's visible offers."""

    conv: Conversation
    state: ConversationState
    results: list[tuple[dict, Offer]] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)   # history entries written by this request

    @property
    def history(self) -> list[tuple[str, str]]:
        """(role, summary) of every turn, oldest first: what was understood and what the service answered."""
        return [(m.role, m.summary) for m in self.conv.messages] + list(self.added)

    @property
    def data(self) -> dict[str, Any]:
        return asdict(self.state.last) if self.state.last is not None else {}


def retention_hours() -> float:
    return float(current_app.config.get("CONVERSATION_RETENTION_HOURS", conv_service.DEFAULT_RETENTION_HOURS))


def validate_message(text: Any) -> str | None:
    """The Danish error for a message, or None."""
    if not isinstance(text, str) or not text.strip():
        return EMPTY_MESSAGE
    if len(text) > MAX_MESSAGE:
        return LONG_MESSAGE
    return None


def load_offers(ids: list[int]) -> dict[int, Offer]:
    """The offers of an answer in two statements: offers with organisation, areas and formats (small
    collections, joined), then their element rows."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    rows = db.session.scalars(select(Offer).where(Offer.id.in_(ids))
                              .options(joinedload(Offer.organisation), joinedload(Offer.area_rows),
                                       joinedload(Offer.format_rows), selectinload(Offer.element_rows))
                              ).unique().all()
    return {o.id: o for o in rows}


def _visible(_session, ids: list[int]) -> dict[int, Offer]:
    """The loader for catalog.matching.match_offers: the answer's offers that are still visible."""
    return {oid: o for oid, o in load_offers(ids).items() if o.visible}


def start(*, user_id: int | None = None, token_id: int | None = None, home: str | None = None) -> Conversation:
    state = ConversationState(search=SearchState.from_dict(dialogue.empty_state(home)),
                              home=home if token_id is not None else None)
    return conv_service.create_conversation(db.session, user_id=user_id, token_id=token_id,
                                            retention_hours=retention_hours(), state=state)


def view(conv: Conversation, state: ConversationState | None = None) -> ChatView:
    """The conversation with its latest answer's (still visible) offers, loaded once."""
    state = state or ConversationState.load(conv)
    hits = state.last.results if state.last is not None else []
    offers = load_offers([h["offer_id"] for h in hits])
    results = [(h, offers[h["offer_id"]]) for h in hits
               if h["offer_id"] in offers and offers[h["offer_id"]].visible]
    return ChatView(conv, state, results)


def _vocabulary(engine):
    return engine.known_word, engine.known_term


def send(conv: Conversation, text: str, *, home: str | None = None,
         state: ConversationState | None = None) -> ChatView:
    """Understand the message (raw, in memory), refine the search, search, keep what was understood."""
    state = state or ConversationState.load(conv)
    text = text[:MAX_MESSAGE]
    engine = match_index().fresh(db.session)
    turn = dialogue.refine(state.search.to_dict(), text, understand=engine.understand, home_municipality=home)
    removed = redact(text).messages()
    del text  # from here on only what was understood
    return _answer(conv, state, turn, removed=removed, engine=engine, user_turn=True)


def remove(conv: Conversation, key: str, *, home: str | None = None,
           state: ConversationState | None = None) -> ChatView:
    """Remove one chip of what was understood."""
    state = state or ConversationState.load(conv)
    engine = match_index().fresh(db.session)
    turn = dialogue.remove_item(state.search.to_dict(), key, understand=engine.understand)
    return _answer(conv, state, turn, removed=[], engine=engine, user_turn=False)


def _answer(conv: Conversation, state: ConversationState, turn: dialogue.Turn, *, removed: list[str], engine,
            user_turn: bool) -> ChatView:
    known_word, known_term = _vocabulary(engine)
    search = SearchState.from_dict(turn.state).scrubbed(known_word, known_term)
    current = search.to_dict()
    hits: list[dict] = []
    left_out: list[dict] = []
    total = 0
    question = None
    offers: dict[int, Offer] = {}
    shown: list[Offer] = []
    # a text with no need, child, place or condition the service could read gets the honest answer, not offers
    # that merely share a word with it ("jeg ved ikke")
    if dialogue.has_need(current) and not dialogue.nothing_understood(current):
        found = match_offers(db.session, engine, dialogue.need_from_state(current), limit=dialogue.PAGE_SIZE,
                             offset=turn.offset, record=coverage_recorder(), load=_visible)
        offers = {r.offer_id: r.offer for r in found.results}
        hits = [{"offer_id": r.offer_id, "score": round(r.score, 4), "reasons": r.reasons} for r in found.results]
        left_out = found.left_out
        total = found.total_eligible
        shown = [r.offer for r in found.results]
        local = [o for o in shown if any(a != NATIONWIDE for a in o.areas)]
        areas = Counter(a for o in local for a in o.areas if a != NATIONWIDE)
        question = dialogue.clarifying_question(
            current, municipality_matters=bool(local),
            age_restricted=any(o.age_min is not None or o.age_max is not None for o in shown),
            area_options=[a for a, _ in areas.most_common(4)])
        current = dialogue.mark_asked(current, question)
        search = SearchState.from_dict(current)
    reply = compose_reply(turn, current, removed=removed, total=total, shown=len(hits), left_out=left_out)
    state.search = search
    state.last = LastReply(reply=reply, results=hits, total=total, offset=turn.offset, left_out=left_out,
                           question=question, changes=list(turn.changes), removed=list(removed),
                           notice=turn.notice or (state.last.notice if state.last is not None else None))
    state.save(conv)
    entries = [("user", understood_summary(turn, current))] if user_turn else []
    conv_service.add_history(db.session, conv, entries + [("assistant", reply)])
    return ChatView(conv, state, [(h, offers[h["offer_id"]]) for h in hits], added=entries + [("assistant", reply)])


def understood_summary(turn: dialogue.Turn, state: dict) -> str:
    """The caseworker's turn as the history shows it: what it changed, or everything understood so far."""
    if turn.action in ("search", "reset"):
        labels = [c["label"] for c in dialogue.chips(state)]
        return "; ".join(labels) if labels else NOTHING_NEW
    if turn.changes:
        return " ".join(turn.changes)
    return NOTHING_NEW


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
    if removed:
        parts.append("Beskeden gemmes ikke: kun det, jeg har forstået.")
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


def reply_json(chat: ChatView) -> dict[str, Any]:
    last = chat.state.last or LastReply()
    return {
        "id": chat.conv.id,
        "reply": last.reply,
        "changes": list(last.changes),
        "removed": list(last.removed),
        "understood": dialogue.understood(chat.state.search.to_dict()),
        "results": [result_json(h, o) for h, o in chat.results],
        "total": int(last.total),
        "offset": int(last.offset),
        "left_out": list(last.left_out),
        "question": last.question,
        "notice": last.notice,
    }


def shortlist_json(conv: Conversation) -> list[dict[str, Any]]:
    return [{"need": need, "offers": [{"offer": conv_service.offer_summary(i.offer), "note": i.note,
                                       "why": conv_service.item_reasons(conv, i)} for i in items]}
            for need, items in conv_service.shortlist_groups(conv)]


def conversation_json(conv: Conversation, state: ConversationState | None = None) -> dict[str, Any]:
    """The conversation as the API reads it back: the history as understood, never the typed texts."""
    state = state or ConversationState.load(conv)
    return {
        "id": conv.id,
        "created_at": conv.created_at.isoformat(),
        "expires_at": conv.expires_at.isoformat(),
        "messages": [{"role": m.role, "summary": m.summary, "created_at": m.created_at.isoformat()}
                     for m in conv.messages],
        "understood": dialogue.understood(state.search.to_dict()),
        "shortlist": shortlist_json(conv),
    }


def reasons_for(state: ConversationState, offer_id: int | None) -> list[str] | None:
    """The matcher's reasons for an offer in the latest answer (for the plan), if it is there."""
    for hit in (state.last.results if state.last is not None else []):
        if hit.get("offer_id") == offer_id:
            return list(hit.get("reasons") or [])
    return None


def default_need(state: ConversationState, offer_id: int | None = None) -> str:
    """The need an offer is added for unless the caseworker picks one: the need its reasons name, else the first."""
    concepts = state.search.concepts
    labels = [c["label"] for c in concepts]
    if offer_id is not None:
        for reason in reasons_for(state, offer_id) or []:
            for label in labels:
                if f"'{label}'" in reason or f" {label[:1].lower()}{label[1:]}" in reason:  # plain sentences
                    return label
    for c in concepts:
        if c["key"] == state.search.focus:
            return c["label"]
    return labels[0] if labels else conv_service.OTHER_NEED


def need_labels(conv: Conversation, state: ConversationState) -> list[str]:
    labels = [c["label"] for c in state.search.concepts]
    for item in conv.shortlist:
        if item.need and item.need not in labels:
            labels.append(item.need)
    if conv_service.OTHER_NEED not in labels:
        labels.append(conv_service.OTHER_NEED)
    return labels
