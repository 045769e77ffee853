"""Caseworkers' search conversations: what was understood, the shortlist for the family's plan, and expiry.

Understand first, then forget: a conversation keeps no free text. The message text is read by the matcher in
memory and then dropped; what is stored is what was understood (need concepts, municipality, ages, formats,
price, languages, the analysed terms that the service's own vocabulary knows), the last answer's result ids and
reasons, a history of what each turn understood (generated from that vocabulary), and the shortlist. The only
typed text that is stored is the caseworker's note on a shortlisted offer: it is redacted with
:func:`catalog.redaction.redact`, capped at ``NOTE_MAX`` characters, and the caseworker sees what was removed.

A conversation belongs to the user or API token that started it; anyone else gets ``None`` (the web answers
404). Conversations expire ``retention_hours`` after they were started: an expired one is deleted when it is
accessed, by :func:`purge_expired` (``civilmatch purge``) and by :func:`purge_if_due` on the service's own
schedule. Callers own the transaction and commit.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session, joinedload

from .db import utcnow
from .models import Conversation, ConversationMessage, Offer, ShortlistItem
from .redaction import common_words, is_name, redact

DEFAULT_RETENTION_HOURS = 24.0
NEED_MAX = 200
NOTE_MAX = 500
SUMMARY_MAX = 1000
OTHER_NEED = "Andet"

# Reasons that describe the offer only (not the family's words): these may go on the plan.
_PLAN_REASON_PREFIXES = ("Matcher behovet", "Beslægtet med behovet", "Landsdækkende", "Foregår som ønsket",
                         "Gratis", "Tilbydes på")


class ShortlistError(Exception):
    """A shortlist change that cannot be made. ``errors`` maps field names to Danish messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


# --- keeping only the service's own vocabulary ---------------------------------------------------------

KnownWord = Callable[[str], bool]
KnownTerm = Callable[[str], "str | None"]


def vocabulary_word(word: str, known_word: KnownWord) -> bool:
    """True when ``word`` may be stored or echoed: the service's vocabulary knows it, and it is not a name
    (a name that is also an everyday Danish word, like "sommer", is a word)."""
    low = (word or "").lower()
    if not low or not known_word(low):
        return False
    return not is_name(low) or low in common_words()


def vocabulary_phrase(phrase: str, known_word: KnownWord) -> bool:
    parts = [p for p in str(phrase or "").lower().replace("-", " ").split() if p]
    return bool(parts) and all(p.isdigit() or vocabulary_word(p, known_word) for p in parts)


def vocabulary_words(words: Iterable[str], known_word: KnownWord, fallback: str = "") -> list[str]:
    """The phrases of ``words`` made only of vocabulary words; ``[fallback]`` when none is."""
    kept = [w for w in words or [] if isinstance(w, str) and vocabulary_phrase(w, known_word)]
    return kept or ([fallback.lower()] if fallback else [])


def vocabulary_terms(term_weights: dict[str, float], known_term: KnownTerm) -> dict[str, float]:
    """Analysed terms as the index knows them (an unknown term becomes the index term a search would use in
    its place, or is dropped); terms that are names are dropped."""
    out: dict[str, float] = {}
    common = common_words()
    for term, weight in (term_weights or {}).items():
        known = known_term(str(term))
        if not known or (is_name(known) and known not in common):
            continue
        out[known] = max(out.get(known, 0.0), float(weight))
    return out


def scrub_need(need: Any, known_word: KnownWord) -> Any:
    """The need's concept words reduced to vocabulary words (they are quoted in reasons), in place."""
    for concept in getattr(need, "concepts", []) or []:
        concept.words = vocabulary_words(concept.words, known_word, concept.label)
    return need


def public_understood(need: Any, known_word: KnownWord, known_term: KnownTerm) -> dict[str, Any]:
    """``need.to_dict()`` for an API answer, with no word of the text that the service's vocabulary does not
    know: concept words and terms are filtered, the municipality's source words are not echoed."""
    out = need.to_dict()
    out["concepts"] = [{**c, "words": vocabulary_words(c.get("words") or [], known_word, c.get("label") or "")}
                       for c in out.get("concepts") or []]
    out["terms"] = sorted(vocabulary_terms({t: 1.0 for t in out.get("terms") or []}, known_term))
    if out.get("municipality_source") not in (None, "angivet"):
        out["municipality_source"] = out.get("municipality")
    return out


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(str(value))) == str(value).lower()
    except (ValueError, TypeError, AttributeError):
        return False


# --- the state: what was understood -----------------------------------------------------------------

