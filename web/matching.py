"""Keeps one in-memory MatchEngine per process in step with the database.

Each request compares the catalogue version in the database (one tiny SELECT) with the version the engine
holds. On a change it reads the change log (``catalog_change``, one row per version, written in the
transaction that took the version) and applies exactly the versions after its own that are all there: a
version whose transaction has not committed yet stops the refresh at the gap, and the next request goes on
from there. It then loads only the offers stamped with those versions (and the tombstones of deleted ones)
and updates the engine incrementally, so an edit costs its own offers. When many offers changed at once (a
bulk import), a new index is built in a background thread while the old one keeps serving.

Under gunicorn ``--preload`` (gunicorn.conf.py) the master builds the index before it forks, so every
worker starts with it (shared copy-on-write) and its first request is as fast as the others.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog.models import (  # noqa: F401
    CatalogChange,
    ElementAssessment,
    Offer,
    OfferArea,
    Organisation,
    RemovedOffer,
    current_catalog_version,
)
from catalog.db import utcnow
from catalog import coverage
from catalog.freshness import is_listed, ranking_assured_at
from matcher import MatchEngine

log = logging.getLogger(__name__)

# Up to SYNC_MAX changed offers are applied in the request that finds them (a few hundred ms at most); more
# are applied in a background thread while the index keeps serving: one by one, or when they are more than
# BULK_MIN and BULK_SHARE of the index, by a full rebuild.
SYNC_MAX = 200
BULK_MIN = 2000
BULK_SHARE = 0.05
# A version missing from the change log for this long is taken as empty (written by code that bumps the
# version without logging it); a transaction still open that long holds the catalogue's row lock anyway.
GAP_PATIENCE_S = 60.0


def load_records(session: Session, *, since: int | None = None,
                 upto: int | None = None) -> tuple[list[dict], list[int]]:
    """Offer records (DESIGN.md) for visible offers, and ids of offers that must leave the index.

    Rows are streamed, and the fields the matcher does not read (schedule, audience, organisation, external
    id) are left out, so a 100,000-offer catalogue loads without holding every row twice. Short strings that
    repeat across offers (municipality names, formats, "gratis") are shared rather than copied per offer.
    """
    o, org = Offer.__table__.c, Organisation.__table__.c
    query = (select(o.id, o.title, o.description, o.target_group, o.age_min, o.age_max, o.formats, o.cost,
                    o.tags, o.languages, o.reviewed_elements_count, o.assured_at, o.status, org.verified)
             .join(Organisation.__table__, org.id == o.organisation_id))
    area_q = select(OfferArea.offer_id, OfferArea.municipality).order_by(OfferArea.offer_id, OfferArea.position)
    if since is not None:
        changed = (o.change_seq > since) if upto is None else o.change_seq.between(since + 1, upto)
        query = query.where(changed)
        area_q = area_q.where(OfferArea.offer_id.in_(select(o.id).where(changed)))
    shared: dict = {}

    def share(value):
        return shared.setdefault(value, value)

    areas: dict[int, list[str]] = defaultdict(list)
    for offer_id, name in session.execute(area_q.execution_options(yield_per=5000)):
        areas[offer_id].append(share(name))
    records, hidden = [], []
    for r in session.execute(query.execution_options(yield_per=2000)):
        if not is_listed(r.status, r.verified, r.assured_at):
            hidden.append(r.id)
            continue
        records.append({
            "id": r.id, "title": r.title, "description": r.description or "",
            "target_group": r.target_group or "", "age_min": r.age_min, "age_max": r.age_max,
            "areas": areas.pop(r.id, []), "formats": [share(f) for f in r.formats or ()],
            "cost": share(r.cost or ""), "tags": r.tags or [], "elements_count": r.reviewed_elements_count or 0,
            "assured_at": ranking_assured_at(r.assured_at), "languages": [share(x) for x in r.languages or ()],
        })
    if since is not None:
        removed = RemovedOffer.change_seq > since
        if upto is not None:
            removed = removed & (RemovedOffer.change_seq <= upto)
        hidden.extend(session.execute(select(RemovedOffer.offer_id).where(removed)).scalars())
    return records, hidden


def committed_upto(session: Session, held: int, current: int) -> tuple[int, int | None]:
    """The highest version v <= current such that every version in (held, v] is in the change log, and the
    first missing version after it (None if there is no gap)."""
    c = CatalogChange.__table__.c
    logged = session.execute(select(c.version).where(c.version > held, c.version <= current)
                             .order_by(c.version)).scalars()
    upto = held
    for v in logged:
        if v != upto + 1:
            break
        upto = v
    return upto, (upto + 1 if upto < current else None)


def changed_count(session: Session, since: int, upto: int) -> int:
    o = Offer.__table__.c
    r = RemovedOffer.__table__.c
    n = session.execute(select(func.count()).where(o.change_seq.between(since + 1, upto))).scalar() or 0
    return n + (session.execute(select(func.count()).where(r.change_seq.between(since + 1, upto))).scalar() or 0)


class MatchIndex:
    """One MatchEngine per process and the catalogue version it holds."""

    def __init__(self, bulk_min: int = BULK_MIN, gap_patience_s: float = GAP_PATIENCE_S,
                 sync_max: int = SYNC_MAX) -> None:
        self.engine = MatchEngine()
        self.version: int | None = None
        self.bulk_min = bulk_min
        self.sync_max = sync_max
        self.gap_patience_s = gap_patience_s
        self.last_loaded = 0            # offers loaded by the last refresh (an edit costs its own offers)
        self._gap: tuple[int, float] | None = None    # (missing version, since when)
        self._job_upto = self._ahead_upto = 0           # a background job's target version; applied beyond it
        self._builder: threading.Thread | None = None
        self._lock = threading.Lock()
        self.day = utcnow().date()

    def fresh(self, session: Session, version: int | None = None) -> MatchEngine:
        """The engine, brought up to ``version`` (default: the catalogue version read now)."""
        # Offers age out of view without any edit (catalog.freshness): a new day rebuilds the index in the
        # background while the old one serves.
        day = utcnow().date()
        new_day = self.version is not None and day != self.day
        self.day = day
        if version is None:
            version = current_catalog_version(session)
        if version == self.version and not new_day:
            return self.engine
        with self._lock:
            if self.version is None:
                self._build(session, version)
            elif new_day and not self.rebuilding:
                self._in_background(session, version, full=True)
            elif version != self.version and not self.rebuilding:
                self._refresh(session, version)
            elif version != self.version:
                self._ahead(session, version)
        return self.engine

    @property
    def rebuilding(self) -> bool:
        return self._builder is not None and self._builder.is_alive()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a background rebuild (tests, benchmarks)."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)

    def _build(self, session: Session, version: int) -> None:
        records, _ = load_records(session)
        self.last_loaded = len(records)
        self.engine.rebuild(records)
        del records
        self.version = version

    def _refresh(self, session: Session, version: int) -> None:
        assert self.version is not None
        upto, missing = committed_upto(session, self.version, version)
        upto = self._past_old_gap(upto, missing, version)
        if upto <= self.version:
            return
        n = changed_count(session, self.version, upto)
        if n > max(self.bulk_min, BULK_SHARE * len(self.engine)):
            self._in_background(session, upto, full=True)
        elif n > self.sync_max:
            self._in_background(session, upto, full=False)
        else:
            self.last_loaded = self._apply(session, self.version, upto)
            self.version = upto

    def _apply(self, session: Session, since: int, upto: int) -> int:
        records, hidden = load_records(session, since=since, upto=upto)
        for offer_id in hidden:
            self.engine.remove(offer_id)
        for record in records:
            self.engine.upsert(record)
        return len(records) + len(hidden)

    def _past_old_gap(self, upto: int, missing: int | None, version: int) -> int:
        """A gap is waited for, but not forever: one older than gap_patience_s is taken as an empty version."""
        if missing is None:
            self._gap = None
            return upto
        if self._gap is None or self._gap[0] != missing:
            self._gap = (missing, time.monotonic())
        if time.monotonic() - self._gap[1] < self.gap_patience_s:
            return upto
        log.warning("catalogue version %s never appeared in the change log; going on without it", missing)
        self._gap = None
        return version

    def _ahead(self, session: Session, version: int) -> None:
        """While a background job brings the index to its version, a few newer changes (an edit) are applied
        at once too, so they show in this match; the next refresh after the job applies them again (upserts
        are idempotent), in case the job wrote an older state of the same offer over them."""
        start = max(self._job_upto, self._ahead_upto)
        if version <= start:
            return
        upto, _missing = committed_upto(session, start, version)
        if upto > start and changed_count(session, start, upto) <= self.sync_max:
            self.last_loaded = self._apply(session, start, upto)
            self._ahead_upto = upto

    def _in_background(self, session: Session, upto: int, *, full: bool) -> None:
        """Bring the index to version ``upto`` in a thread, by applying the offers changed since its version
        one by one or by a full rebuild; it serves meanwhile."""
        bind = session.get_bind()
        since = self.version
        assert since is not None
        self._job_upto, self._ahead_upto = upto, upto

        def run() -> None:
            with Session(bind=bind) as own:
                if not full:
                    n = self._apply(own, since, upto)
                else:
                    records, _ = load_records(own)
                    n = len(records)
                    self.engine.rebuild(records)
                    del records
            with self._lock:
                self.version, self.last_loaded = upto, n

        self._builder = threading.Thread(target=run, daemon=True, name="match-index-refresh")
        self._builder.start()


_VERSION_SQL = "SELECT version FROM catalog_state WHERE id = 1"


def read_catalog_version(engine: Engine) -> int:
    """:func:`catalog.models.current_catalog_version` on a pooled connection of its own, without a session: a
    match whose token and offers are cached opens no session at all. Driver errors come out as SQLAlchemy's
    (so a database that is away is a 503 like anywhere else), and a broken connection leaves the pool."""
    dbapi = engine.dialect.loaded_dbapi
    try:
        conn = engine.raw_connection()
    except dbapi.Error as exc:
        raise sa_exc.DBAPIError.instance(_VERSION_SQL, None, exc, dbapi.Error, dialect=engine.dialect) from exc
    try:
        cursor = conn.cursor()
        try:
            cursor.execute(_VERSION_SQL)
            row = cursor.fetchone()
        finally:
            cursor.close()
    except dbapi.Error as exc:
        gone = engine.dialect.is_disconnect(exc, conn.dbapi_connection, None)
        if gone:
            conn.invalidate()
        raise sa_exc.DBAPIError.instance(_VERSION_SQL, None, exc, dbapi.Error, connection_invalidated=gone,
                                         dialect=engine.dialect) from exc
    finally:
        conn.close()
    return int(row[0] or 0) if row else 0


def request_catalog_version() -> int:
    """The catalogue version as this request read it: one tiny query, at most once per request (the token
    check and the match index both compare with it)."""
    from flask import g

    version = g.get("_catalog_version")
    if version is None:
        from .extensions import db

        version = g._catalog_version = read_catalog_version(db.engine())
    return version


def fresh_engine() -> MatchEngine:
    """This process's match index, brought up to the catalogue version this request read."""
    from .extensions import db

    return match_index().fresh(db.session, version=request_catalog_version())


def match_index() -> MatchIndex:
    from flask import current_app

    return current_app.extensions["civilmatch.match_index"]


def coverage_recorder() -> coverage.Recorder:
    """This process's rows for the coverage map, written in batches (catalog.coverage.Recorder)."""
    from flask import current_app

    return current_app.extensions["civilmatch.coverage"]


def flush_coverage(session: Session, *, only_if_due: bool = False) -> None:
    """Write the pending coverage rows (before the map is read, or after a request when a batch is due)."""
    recorder = coverage_recorder()
    if len(recorder) and (not only_if_due or recorder.due()):
        recorder.flush(session)
        session.commit()
