"""Keeps one in-memory MatchEngine per process in step with the database.

Each request compares the catalogue version in the database (one tiny SELECT) with the version the engine
was built from; on a change it loads only the offers stamped since then (and the tombstones of deleted ones)
and updates the engine incrementally. So an edit made by any process or machine shows in the next match.
"""
from __future__ import annotations

import threading
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import (  # noqa: F401
    ElementAssessment,
    Offer,
    OfferArea,
    Organisation,
    RemovedOffer,
    current_catalog_version,
)
from catalog.db import utcnow
from catalog.freshness import is_listed, ranking_assured_at
from matcher import MatchEngine

# Versions are handed out by a row-locked counter, but two transactions may commit out of order; looking a
# little further back than the last version seen makes sure a late commit is not missed (upserts are idempotent).
LOOKBACK = 50


def load_records(session: Session, *, since: int | None = None) -> tuple[list[dict], list[int]]:
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
        query = query.where(o.change_seq > since)
        area_q = area_q.where(OfferArea.offer_id.in_(select(o.id).where(o.change_seq > since)))
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
        hidden.extend(session.execute(select(RemovedOffer.offer_id)
                                      .where(RemovedOffer.change_seq > since)).scalars())
    return records, hidden


class MatchIndex:
    def __init__(self) -> None:
        self.engine = MatchEngine()
        self.version: int | None = None
        self._lock = threading.Lock()

    def fresh(self, session: Session) -> MatchEngine:
        # Offers age out of view without any edit: a new day rebuilds the index (catalog.freshness).
        day = utcnow().date()
        if day != getattr(self, "day", day):
            self.version = None
        self.day = day
        version = current_catalog_version(session)
        if version == self.version:
            return self.engine
        with self._lock:
            if version == self.version:
                return self.engine
            if self.version is None:
                records, _ = load_records(session)
                self.engine.rebuild(records)
            else:
                records, hidden = load_records(session, since=max(0, self.version - LOOKBACK))
                for offer_id in hidden:
                    self.engine.remove(offer_id)
                for record in records:
                    self.engine.upsert(record)
            self.version = version
        return self.engine


def match_index() -> MatchIndex:
    from flask import current_app

    return current_app.extensions["civilmatch.match_index"]
