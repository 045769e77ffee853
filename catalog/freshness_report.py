"""The admin's freshness overview: per organisation and per municipality, how many published offers are
confirmed, due for confirmation (REMIND_MONTHS) and hidden (HIDDEN_MONTHS)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import utcnow
from .freshness import POLICY, months_before, state
from .models import Offer, OfferArea, Organisation


@dataclass
class Counts:
    confirmed: int = 0
    due: int = 0
    hidden: int = 0

    @property
    def total(self) -> int:
        return self.confirmed + self.due + self.hidden


@dataclass
class Overview:
    totals: Counts = field(default_factory=Counts)
    organisations: list[tuple[Organisation, Counts]] = field(default_factory=list)
    municipalities: list[tuple[str, Counts]] = field(default_factory=list)


def bucket(assured_at: datetime | None, now: datetime) -> str:
    if state(assured_at, now) == "hidden":
        return "hidden"
    if assured_at is None or assured_at < months_before(now, POLICY.remind_months):
        return "due"
    return "confirmed"


def overview(session: Session, now: datetime | None = None) -> Overview:
    now = now or utcnow()
    rows = session.execute(select(Offer.id, Offer.organisation_id, Offer.assured_at)
                           .where(Offer.status == "published")).all()
    areas: dict[int, list[str]] = defaultdict(list)
    for offer_id, name in session.execute(select(OfferArea.offer_id, OfferArea.municipality)):
        areas[offer_id].append(name)
    by_org: dict[int, Counts] = defaultdict(Counts)
    by_area: dict[str, Counts] = defaultdict(Counts)
    result = Overview()
    for offer_id, org_id, assured_at in rows:
        key = bucket(assured_at, now)
        for counts in (result.totals, by_org[org_id], *(by_area[a] for a in areas.get(offer_id, ()))):
            setattr(counts, key, getattr(counts, key) + 1)
    orgs = {o.id: o for o in session.scalars(select(Organisation).where(Organisation.id.in_(list(by_org))))}
    result.organisations = sorted(((orgs[i], c) for i, c in by_org.items() if i in orgs),
                                  key=lambda r: (-r[1].hidden, -r[1].due, r[0].name))
    result.municipalities = sorted(by_area.items(), key=lambda r: (-r[1].hidden, -r[1].due, r[0]))
    return result
