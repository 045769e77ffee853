"""What the public may see, as bounded queries: every list pages in SQL with a fixed number of queries."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import Offer, OfferFormat, Organisation
from .mapping import organization_to_hsds, service_to_hsds
from .taxonomy import (
    FORMAT_TAXONOMY,
    HSDS_VERSION,
    TAXONOMIES,
    ConceptsFn,
    Term,
    audience_term,
    fixed_terms,
    need_term,
    offer_terms,
    tag_term,
)


def visible_offers() -> Select:
    return (select(Offer).join(Organisation, Organisation.id == Offer.organisation_id)
            .where(Offer.status == "published", Organisation.verified.is_(True)))


def _with_related(query: Select) -> Select:
    return query.options(selectinload(Offer.organisation))


def get_service(session: Session, service_id: str) -> Offer | None:
    return session.scalar(_with_related(visible_offers().where(Offer.uuid == str(service_id).lower())))


@dataclass
class ServiceFilter:
    search: str | None = None
    organization_id: str | None = None
    modified_after: datetime | None = None
    taxonomy_term_id: str | None = None
    taxonomy_id: str | None = None
    ids: list[int] | None = None   # restrict to (and keep the order of) these offer ids, e.g. match results


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _offer_matches_terms(offer: Offer, f: ServiceFilter, concepts: ConceptsFn | None) -> bool:
    terms = [t for t, _ in offer_terms(offer, concepts)]
    if f.taxonomy_term_id and not any(t.id == f.taxonomy_term_id.lower() for t in terms):
        return False
    if f.taxonomy_id and not any(t.taxonomy.id == f.taxonomy_id.lower() for t in terms):
        return False
    return True


def _offer_matches_search(offer: Offer, words: list[str]) -> bool:
    hay = _fold(" ".join([offer.title, offer.description or "", offer.target_group or "",
                          offer.organisation.name, " ".join(offer.tags or []), " ".join(offer.areas)]))
    return all(w in hay for w in words)


def find_services(session: Session, f: ServiceFilter, *, page_number: int = 1, per_page: int = 25,
                  concepts: ConceptsFn | None = None) -> tuple[list[Offer], int]:
    """Visible offers passing the filter, one page of them and the total. Ordered by id, or by `f.ids`."""
    query = visible_offers()
    if f.organization_id:
        query = query.where(Organisation.uuid == f.organization_id.lower())
    if f.modified_after is not None:
        query = query.where(Offer.updated_at >= f.modified_after)
    if f.ids is not None:
        query = query.where(Offer.id.in_(f.ids or [-1]))
    needs_python = bool(f.search or f.taxonomy_term_id or f.taxonomy_id)
    fixed = {t.id: t for t in fixed_terms()}
    term = fixed.get((f.taxonomy_term_id or "").lower())
    if term is not None and term.taxonomy is FORMAT_TAXONOMY:
        # formats are indexed: filter in SQL
        query = query.where(Offer.id.in_(select(OfferFormat.offer_id).where(OfferFormat.format == term.code)))
    if f.ids is None and not needs_python:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        offers = session.scalars(_with_related(query.order_by(Offer.id))
                                 .offset((page_number - 1) * per_page).limit(per_page)).all()
        return list(offers), total
    offers = session.scalars(_with_related(query.order_by(Offer.id))).all()
    words = _fold(f.search).split() if f.search else []
    kept = [o for o in offers
            if (not words or _offer_matches_search(o, words))
            and (not (f.taxonomy_term_id or f.taxonomy_id) or _offer_matches_terms(o, f, concepts))]
    if f.ids is not None:
        rank = {offer_id: i for i, offer_id in enumerate(f.ids)}
        kept.sort(key=lambda o: rank.get(o.id, len(rank)))
    start = (page_number - 1) * per_page
    return kept[start:start + per_page], len(kept)


def visible_organisations() -> Select:
    return select(Organisation).where(Organisation.verified.is_(True))


def get_organization(session: Session, org_id: str) -> Organisation | None:
    return session.scalar(visible_organisations().where(Organisation.uuid == str(org_id).lower()))


def find_organizations(session: Session, *, search: str | None = None, page_number: int = 1,
                       per_page: int = 25) -> tuple[list[Organisation], int]:
    query = visible_organisations()
    if search:
        for word in search.split():
            like = f"%{word.lower()}%"
            query = query.where(or_(func.lower(Organisation.name).like(like),
                                    func.lower(Organisation.description).like(like)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    orgs = session.scalars(query.order_by(Organisation.id).offset((page_number - 1) * per_page)
                           .limit(per_page)).all()
    return list(orgs), total


def organisation_services(session: Session, org: Organisation) -> list[Offer]:
    return list(session.scalars(_with_related(visible_offers().where(Offer.organisation_id == org.id)
                                              .order_by(Offer.id))).all())


def all_terms(session: Session, *, vocabulary: Iterable[tuple[str, str]] = ()) -> list[Term]:
    """Every term of our taxonomies: the fixed ones, the tags and audiences in use on visible offers, and the
    need vocabulary (the matcher's concepts) when given."""
    terms: dict[str, Term] = {t.id: t for t in fixed_terms()}
    rows = session.execute(visible_offers().with_only_columns(Offer.tags, Offer.audience)).all()
    for tags, audience in rows:
        for tag in tags or []:
            t = tag_term(tag)
            terms.setdefault(t.id, t)
        for value in audience or []:
            t = audience_term(value)
            terms.setdefault(t.id, t)
    for key, label in vocabulary:
        t = need_term(key, label)
        terms.setdefault(t.id, t)
    order = {t.key: i for i, t in enumerate(TAXONOMIES)}
    return sorted(terms.values(), key=lambda t: (order[t.taxonomy.key], t.code.casefold()))


def export_hsds(session: Session, *, concepts: ConceptsFn | None = None) -> dict:
    """The whole catalogue (every organisation and offer, whatever its status) as HSDS 3.0."""
    orgs = session.scalars(select(Organisation).order_by(Organisation.id)).all()
    offers = session.scalars(_with_related(select(Offer).order_by(Offer.id))).all()
    return {"version": HSDS_VERSION,
            "organizations": [organization_to_hsds(o, detail="full") for o in orgs],
            "services": [service_to_hsds(o, detail="full", concepts=concepts) for o in offers]}


# --- import -----------------------------------------------------------------------------------------
