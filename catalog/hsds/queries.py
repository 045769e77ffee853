"""What the public may see, as bounded queries: every list pages in SQL with a fixed number of queries."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, case, cast, false, func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..models import ElementAssessment, Offer, OfferArea, OfferFormat, Organisation
from .mapping import organization_to_hsds, service_to_hsds
from .taxonomy import (
    AUDIENCE_TAXONOMY,
    ELEMENT_TAXONOMY,
    FORMAT_TAXONOMY,
    HSDS_VERSION,
    TAGS,
    TAXONOMIES,
    TAXONOMY_BY_ID,
    ConceptsFn,
    Term,
    audience_term,
    fixed_terms,
    need_term,
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


# Offer ids about a need concept (the web layer asks the match index; None: need terms match nothing).
ConceptLookup = Callable[[str | None], list[int]]
# At most this many services ride along inside one organization of a page (`full_service`).
MAX_EMBEDDED_SERVICES = 25


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _json_forms(word: str) -> list[str]:
    """How a (lower-case) word can appear in a JSON list column's lower-cased text: JSON writes letters beyond
    ASCII as \\u escapes, which lower() does not fold, so the capitalised and upper-case spellings are
    looked for too."""
    return sorted({json.dumps(form)[1:-1].lower() for form in (word, word.capitalize(), word.upper())})


def _word_condition(word: str):
    like = _like(word)
    text_columns = (Offer.title, Offer.description, Offer.target_group, Organisation.name)
    conditions = [func.lower(c).like(like, escape="\\") for c in text_columns]
    conditions += [func.lower(cast(Offer.tags, String)).like(_like(form), escape="\\") for form in _json_forms(word)]
    conditions.append(Offer.id.in_(select(OfferArea.offer_id)
                                   .where(func.lower(OfferArea.municipality).like(like, escape="\\"))))
    return or_(*conditions)


def _json_list_has(column, value: str):
    quoted = [json.dumps(form)[1:-1] for form in {value, value.casefold()}]
    return or_(*[func.lower(cast(column, String)).like(_like(f'"{q.lower()}"'), escape="\\") for q in quoted])


def _json_list_nonempty(column):
    return func.length(cast(column, String)) > 2


def _term_condition(term: Term, concept_lookup: ConceptLookup | None):
    if term.taxonomy is FORMAT_TAXONOMY:
        return Offer.id.in_(select(OfferFormat.offer_id).where(OfferFormat.format == term.code))
    if term.taxonomy is ELEMENT_TAXONOMY:
        return Offer.id.in_(select(ElementAssessment.offer_id))
    if term.taxonomy is TAGS:
        return _json_list_has(Offer.tags, term.code)
    if term.taxonomy is AUDIENCE_TAXONOMY:
        return _json_list_has(Offer.audience, term.code)
    return Offer.id.in_((concept_lookup(term.code) if concept_lookup else None) or [-1])


def _taxonomy_condition(taxonomy_id: str, concept_lookup: ConceptLookup | None):
    taxonomy = TAXONOMY_BY_ID.get(taxonomy_id.lower())
    if taxonomy is None:
        return false()
    if taxonomy is FORMAT_TAXONOMY:
        return Offer.id.in_(select(OfferFormat.offer_id))
    if taxonomy is ELEMENT_TAXONOMY:
        return Offer.id.in_(select(ElementAssessment.offer_id))
    if taxonomy is TAGS:
        return _json_list_nonempty(Offer.tags)
    if taxonomy is AUDIENCE_TAXONOMY:
        return _json_list_nonempty(Offer.audience)
    return Offer.id.in_((concept_lookup(None) if concept_lookup else None) or [-1])


def find_term(session: Session, term_id: str, *, vocabulary: Iterable[tuple[str, str]] = ()) -> Term | None:
    term_id = (term_id or "").lower()
    return next((t for t in all_terms(session, vocabulary=vocabulary) if t.id == term_id), None)


def find_services(session: Session, f: ServiceFilter, *, page_number: int = 1, per_page: int = 25,
                  concepts: ConceptsFn | None = None, concept_lookup: ConceptLookup | None = None,
                  terms: Iterable[Term] | None = None) -> tuple[list[Offer], int]:
    """Visible offers passing the filter: one page of them and the total, each in one SQL query (plus the
    page's related rows), whatever the catalogue's size. Ordered by id, or by `f.ids`.

    `terms` are the known taxonomy terms (to resolve `taxonomy_term_id`; default: computed here);
    `concept_lookup` gives the offers about a need concept. `concepts` is kept for callers' compatibility."""
    query = visible_offers()
    if f.organization_id:
        query = query.where(Organisation.uuid == f.organization_id.lower())
    if f.modified_after is not None:
        query = query.where(Offer.updated_at >= f.modified_after)
    if f.ids is not None:
        query = query.where(Offer.id.in_(f.ids or [-1]))
    for word in _fold(f.search).split() if f.search else []:
        query = query.where(_word_condition(word))
    if f.taxonomy_term_id:
        wanted = f.taxonomy_term_id.lower()
        known = terms if terms is not None else all_terms(session)
        term = next((t for t in known if t.id == wanted), None)
        query = query.where(_term_condition(term, concept_lookup) if term is not None else false())
    if f.taxonomy_id:
        query = query.where(_taxonomy_condition(f.taxonomy_id, concept_lookup))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if f.ids:
        order = case({offer_id: i for i, offer_id in enumerate(f.ids)}, value=Offer.id, else_=len(f.ids))
        query = query.order_by(order, Offer.id)
    else:
        query = query.order_by(Offer.id)
    offers = session.scalars(_with_related(query).offset((page_number - 1) * per_page).limit(per_page)).all()
    return list(offers), total


def visible_organisations() -> Select:
    return select(Organisation).where(Organisation.verified.is_(True))


def get_organization(session: Session, org_id: str) -> Organisation | None:
    return session.scalar(visible_organisations().where(Organisation.uuid == str(org_id).lower()))


def find_organizations(session: Session, *, search: str | None = None, page_number: int = 1,
                       per_page: int = 25) -> tuple[list[Organisation], int]:
    query = visible_organisations()
    if search:
        for word in _fold(search).split():
            like = _like(word)
            query = query.where(or_(func.lower(Organisation.name).like(like, escape="\\"),
                                    func.lower(Organisation.description).like(like, escape="\\")))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    orgs = session.scalars(query.order_by(Organisation.id).offset((page_number - 1) * per_page)
                           .limit(per_page)).all()
    return list(orgs), total


def organisation_services(session: Session, org: Organisation, *,
                          limit: int = MAX_EMBEDDED_SERVICES) -> list[Offer]:
    """The organisation's first `limit` visible offers (by id)."""
    return services_of_organisations(session, [org.id], limit=limit).get(org.id, [])


def services_of_organisations(session: Session, org_ids: list[int], *,
                              limit: int = MAX_EMBEDDED_SERVICES) -> dict[int, list[Offer]]:
    """Up to `limit` visible offers per organisation, for a whole page of organisations in one query."""
    if not org_ids:
        return {}
    ranked = (visible_offers().where(Offer.organisation_id.in_(org_ids))
              .with_only_columns(Offer.id.label("offer_id"), func.row_number().over(
                  partition_by=Offer.organisation_id, order_by=Offer.id).label("n"))
              .subquery())
    query = _with_related(select(Offer).join(ranked, ranked.c.offer_id == Offer.id)
                          .where(ranked.c.n <= limit).order_by(Offer.organisation_id, Offer.id))
    out: dict[int, list[Offer]] = {}
    for offer in session.scalars(query).all():
        out.setdefault(offer.organisation_id, []).append(offer)
    return out


def all_terms(session: Session, *, vocabulary: Iterable[tuple[str, str]] = ()) -> list[Term]:
    """Every term of our taxonomies: the fixed ones, the tags and audiences in use on visible offers, and the
    need vocabulary (the matcher's concepts) when given. The database hands back each distinct tag list
    once, so this reads a few hundred short rows even at 100,000 offers."""
    terms: dict[str, Term] = {t.id: t for t in fixed_terms()}
    visible = visible_offers().subquery()
    for (raw,) in session.execute(select(cast(visible.c.tags, String)).distinct()):
        for tag in json.loads(raw or "[]"):
            t = tag_term(tag)
            terms.setdefault(t.id, t)
    for (raw,) in session.execute(select(cast(visible.c.audience, String)).distinct()):
        for value in json.loads(raw or "[]"):
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
