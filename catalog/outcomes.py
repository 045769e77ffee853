"""What happened after a referral, stored without anything about the family.

A row holds the offer, the outcome, the municipality, the ISO week and the need concepts (thesaurus keys,
never text): no user, no conversation, no day, no free text. Counts shown anywhere are suppressed below
MIN_CELL so no family can be singled out; "no longer exists" reported GONE_FLAG times flags the offer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .db import utcnow
from .models import Offer, ReferralOutcome
from .municipalities import UnknownMunicipality, canonical_area
from .services import InvalidData

OUTCOME_LABELS = {
    "contact": "Kontakt etableret",
    "started": "Familien er startet",
    "not_eligible": "Ikke i målgruppen",
    "no_capacity": "Ingen plads",
    "gone": "Tilbuddet findes ikke længere",
}
MIN_CELL = 5
GONE_FLAG = 2
_CONCEPT_KEY = re.compile(r"^[a-z0-9_æøå-]{1,60}$")


def iso_week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def clean_concepts(keys) -> list[str]:
    """Only well-formed keys survive: anything that looks like free text is dropped, never stored."""
    return sorted({k for k in keys or () if isinstance(k, str) and _CONCEPT_KEY.match(k)})


def record(session: Session, offer: Offer, outcome: str, *, municipality: str | None, concepts=(),
           now: datetime | None = None) -> ReferralOutcome:
    if outcome not in OUTCOME_LABELS:
        raise InvalidData({"outcome": ["Vælg, hvad der skete: " + ", ".join(OUTCOME_LABELS.values()).lower() + "."]})
    area = None
    if municipality:
        try:
            area = canonical_area(municipality)
        except UnknownMunicipality:
            area = None
    row = ReferralOutcome(offer_id=offer.id, outcome=outcome, municipality=area,
                          week=iso_week(now or utcnow()), concepts=clean_concepts(concepts))
    session.add(row)
    session.flush()
    return row


def suppress(n: int) -> int | None:
    """A count as it may be shown: None (shown as "færre end 5") when 0 < n < MIN_CELL."""
    return None if 0 < n < MIN_CELL else n


@dataclass
class OfferOutcomes:
    offer_id: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def flagged_gone(self) -> bool:
        return self.counts.get("gone", 0) >= GONE_FLAG

    def shown(self, outcome: str) -> int | None:
        return suppress(self.counts.get(outcome, 0))

    def public(self) -> dict:
        """The API's and the offer page's view: nothing until there are MIN_CELL referrals."""
        if self.total < MIN_CELL:
            return {"referrals": None, "started": None, "suppressed": True}
        return {"referrals": self.total, "started": suppress(self.counts.get("started", 0)), "suppressed": False}

    def summary(self) -> str | None:
        """ "N henvisninger, M startet" once N >= MIN_CELL (a small M is said as "færre end 5")."""
        if self.total < MIN_CELL:
            return None
        started = self.shown("started")
        return f"{self.total} henvisninger, {f'færre end {MIN_CELL}' if started is None else started} startet"


def for_offers(session: Session, offer_ids) -> dict[int, OfferOutcomes]:
    ids = list(offer_ids)
    out = {i: OfferOutcomes(i) for i in ids}
    if not ids:
        return out
    rows = session.execute(select(ReferralOutcome.offer_id, ReferralOutcome.outcome, func.count())
                           .where(ReferralOutcome.offer_id.in_(ids))
                           .group_by(ReferralOutcome.offer_id, ReferralOutcome.outcome))
    for offer_id, outcome, n in rows:
        out[offer_id].counts[outcome] = n
    return out


def for_offer(session: Session, offer_id: int) -> OfferOutcomes:
    return for_offers(session, [offer_id])[offer_id]


def per_offer(session: Session, organisation_id: int | None = None) -> list[tuple[Offer, OfferOutcomes]]:
    """Offers with any recorded outcome (of one organisation, or all), flagged ones first."""
    query = select(ReferralOutcome.offer_id).distinct()
    if organisation_id is not None:
        query = query.join(Offer, Offer.id == ReferralOutcome.offer_id).where(Offer.organisation_id == organisation_id)
    ids = list(session.scalars(query))
    stats = for_offers(session, ids)
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_(ids)))} if ids else {}
    rows = [(offers[i], stats[i]) for i in ids if i in offers]
    rows.sort(key=lambda r: (not r[1].flagged_gone, -r[1].total, r[0].title))
    return rows


def most_referred(session: Session, municipality: str, since_week: str, until_week: str,
                  limit: int = 5) -> list[tuple[Offer, int]]:
    """Offers referred most in a municipality (cells below MIN_CELL left out)."""
    rows = session.execute(select(ReferralOutcome.offer_id, func.count())
                           .where(ReferralOutcome.municipality == municipality,
                                  ReferralOutcome.week >= since_week, ReferralOutcome.week <= until_week)
                           .group_by(ReferralOutcome.offer_id)
                           .having(func.count() >= MIN_CELL).order_by(func.count().desc()).limit(limit)).all()
    offers = {o.id: o for o in session.scalars(select(Offer).where(Offer.id.in_([r[0] for r in rows])))}
    return [(offers[i], n) for i, n in rows if i in offers]


def flagged_counts(session: Session) -> dict[int, int]:
    return dict(session.execute(select(ReferralOutcome.offer_id, func.count())
                                .where(ReferralOutcome.outcome == "gone")
                                .group_by(ReferralOutcome.offer_id).having(func.count() >= GONE_FLAG)).all())