@dataclass
class SearchState:
    """What the conversation has understood (the dialogue's state, see :mod:`matcher.dialogue`)."""

    municipality: str | None = None
    municipality_home: bool = False
    home_declined: bool = False
    child_ages: list[int] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    excluded_formats: list[str] = field(default_factory=list)
    free_only: bool = False
    languages: list[str] = field(default_factory=list)
    concepts: list[dict[str, Any]] = field(default_factory=list)   # {"key", "label", "words", "weight"}
    focus: str | None = None
    term_weights: dict[str, float] = field(default_factory=dict)
    offset: int = 0
    asked: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> SearchState:
        data = data if isinstance(data, dict) else {}
        known = {f.name for f in fields(cls)}
        state = cls(**{k: v for k, v in data.items() if k in known})
        state.child_ages = [int(a) for a in state.child_ages if isinstance(a, (int, float))]
        state.concepts = [c for c in state.concepts if isinstance(c, dict) and c.get("key")]
        return state

    def to_dict(self) -> dict[str, Any]:
        """The dialogue's dict form (``municipality_source`` is never kept: it holds the text's words)."""
        return {"v": 1, "municipality_source": None, **asdict(self)}

    def scrubbed(self, known_word: KnownWord, known_term: KnownTerm) -> SearchState:
        """A copy holding only vocabulary: concept words and terms the service knows."""
        data = asdict(self)
        data["concepts"] = [{"key": c["key"], "label": c.get("label") or c["key"],
                             "words": vocabulary_words(c.get("words") or [], known_word, c.get("label") or ""),
                             "weight": float(c.get("weight", 1.0))} for c in self.concepts]
        data["term_weights"] = vocabulary_terms(self.term_weights, known_term)
        return SearchState(**data)


@dataclass
class LastReply:
    """The latest answer: the reply (generated), result ids with score and reasons, paging, the question."""

    reply: str = ""
    results: list[dict[str, Any]] = field(default_factory=list)   # {"offer_id", "score", "reasons"}
    total: int = 0
    offset: int = 0
    left_out: list[dict[str, Any]] = field(default_factory=list)
    question: dict[str, Any] | None = None
    changes: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    notice: str | None = None   # "safeguarding": kept on every later answer of the conversation

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> LastReply:
        data = data if isinstance(data, dict) else {}
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class ConversationState:
    """Everything a conversation keeps besides its history rows and shortlist, loaded once per request."""

    search: SearchState = field(default_factory=SearchState)
    home: str | None = None
    reasons: dict[str, list[str]] = field(default_factory=dict)   # offer id -> plan reasons
    last: LastReply | None = None

    @classmethod
    def load(cls, conv: Conversation) -> ConversationState:
        data = conv.state if isinstance(conv.state, dict) else {}
        last = data.get("last")
        return cls(search=SearchState.from_dict(data.get("search")), home=data.get("home"),
                   reasons={str(k): list(v) for k, v in (data.get("reasons") or {}).items()},
                   last=LastReply.from_dict(last) if isinstance(last, dict) else None)

    def save(self, conv: Conversation, *, now: datetime | None = None) -> None:
        conv.state = {"search": asdict(self.search), "home": self.home, "reasons": dict(self.reasons),
                      "last": asdict(self.last) if self.last is not None else None}
        conv.updated_at = now or utcnow()


# --- conversations -------------------------------------------------------------------------------------

def create_conversation(session: Session, *, user_id: int | None = None, token_id: int | None = None,
                        retention_hours: float = DEFAULT_RETENTION_HOURS, now: datetime | None = None,
                        state: ConversationState | None = None) -> Conversation:
    if (user_id is None) == (token_id is None):
        raise ValueError("A conversation has exactly one owner: a user or an API token.")
    now = now or utcnow()
    conv = Conversation(id=str(uuid.uuid4()), owner_user_id=user_id, owner_token_id=token_id, state={},
                        messages=[], shortlist=[], created_at=now, updated_at=now,
                        expires_at=now + timedelta(hours=float(retention_hours)))
    (state or ConversationState()).save(conv, now=now)
    session.add(conv)
    return conv


def get_conversation(session: Session, conversation_id: str, *, user_id: int | None = None,
                     token_id: int | None = None, now: datetime | None = None) -> Conversation | None:
    """The conversation if it exists, has not expired and belongs to this user or token; else None.

    One statement loads it with its history and shortlist (and the shortlisted offers). An expired
    conversation is deleted on the spot (flushed; the caller commits).
    """
    if not conversation_id or not is_uuid(conversation_id) or (user_id is None and token_id is None):
        return None
    conv = session.scalars(
        select(Conversation).where(Conversation.id == str(conversation_id).lower())
        .options(joinedload(Conversation.messages),
                 joinedload(Conversation.shortlist).joinedload(ShortlistItem.offer).joinedload(Offer.organisation))
    ).unique().one_or_none()
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
    """Delete every conversation past its retention period (with its history and shortlist)."""
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


