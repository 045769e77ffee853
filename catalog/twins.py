"""Likely twins at registration: an organisation with the same CVR number or a near-identical name, an offer
whose title is close to another of the same organisation in the same municipality (rapidfuzz). The forms show
them before saving; saving anyway takes an explicit "it is not the same" (see web/ngo)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Offer, OfferArea, Organisation
from .municipalities import NATIONWIDE

NAME_CUTOFF = 90
TITLE_CUTOFF = 85
LIMIT = 5


@dataclass(frozen=True)
class Twin:
    id: int
    name: str
    reason: str


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", (text or "").casefold()).split())


def organisation_twins(session: Session, name: str, cvr: str | None,
                       exclude_id: int | None = None) -> list[Twin]:
    found: dict[int, Twin] = {}
    if cvr:
        for org in session.scalars(select(Organisation).where(Organisation.cvr == cvr)):
            if org.id != exclude_id:
                found[org.id] = Twin(org.id, org.name, f"samme CVR-nummer ({cvr})")
    rows = session.execute(select(Organisation.id, Organisation.name)).all()
    choices = {oid: _norm(n) for oid, n in rows if oid != exclude_id}
    names = dict(rows)
    for _, _score, oid in process.extract(_norm(name), choices, scorer=fuzz.token_sort_ratio,
                                         score_cutoff=NAME_CUTOFF, limit=LIMIT):
        found.setdefault(oid, Twin(oid, names[oid], "næsten samme navn"))
    return list(found.values())[:LIMIT]


def offer_twins(session: Session, organisation_id: int, title: str, areas: list[str],
                exclude_id: int | None = None) -> list[Twin]:
    """Offers of the same organisation covering one of `areas` (or the whole country) with a close title."""
    wanted = set(areas) | {NATIONWIDE}
    query = (select(Offer.id, Offer.title).where(Offer.organisation_id == organisation_id,
                                                  Offer.status != "archived")
             .where(Offer.id.in_(select(OfferArea.offer_id).where(OfferArea.municipality.in_(wanted)))))
    rows = [(i, t) for i, t in session.execute(query).all() if i != exclude_id]
    titles = dict(rows)
    choices = {i: _norm(t) for i, t in rows}
    return [Twin(i, titles[i], "næsten samme titel i samme kommune")
            for _, score, i in process.extract(_norm(title), choices, scorer=fuzz.token_sort_ratio,
                                               score_cutoff=TITLE_CUTOFF, limit=LIMIT)]
