"""Where help is missing: per match, the municipality, the ISO week and, per need concept understood, how many
eligible offers served it (0 = a gap). No text, no user, no token, no day is stored.

Aggregates for the coverage map, its table, the CSV and the API. A cell counting fewer than MIN_CELL searches is
never shown (suppressed), so no single family's search can be read out of it.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, distinct, func, insert, select
from sqlalchemy.orm import Session

from . import municipalities
from .db import utcnow
from .models import MatchEvent, MatchNeed
from .outcomes import MIN_CELL, clean_concepts, iso_week

MAX_CONCEPTS = 12

log = logging.getLogger(__name__)


def eligible_by_concept(engine, need) -> dict[str, int]:
    """For each concept of `need` (at most MAX_CONCEPTS): the offers the family could use that serve it.
    0 means the need met no offer at all."""
    counts = engine.eligible_counts(need)
    return {c.key: counts[c.key] for c in list(need.concepts)[:MAX_CONCEPTS]}


class Recorder:
    """The coverage map's rows, collected in memory and written in batches, so a match costs no statement.

    A process keeps one. :meth:`note` takes what a match understood (municipality, concept keys and how many
    eligible offers served each: no text, no identifiers); :meth:`flush` writes what is pending in the caller's
    session. :meth:`due` says when a batch should go (``batch`` rows or ``max_age_s`` seconds): the web layer
    flushes after such a request and before it reads the map, so the map is at most ``max_age_s`` behind. A
    process that stops loses at most that much statistics, never a family's data.
    """

    def __init__(self, *, batch: int = 50, max_age_s: float = 60.0) -> None:
        self.batch, self.max_age_s = batch, max_age_s
        self._pending: list[tuple[str | None, datetime, dict[str, int]]] = []
        self._since: float | None = None
        self._lock = threading.Lock()

    def note(self, engine, need) -> None:
        """Count the need's eligible offers per concept and keep the row; never raises (only the exception's
        type is logged: a failure here never costs a caseworker a result)."""
        if not need.concepts:
            return
        try:
            counts = eligible_by_concept(engine, need)
        except Exception as exc:  # noqa: BLE001
            log.warning("Could not count eligible offers per need: %s", type(exc).__name__)
            return
        with self._lock:
            if not self._pending:
                self._since = time.monotonic()
            self._pending.append((need.municipality, utcnow(), counts))

    def due(self) -> bool:
        with self._lock:
            return bool(self._pending) and (len(self._pending) >= self.batch or self._since is None
                                            or time.monotonic() - self._since >= self.max_age_s)

    def __len__(self) -> int:
        return len(self._pending)

    def flush(self, session: Session) -> int:
        """Add the pending rows to ``session`` (the caller commits); returns how many."""
        with self._lock:
            pending, self._pending, self._since = self._pending, [], None
        if pending:
            record_matches(session, pending)
        return len(pending)


def record_match(session: Session, municipality: str | None, eligible_by_concept: dict[str, int],
                 now: datetime | None = None) -> MatchEvent | None:
    """Store one match (the caller commits). Concept keys that are not well-formed keys are dropped."""
    keys = clean_concepts(eligible_by_concept)[:MAX_CONCEPTS]
    area = municipality if municipality in set(municipalities.names()) else None
    event = MatchEvent(municipality=area, week=iso_week(now or utcnow()))
    event.needs = [MatchNeed(concept=k, eligible=max(0, int(eligible_by_concept[k]))) for k in keys]
    session.add(event)
    session.flush()
    return event


def record_matches(session: Session, rows: list[tuple[str | None, datetime, dict[str, int]]]) -> None:
    """Store many matches (municipality, when, eligible offers per concept) as :func:`record_match` does, in
    two statements whatever their number (the caller commits): a batch costs a worker no ORM unit of work."""
    known = set(municipalities.names())
    events = [{"municipality": m if m in known else None, "week": iso_week(at)} for m, at, _ in rows]
    conn = session.connection()  # Core on the session's connection: no unit of work for rows never read back
    ids = conn.execute(insert(MatchEvent).returning(MatchEvent.id, sort_by_parameter_order=True),
                       events).scalars().all()
    needs = [{"event_id": event_id, "concept": k, "eligible": max(0, int(counts[k]))}
             for event_id, (_, _, counts) in zip(ids, rows, strict=True)
             for k in clean_concepts(counts)[:MAX_CONCEPTS]]
    if needs:
        conn.execute(insert(MatchNeed), needs)


@dataclass(frozen=True)
class Period:
    """Whole ISO weeks from `start` to `end` (inclusive), both given as dates."""
    start: date
    end: date

    @property
    def first_week(self) -> str:
        return iso_week(datetime.combine(self.start, datetime.min.time()))

    @property
    def last_week(self) -> str:
        return iso_week(datetime.combine(self.end, datetime.min.time()))

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or utcnow().date()
        return cls(today - timedelta(days=days - 1), today)


@dataclass(frozen=True)
class Cell:
    municipality: str
    searches: int
    unmet: int

    @property
    def suppressed(self) -> bool:
        return self.searches < MIN_CELL

    @property
    def share(self) -> float | None:
        """Share of searches with a need no eligible offer served; None when suppressed."""
        return None if self.suppressed or not self.searches else self.unmet / self.searches

    @property
    def shown_searches(self) -> int | None:
        return None if self.suppressed else self.searches

    @property
    def shown_unmet(self) -> int | None:
        return None if self.suppressed or 0 < self.unmet < MIN_CELL else self.unmet


def _events(period: Period):
    return and_(MatchEvent.week >= period.first_week, MatchEvent.week <= period.last_week)


def municipality_cells(session: Session, period: Period, theme: str | None = None) -> list[Cell]:
    """All 98 municipalities, in name order. With a theme (a concept key): searches that asked for it and
    how many found no offer for it; without: all searches and how many left at least one need unserved."""
    searches_q = select(MatchEvent.municipality, func.count(distinct(MatchEvent.id))).where(
        _events(period), MatchEvent.municipality.is_not(None))
    unmet_q = (select(MatchEvent.municipality, func.count(distinct(MatchEvent.id)))
               .join(MatchNeed, MatchNeed.event_id == MatchEvent.id)
               .where(_events(period), MatchEvent.municipality.is_not(None), MatchNeed.eligible == 0))
    if theme:
        searches_q = searches_q.join(MatchNeed, MatchNeed.event_id == MatchEvent.id).where(MatchNeed.concept == theme)
        unmet_q = unmet_q.where(MatchNeed.concept == theme)
    searches = dict(session.execute(searches_q.group_by(MatchEvent.municipality)).all())
    unmet = dict(session.execute(unmet_q.group_by(MatchEvent.municipality)).all())
    return [Cell(name, searches.get(name, 0), unmet.get(name, 0)) for name in municipalities.names()]


def unmet_needs(session: Session, period: Period, municipality: str | None = None,
                limit: int = 5) -> list[tuple[str, int, int]]:
    """(concept, searches, unmet) for the needs most often unmet, cells below MIN_CELL left out."""
    gap = func.sum(case_zero())
    query = (select(MatchNeed.concept, func.count(), gap)
             .join(MatchEvent, MatchEvent.id == MatchNeed.event_id).where(_events(period)))
    if municipality is not None:
        query = query.where(MatchEvent.municipality == municipality)
    rows = session.execute(query.group_by(MatchNeed.concept).having(gap >= MIN_CELL)
                           .order_by(gap.desc(), MatchNeed.concept).limit(limit)).all()
    return [(k, n, int(u)) for k, n, u in rows]


def case_zero():
    from sqlalchemy import case

    return case((MatchNeed.eligible == 0, 1), else_=0)


def gaps_for_concepts(session: Session, period: Period, concepts: list[str]) -> list[tuple[str, int, int]]:
    """For an NGO: (municipality, searches asking for its kinds of need, of which unmet), where unmet >= MIN_CELL,
    most unmet first."""
    if not concepts:
        return []
    gap = func.sum(case_zero())
    rows = session.execute(
        select(MatchEvent.municipality, func.count(distinct(MatchEvent.id)), gap)
        .join(MatchNeed, MatchNeed.event_id == MatchEvent.id)
        .where(_events(period), MatchEvent.municipality.is_not(None), MatchNeed.concept.in_(concepts))
        .group_by(MatchEvent.municipality).having(gap >= MIN_CELL)
        .order_by(gap.desc(), MatchEvent.municipality)).all()
    return [(m, n, int(u)) for m, n, u in rows]


def themes_in_use(session: Session) -> list[str]:
    return list(session.scalars(select(MatchNeed.concept).distinct().order_by(MatchNeed.concept)))