class PurgeSchedule:
    """Deletes expired conversations inside the service at most once per ``interval`` seconds.

    ``due()`` is a cheap clock check a request can make; the caller then runs :func:`purge_expired` in its
    own session and commits (and on SQLite truncates the WAL, see :func:`catalog.db.after_purge`).
    """

    def __init__(self, interval: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.interval = float(interval)
        self._clock = clock
        self._next = 0.0  # the first request after start purges
        self._lock = threading.Lock()

    def due(self) -> bool:
        now = self._clock()
        with self._lock:
            if now < self._next:
                return False
            self._next = now + self.interval
            return True


def add_history(session: Session, conv: Conversation, entries: list[tuple[str, str]],
                *, now: datetime | None = None) -> int:
    """Append history rows: (role, summary) where the summary is generated from what was understood (the
    caseworker's turn) or the service's reply; never the text the caseworker typed."""
    now = now or utcnow()
    rows = []
    for role, summary in entries:
        if role not in ("user", "assistant"):
            raise ValueError("role must be 'user' or 'assistant'")
        rows.append({"conversation_id": conv.id, "role": role, "summary": (summary or "")[:SUMMARY_MAX],
                     "created_at": now})
    conv.updated_at = now  # before the flush: one UPDATE of the conversation per turn
    if rows:  # one statement for the turn (the loaded conv.messages do not change in this request)
        session.flush()
        session.execute(insert(ConversationMessage), rows)
    return len(rows)


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


def clean_note(note: Any) -> tuple[str, list[str]]:
    """A note as it will be stored (redacted, trimmed) and the Danish sentences saying what was removed."""
    red = redact(str(note or "").strip())
    return red.text, red.messages()


def add_to_shortlist(session: Session, conv: Conversation, offer_id: Any, *, need: str = "", note: str = "",
                     reasons: list[str] | None = None, state: ConversationState | None = None) -> ShortlistItem:
    """Add an offer (or update its need/note when it is on the list already). The note is redacted."""
    errors: dict[str, list[str]] = {}
    try:
        offer_id = int(offer_id)
    except (TypeError, ValueError):
        offer_id = None
    offer = session.get(Offer, offer_id) if offer_id is not None else None
    if offer is None or not offer.visible:
        errors["offer_id"] = ["Tilbuddet findes ikke."]
    need = redact(str(need or "").strip()).text
    note, _ = clean_note(note)
    if len(need) > NEED_MAX:
        errors["need"] = [f"Behovet må højst være {NEED_MAX} tegn."]
    if len(note) > NOTE_MAX:
        errors["note"] = [f"Noten må højst være {NOTE_MAX} tegn."]
    if errors:
        raise ShortlistError(errors)
    item = find_item(conv, offer_id)
    if item is None:
        item = ShortlistItem(conversation_id=conv.id, offer_id=offer_id, need=need, note=note, created_at=utcnow())
        item.offer = offer  # type: ignore[assignment]  # checked above: not None
        conv.shortlist.append(item)
    else:
        item.need = need or item.need
        item.note = note or item.note
    if reasons is not None:
        state = state or ConversationState.load(conv)
        state.reasons[str(offer_id)] = plan_reasons(reasons)
        state.save(conv)
    conv.updated_at = utcnow()
    session.flush()
    return item


def find_item(conv: Conversation, offer_id: Any) -> ShortlistItem | None:
    for item in conv.shortlist:
        if str(item.offer_id) == str(offer_id):
            return item
    return None


def remove_from_shortlist(session: Session, conv: Conversation, offer_id: Any,
                          state: ConversationState | None = None) -> bool:
    item = find_item(conv, offer_id)
    if item is None:
        return False
    conv.shortlist.remove(item)
    state = state or ConversationState.load(conv)
    state.reasons.pop(str(item.offer_id), None)
    state.save(conv)
    session.flush()
    return True


def set_note(session: Session, conv: Conversation, offer_id: Any, note: str) -> ShortlistItem | None:
    item = find_item(conv, offer_id)
    if item is None:
        return None
    note, _ = clean_note(note)
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


__all__ = ["ShortlistError", "SearchState", "LastReply", "ConversationState", "PurgeSchedule",
           "create_conversation", "get_conversation", "is_expired", "delete_conversation", "purge_expired",
           "add_history", "plan_reasons", "clean_note", "add_to_shortlist", "remove_from_shortlist", "set_note",
           "find_item", "shortlist_groups", "item_reasons", "offer_summary", "export_plan", "is_uuid",
           "vocabulary_word", "vocabulary_phrase", "vocabulary_words", "vocabulary_terms", "scrub_need",
           "public_understood"]
