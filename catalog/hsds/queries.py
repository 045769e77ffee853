"""What the public may see, as bounded queries: every list pages in SQL with a fixed number of queries."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, case, cast, false, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from ..freshness import confirmed_condition
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
            .where(Offer.status == "published", Organisation.verified.is_(True),
                   confirmed_condition(Offer.assured_at)))


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


# Offers about a need concept (any concept for None), from the match index the web layer keeps:
# (ids, False) = these offers, (ids, True) = every offer except these (shorter when most offers qualify).
ConceptLookup = Callable[[str | None], tuple[list[int], bool]]
# At most this many services ride along inside one organization of a page (`full_service`).
MAX_EMBEDDED_SERVICES = 10


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _spellings(word: str) -> list[str]:
    """A lower-case search word as written in lower case, Capitalised and in CAPITALS. ILIKE folds every letter
    on PostgreSQL but only A-Z on SQLite (æ, ø, å stay as they are), so the three spellings find a word in
    either database however a title capitalises it."""
    return sorted({word, word.capitalize(), word.upper()})


def _json_forms(word: str) -> list[str]:
    """The spellings of a word as they appear inside a JSON list column's text (letters beyond ASCII are
    written as \\u escapes there)."""
    return sorted({json.dumps(form)[1:-1] for form in _spellings(word)})


def _ilike_any(column, forms: Iterable[str]):
    return or_(*[column.ilike(_like(form), escape="\\") for form in forms])


def _ascii_distinct(forms: Iterable[str]) -> list[str]:
    """Spellings that differ beyond A-Z case (SQLite's LIKE already treats those as one)."""
    seen: dict[str, str] = {}
    for form in forms:
        seen.setdefault("".join(c.lower() if "A" <= c <= "Z" else c for c in form), form)
    return sorted(seen.values())


def _word_condition(word: str, dialect: str):
    """One search word anywhere in an offer's texts, tags, organisation or areas: one pattern match per
    spelling over the texts joined, instead of one per column. SQLite's LIKE already ignores case (of A-Z),
    so it skips lower(); PostgreSQL uses ILIKE."""
    hay = (func.coalesce(Offer.title, "") + " " + func.coalesce(Offer.description, "") + " "
           + func.coalesce(Offer.target_group, "") + " " + Organisation.name + " " + cast(Offer.tags, String))
    forms = sorted(set(_spellings(word)) | set(_json_forms(word)))
    if dialect == "sqlite":
        texts = or_(*[hay.like(_like(form), escape="\\") for form in _ascii_distinct(forms)])
        areas = or_(*[OfferArea.municipality.like(_like(form), escape="\\")
                      for form in _ascii_distinct(_spellings(word))])
    else:
        texts = _ilike_any(hay, forms)
        areas = _ilike_any(OfferArea.municipality, _spellings(word))
    return or_(texts, Offer.id.in_(select(OfferArea.offer_id).where(areas)))


def _json_list_has(column, value: str):
    return _ilike_any(cast(column, String), [f'"{form}"' for form in _json_forms(value.casefold())])


def _json_list_nonempty(column):
    return func.length(cast(column, String)) > 2


def _ids_condition(found: tuple[list[int], bool] | None):
    """Offers from the match index: (ids, False) means these ids, (ids, True) every offer but these."""
    if found is None:
        return false()
    ids, excluded = found
    if excluded:
        return Offer.id.not_in(ids) if ids else true()
    return Offer.id.in_(ids) if ids else false()


def _term_condition(term: Term, concept_lookup: ConceptLookup | None):
    if term.taxonomy is FORMAT_TAXONOMY:
        return Offer.id.in_(select(OfferFormat.offer_id).where(OfferFormat.format == term.code))
    if term.taxonomy is ELEMENT_TAXONOMY:
        return Offer.id.in_(select(ElementAssessment.offer_id))
    if term.taxonomy is TAGS:
        return _json_list_has(Offer.tags, term.code)
    if term.taxonomy is AUDIENCE_TAXONOMY:
        return _json_list_has(Offer.audience, term.code)
    return _ids_condition(concept_lookup(term.code) if concept_lookup else None)


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
    return _ids_condition(concept_lookup(None) if concept_lookup else None)


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
        query = query.where(_word_condition(word, session.get_bind().dialect.name))
    if f.taxonomy_term_id:
        wanted = f.taxonomy_term_id.lower()
        known = terms if terms is not None else all_terms(session)
        term = next((t for t in known if t.id == wanted), None)
        query = query.where(_term_condition(term, concept_lookup) if term is not None else false())
    if f.taxonomy_id:
        query = query.where(_taxonomy_condition(f.taxonomy_id, concept_lookup))
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Offer.id).subquery())) or 0
    if not total or (page_number - 1) * per_page >= total:
        return [], total
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
            forms = _spellings(word)
            query = query.where(or_(_ilike_any(Organisation.name, forms),
                                    _ilike_any(Organisation.description, forms)))
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
