"""The one way a match runs, for every caller (the JSON API, plans, the chat, the embedded search, HSDS).

    need (text or matcher.Need) --overrides--> MatchEngine.search(need, limit, offset)
        --> hits (offer ids, scores, reasons) --load, one query--> visible offers in rank order

The engine ranks what its in-memory index holds; the index can be a request behind the database (an offer
unpublished or its organisation unverified a moment ago). So the offers are loaded after ranking and the ones
no longer visible are dropped here, once, instead of in each caller. No Flask: the caller hands in its session
and the engine it keeps up to date.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matcher import Hit, MatchEngine, Need
from matcher.plans import CombinedHit, apply_theme, canonical_theme, combine, merge_left_out

from . import coverage
from .freshness import listed_condition
from .models import Offer
from .municipalities import NATIONWIDE, canonical_area
from .conversations import public_understood, scrub_need
from .redaction import redact

T = TypeVar("T")

# (session, offer ids) -> the visible ones among them, by id, in any order
Loader = Callable[[Session, list[int]], dict[int, T]]


@dataclass(frozen=True)
class Overrides:
    """What the caller states outright, over what the text says: None keeps the text's reading.

    ``municipality``: a canonical name, or "" for the whole country (see :func:`area_override`)."""
    municipality: str | None = None
    child_ages: list[int] | None = None
    formats: list[str] | None = None


@dataclass
class RankedOffer(Generic[T]):
    offer_id: int
    offer: T                     # what the loader gave: an Offer, or its JSON
    score: float
    reasons: list[str]           # Danish


@dataclass
class OfferMatch(Generic[T]):
    need: Need                   # as understood, with the overrides applied
    results: list[RankedOffer[T]] = field(default_factory=list)
    left_out: list[dict[str, Any]] = field(default_factory=list)   # [{"count": 4, "reason": "kun for 13–17 år"}]
    total_eligible: int = 0


def understood(engine: MatchEngine, need: Need) -> dict[str, Any]:
    """``need`` as JSON for an answer, with no word of the text that the service's vocabulary does not know
    (so no name can be echoed)."""
    return public_understood(need, engine.known_word, engine.known_term)


def area_override(value: str | None) -> str | None:
    """A caller's municipality field: None (or blank) = read it from the text, "" = the whole country, else the
    canonical name. Raises catalog.municipalities.UnknownMunicipality (its message suggests a name)."""
    if value is None or not value.strip():
        return None
    name = canonical_area(value)
    return "" if name == NATIONWIDE else name


def load_offers(session: Session, ids: Iterable[int]) -> dict[int, Offer]:
    """Offers by id in one query (plus one selectin query per relationship), never one per offer."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    rows = session.scalars(select(Offer).where(Offer.id.in_(ids))
                           .options(selectinload(Offer.organisation), selectinload(Offer.area_rows),
                                    selectinload(Offer.element_rows))).all()
    return {o.id: o for o in rows}


def visible_offers(session: Session, ids: Iterable[int]) -> dict[int, Offer]:
    """The visible ones (published, organisation verified, confirmed recently enough) among these offers, loaded as in :func:`load_offers`."""
    return {oid: o for oid, o in load_offers(session, ids).items() if o.visible}


def visible_ids(session: Session, ids: Iterable[int]) -> dict[int, int]:
    """A loader for callers that page the offers themselves: the visible ids among these, in one query."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    rows = session.scalars(select(Offer.id).where(Offer.id.in_(ids), listed_condition()))
    return {oid: oid for oid in rows}


def match_offers(session: Session, engine: MatchEngine, need: Need | str, *, overrides: Overrides | None = None,
                 limit: int = 10, offset: int = 0, load: Loader | None = None,
                 record: coverage.Recorder | None = None) -> OfferMatch:
    """Rank the catalogue for a need and return the visible offers in rank order with their reasons.

    ``need`` is the text (read in memory, kept nowhere) or a Need the caller built (the chat's refined search, a plan
    goal with its theme). ``load`` turns hit ids into offers and must leave out invisible ones; the default
    gives ORM Offers (:func:`visible_offers`). ``record``: a caseworker's first page also goes into the
    coverage map through this recorder (catalog.coverage: municipality, week, concept keys and eligible counts;
    no text)."""
    if isinstance(need, str):
        need = engine.understand(need)   # the raw text, in memory only: redaction costs no age or need
    scrub_need(need, engine.known_word)  # the reasons quote only the service's own words, never a name
    if overrides is not None:
        need.override(municipality=overrides.municipality, child_ages=overrides.child_ages,
                      formats=overrides.formats)
    result = engine.search(need, limit=limit, offset=offset)
    if record is not None and not offset:
        record.note(engine, result.need)
    offers = (load or visible_offers)(session, [hit.offer_id for hit in result.results])
    ranked = [RankedOffer(hit.offer_id, offers[hit.offer_id], float(hit.score), list(hit.reasons))
              for hit in result.results if hit.offer_id in offers]
    return OfferMatch(need=result.need, results=ranked, left_out=[dict(x) for x in result.left_out],
                      total_eligible=int(result.total_eligible))



# --- a family's plan: several goals at once ---------------------------------------------------------------

@dataclass
class GoalMatch(Generic[T]):
    id: str
    theme: str | None            # canonical spelling, or None
    redacted: list[str]          # what was removed from the goal's text, in Danish
    match: OfferMatch[T]         # this goal's visible offers, up to the plan's depth


@dataclass
class PlanMatch(Generic[T]):
    goals: list[GoalMatch[T]]
    combined: list[tuple[T, CombinedHit]]     # the offers serving most goals best first (matcher.plans.combine)
    left_out: list[dict[str, Any]]            # per reason the largest count any goal saw


def match_plan(session: Session, engine: MatchEngine, goals: Iterable[tuple[str, str, str | None]], *,
               overrides: Overrides | None = None, depth: int = 20, combined_limit: int = 10,
               load: Loader | None = None) -> PlanMatch:
    """Match each goal (id, text, theme) of a family's plan, then combine the goals into one list.

    A goal's text is redacted before the matcher sees it and is kept nowhere; its theme nudges the need towards
    the theme's topics (matcher.plans.apply_theme). ``depth`` hits per goal feed the combined list, so an offer
    ranked 8th for one goal still counts. ``load`` as in :func:`match_offers`."""
    out: list[GoalMatch] = []
    offers: dict[int, Any] = {}
    for gid, text, theme in goals:
        redaction = redact(text)  # only to tell what the answer will not repeat
        theme = canonical_theme(theme) if theme else None
        need = apply_theme(engine.understand(text), theme)  # the raw text, in memory: no age or need lost
        found = match_offers(session, engine, need, overrides=overrides, limit=depth, load=load)
        out.append(GoalMatch(gid, theme, redaction.messages(), found))
        offers.update((r.offer_id, r.offer) for r in found.results)
    combined = combine([(g.id, [Hit(r.offer_id, r.score, r.reasons) for r in g.match.results]) for g in out],
                       limit=combined_limit)
    return PlanMatch(out, [(offers[c.offer_id], c) for c in combined],
                     merge_left_out([g.match.left_out for g in out]))
