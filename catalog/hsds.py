"""Open Referral HSDS 3.0: our offers and organisations as HSDS services and organizations, and back.

Pure mapping and queries (no Flask). The web layer (web/hsds) serves these dicts under /hsds; the CLI
(`civilmatch export-hsds` / `import-hsds`) writes and reads them.

Mapping (offer -> service):
* `id` is Offer.uuid, `organization_id` Organisation.uuid, so ids are stable and a re-import upserts.
* `status`: published -> active, draft -> inactive, archived -> defunct (and back; "temporarily closed" ->
  draft).
* `service_areas`: one per area; a municipality carries its kommunekode in `uri`
  (https://api.dataforsyningen.dk/kommuner/<kode>, DAWA's persistent identifier) and in `description`;
  "Hele landet" is a national area without uri.
* ages -> `minimum_age`/`maximum_age`, target group -> `eligibility_description`; cost -> `fees_description`
  plus `cost_options` (a free offer: amount 0, DKK); schedule -> one `schedules` item with `description`;
  contact -> `email`, `phones` and one `contacts` item; `assured_at` -> `assured_date` (a date),
  `updated_at` -> `last_modified`; languages -> `languages` (name as written, ISO 639-1 code when known).
* Tags, formats, audience, need concepts and the 11 elements are `attributes` pointing at `taxonomy_terms`
  of our own taxonomies (TAXONOMIES); element attributes carry the level 0-3 in `value`. Term ids are uuid5 on
  a fixed namespace, so they never change.
* Empty optional fields are left out (no nulls, no empty strings or lists).

Import (HSDS -> offers), all or nothing like catalog.exchange: every file is read and every service and
organization validated first; any problem -> ImportFailed listing all of them, nothing written.
* Areas: a service area whose uri holds a kommunekode, or whose name is a Danish municipality (or
  "Hele landet"/"Danmark"), maps to that municipality. Areas that match nothing are dropped with a warning;
  a service with no Danish area at all (e.g. the official UK examples, or no service_areas, which in HSDS
  means no stated restriction) becomes "Hele landet", also with a warning.
* Attributes of our own taxonomies come back as tags/formats/audience/elements; terms of other taxonomies
  become tags (that is how HSDS publishers categorise services). Need concepts are derived, never imported.
* Not carried by HSDS (so not round-tripped): external_id, the elements' evidence texts (an update keeps the
  stored evidence), reviewers' notes; `assured_at` comes back as a date.
"""
from __future__ import annotations

import json
import re
import uuid as uuidlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from .elements import DISCLAIMER, ELEMENT_KEYS, ELEMENTS
from .exchange import UUID_PREFIX, ImportFailed, ImportProblem, ImportReport, import_catalogue
from .models import AUDIENCES, FORMATS, Offer, OfferFormat, Organisation
from .municipalities import NATIONWIDE, UnknownMunicipality, all_municipalities, canonical_area
from .schemas import OfferSchema, OrganisationSchema, errors_to_paths

HSDS_VERSION = "3.0"
# Never change: every service area, phone, attribute and taxonomy term id is derived from it.
NAMESPACE = uuidlib.UUID("3d6f0f8e-2b7a-4c55-9a43-7f1f5b2e8c10")
DAWA_KOMMUNE = "https://api.dataforsyningen.dk/kommuner/"

STATUS_TO_HSDS = {"published": "active", "draft": "inactive", "archived": "defunct"}
STATUS_FROM_HSDS = {"active": "published", "inactive": "draft", "defunct": "archived",
                    "temporarily closed": "draft"}

LANGUAGE_CODES = {
    "dansk": "da", "engelsk": "en", "arabisk": "ar", "tyrkisk": "tr", "somali": "so", "urdu": "ur",
    "farsi": "fa", "persisk": "fa", "dari": "prs", "pashto": "ps", "tigrinya": "ti", "ukrainsk": "uk",
    "russisk": "ru", "polsk": "pl", "rumænsk": "ro", "litauisk": "lt", "tysk": "de", "fransk": "fr",
    "spansk": "es", "kurdisk": "ku", "bosnisk": "bs", "serbisk": "sr", "kroatisk": "hr", "vietnamesisk": "vi",
    "tamil": "ta", "thai": "th", "tagalog": "tl", "svensk": "sv", "norsk": "no", "grønlandsk": "kl",
    "færøsk": "fo", "tegnsprog": "sgn",
}


def stable_id(*parts: str) -> str:
    return str(uuidlib.uuid5(NAMESPACE, ":".join(parts)))


# --- taxonomies -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    link_type: str

    @property
    def id(self) -> str:
        return stable_id("taxonomy", self.key)

    def to_hsds(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description, "version": "1"}


TAGS = Taxonomy("civilmatch-tags", "civilmatch-tags",
                "Nøgleord, som organisationerne selv har sat på deres tilbud i civilmatch.", "category")
NEEDS = Taxonomy("civilmatch-behov", "civilmatch-behov",
                 "Behov, som civilmatch' tesaurus genkender i tilbuddets tekst (afledt af teksten, ikke "
                 "indtastet af organisationen).", "need")
FORMAT_TAXONOMY = Taxonomy("civilmatch-former", "civilmatch-former",
                           "Tilbuddets form: " + ", ".join(FORMATS) + ".", "format")
AUDIENCE_TAXONOMY = Taxonomy("civilmatch-maalgrupper", "civilmatch-maalgrupper",
                             "Hvem tilbuddet er for (forældre, børn, unge, ...).", "audience")
ELEMENT_TAXONOMY = Taxonomy("socialstyrelsen-lovende-praksis", "socialstyrelsen-lovende-praksis",
                            "Socialstyrelsens 11 elementer i lovende praksis. Attributtens value er niveauet "
                            "0-3 (0 ikke beskrevet, 1 delvist/uformelt, 2 beskrevet skriftligt og fast praksis, "
                            "3 dokumenteret). " + DISCLAIMER, "quality")
TAXONOMIES: tuple[Taxonomy, ...] = (TAGS, NEEDS, FORMAT_TAXONOMY, AUDIENCE_TAXONOMY, ELEMENT_TAXONOMY)
TAXONOMY_BY_ID = {t.id: t for t in TAXONOMIES}
TAXONOMY_BY_NAME = {t.name: t for t in TAXONOMIES}


@dataclass(frozen=True)
class Term:
    taxonomy: Taxonomy
    code: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return stable_id("term", self.taxonomy.key, self.code.casefold())

    def to_hsds(self) -> dict:
        return {"id": self.id, "code": self.code, "name": self.name, "description": self.description,
                "taxonomy": self.taxonomy.name, "taxonomy_id": self.taxonomy.id,
                "taxonomy_detail": self.taxonomy.to_hsds(), "language": "da"}


def tag_term(tag: str) -> Term:
    return Term(TAGS, tag, tag, f"Nøgleord: {tag}")


def need_term(key: str, label: str) -> Term:
    return Term(NEEDS, key, label, f"Behov genkendt af civilmatch: {label}")


def format_term(fmt: str) -> Term:
    return Term(FORMAT_TAXONOMY, fmt, fmt, f"Form: {fmt}")


def audience_term(value: str) -> Term:
    return Term(AUDIENCE_TAXONOMY, value, value, f"Målgruppe: {value}")


ELEMENT_TERMS: tuple[Term, ...] = tuple(Term(ELEMENT_TAXONOMY, e.key, e.name, e.meaning) for e in ELEMENTS)
ELEMENT_TERM_BY_CODE = {t.code: t for t in ELEMENT_TERMS}

# Concepts of an offer: (key, Danish label) pairs. The web layer passes the matcher's; None means tags only.
ConceptsFn = Callable[[Offer], list[tuple[str, str]]]


def offer_terms(offer: Offer, concepts: ConceptsFn | None = None) -> list[tuple[Term, str | None]]:
    """Every taxonomy term the service publishes, with the attribute value (the level for elements)."""
    out: list[tuple[Term, str | None]] = []
    out += [(tag_term(t), None) for t in dict.fromkeys(offer.tags or [])]
    out += [(format_term(f), None) for f in dict.fromkeys(offer.formats or [])]
    out += [(audience_term(a), None) for a in dict.fromkeys(offer.audience or [])]
    if concepts is not None:
        out += [(need_term(k, label), None) for k, label in dict.fromkeys(concepts(offer))]
    if offer.element_rows:
        levels = offer.element_levels()
        out += [(t, str(levels[t.code])) for t in ELEMENT_TERMS]
    seen: set[str] = set()
    unique = []
    for term, value in out:
        if term.id not in seen:
            seen.add(term.id)
            unique.append((term, value))
    return unique


def fixed_terms() -> list[Term]:
    return list(ELEMENT_TERMS) + [format_term(f) for f in FORMATS] + [audience_term(a) for a in AUDIENCES]


# --- offer / organisation -> HSDS ------------------------------------------------------------------

def _iso_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _drop_empty(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None and v != "" and v != [] and v != {}}


_MUNICIPALITY_BY_NAME = None


def _municipality(name: str):
    global _MUNICIPALITY_BY_NAME
    if _MUNICIPALITY_BY_NAME is None:
        _MUNICIPALITY_BY_NAME = {m.name: m for m in all_municipalities()}
    return _MUNICIPALITY_BY_NAME.get(name)


def service_area(offer_uuid: str, area: str) -> dict:
    m = _municipality(area)
    item = {"id": stable_id("service_area", offer_uuid, area), "service_id": offer_uuid, "name": area}
    if m is not None:
        item["description"] = f"{m.name} Kommune (kommunekode {m.code}, {m.region})"
        item["uri"] = DAWA_KOMMUNE + m.code
    elif area == NATIONWIDE:
        item["description"] = "Hele Danmark (landsdækkende tilbud)"
    return item


def _cost_options(offer: Offer) -> list[dict]:
    cost = (offer.cost or "").strip()
    if not cost:
        return []
    item = {"id": stable_id("cost_option", offer.uuid), "service_id": offer.uuid, "currency": "DKK"}
    if offer.is_free:
        item.update(option="Gratis", amount=0)
    else:
        item["option"] = cost
        m = re.search(r"(\d+(?:[.,]\d+)?)\s*(?:kr\b|kroner|dkk)", cost, re.IGNORECASE)
        if m:
            item["amount"] = float(m.group(1).replace(",", "."))
    return [item]


def _phones(owner: str, owner_id: str, number: str | None, key: str) -> list[dict]:
    if not number:
        return []
    return [{"id": stable_id("phone", key, owner_id), f"{owner}_id": owner_id, "number": number}]


def _languages(offer: Offer) -> list[dict]:
    out = []
    for name in dict.fromkeys(offer.languages or []):
        item = {"id": stable_id("language", offer.uuid, name.casefold()), "service_id": offer.uuid,
                "name": name}
        code = LANGUAGE_CODES.get(name.casefold())
        if code:
            item["code"] = code
        out.append(item)
    return out


def attribute(offer_uuid: str, term: Term, value: str | None) -> dict:
    return _drop_empty({"id": stable_id("attribute", offer_uuid, term.id), "link_id": offer_uuid,
                        "link_type": term.taxonomy.link_type, "link_entity": "service",
                        "taxonomy_term_id": term.id, "taxonomy_term": term.to_hsds(), "value": value})


def service_to_hsds(offer: Offer, *, detail: str = "full", concepts: ConceptsFn | None = None,
                    url: str | None = None) -> dict:
    """One offer as an HSDS service. detail: "minimal" (id, name, status, last_modified), "list" (the 1:1
    fields of GET /services) or "full" (with organization and every related list, as GET /services/{id})."""
    base = {"id": offer.uuid, "name": offer.title, "status": STATUS_TO_HSDS.get(offer.status, "inactive"),
            "last_modified": _iso_datetime(offer.updated_at)}
    if detail == "minimal":
        return _drop_empty(base)
    cost = (offer.cost or "").strip()
    base.update({
        "organization_id": offer.organisation.uuid,
        "description": offer.description,
        "url": url,
        "email": offer.contact_email,
        "eligibility_description": offer.target_group,
        "minimum_age": offer.age_min,
        "maximum_age": offer.age_max,
        "fees_description": "Gratis" if offer.is_free else cost,
        "assured_date": offer.assured_at.date().isoformat() if offer.assured_at else None,
    })
    if detail != "full":
        return _drop_empty(base)
    phones = _phones("service", offer.uuid, offer.contact_phone, "service")
    contact = _drop_empty({"id": stable_id("contact", offer.uuid), "service_id": offer.uuid,
                           "email": offer.contact_email,
                           "phones": [{"id": stable_id("phone", "contact", offer.uuid), "number": offer.contact_phone}]
                           if offer.contact_phone else []})
    base.update({
        "organization": organization_to_hsds(offer.organisation, detail="list"),
        "phones": phones,
        "schedules": [{"id": stable_id("schedule", offer.uuid), "service_id": offer.uuid,
                       "description": offer.schedule}] if (offer.schedule or "").strip() else [],
        "service_areas": [service_area(offer.uuid, a) for a in offer.areas],
        "languages": _languages(offer),
        "cost_options": _cost_options(offer),
        "contacts": [contact] if len(contact) > 2 else [],
        "attributes": [attribute(offer.uuid, t, v) for t, v in offer_terms(offer, concepts)],
    })
    return _drop_empty(base)


def organization_to_hsds(org: Organisation, *, detail: str = "list", services: list[dict] | None = None) -> dict:
    """An organisation as an HSDS organization. `description` is required by HSDS; without one the name
    stands in (and is read back as no description)."""
    out = {"id": org.uuid, "name": org.name, "description": org.description or org.name,
           "email": org.email, "website": org.website}
    if detail == "full":
        out["phones"] = _phones("organization", org.uuid, org.phone, "organization")
        if org.cvr:
            out["organization_identifiers"] = [{
                "id": stable_id("organization_identifier", org.uuid, "DK-CVR"), "organization_id": org.uuid,
                "identifier_scheme": "DK-CVR", "identifier_type": "CVR-nummer", "identifier": org.cvr}]
        if services is not None:
            out["services"] = services
    return _drop_empty(out)


def page(contents: list[dict], total: int, page_number: int, per_page: int) -> dict:
    """The HSDS paging envelope (OpenAPI #/components/schemas/Page) around `contents`."""
    total_pages = max(1, -(-total // per_page)) if per_page else 1
    return {"total_items": total, "total_pages": total_pages, "page_number": page_number,
            "size": len(contents), "first_page": page_number == 1, "last_page": page_number >= total_pages,
            "empty": total == 0, "contents": contents}


# --- queries (only what the public may see) ---------------------------------------------------------

def visible_offers() -> Select:
    from .freshness import confirmed_condition

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

@dataclass
class HsdsImportReport(ImportReport):
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = super().summary()
        if self.skipped:
            text += f" {self.skipped} andre HSDS-objekter sprunget over."
        if self.warnings:
            text += f" {len(self.warnings)} advarsler."
        return text


def read_documents(path: str | Path) -> list[tuple[str, Any]]:
    """(file name, parsed JSON) for a file, or for every *.json file in a folder (recursively, sorted)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not files:
            raise ImportFailed([ImportProblem("fil", str(path), "Mappen indeholder ingen JSON-filer.")])
    elif path.exists():
        files = [path]
    else:
        raise ImportFailed([ImportProblem("fil", str(path), "Filen findes ikke.")])
    docs, problems = [], []
    for p in files:
        name = str(p.relative_to(path)) if path.is_dir() else p.name
        try:
            docs.append((name, json.loads(p.read_text(encoding="utf-8"))))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(ImportProblem(f"fil {name}", "", f"Filen er ikke gyldig JSON i UTF-8 ({exc})."))
    if problems:
        raise ImportFailed(problems)
    return docs


_NOT_ORG_KEYS = {"version", "taxonomy", "taxonomy_id", "taxonomy_detail", "code", "parent_id", "term_uri",
                 "location_type", "latitude", "longitude", "addresses", "service", "location", "service_id",
                 "location_id", "openapi_url", "number", "link_id", "status"}


def classify(obj: Any) -> str:
    """ "service", "organization", "page", "collection" (our export file) or "other"."""
    if not isinstance(obj, dict):
        return "other"
    if isinstance(obj.get("contents"), list):
        return "page"
    if "id" not in obj and (isinstance(obj.get("services"), list) or isinstance(obj.get("organizations"), list)):
        return "collection"
    if "name" in obj and "status" in obj and not ({"service", "location", "location_type"} & obj.keys()):
        return "service"
    if "name" in obj and "description" in obj and not (_NOT_ORG_KEYS & obj.keys()):
        return "organization"
    return "other"


@dataclass
class _Collected:
    services: dict[str, tuple[str, dict, str | None]] = field(default_factory=dict)  # id -> (where, obj, org)
    organizations: dict[str, tuple[str, dict]] = field(default_factory=dict)
    skipped: int = 0
    problems: list[ImportProblem] = field(default_factory=list)


def normalise_id(value: Any) -> str | None:
    """A UUID as our uuid columns store it; other non-empty ids get a stable uuid5 so re-imports upsert."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return str(uuidlib.UUID(value.strip()))
    except ValueError:
        return stable_id("hsds-id", value.strip())


def _merge(old: dict, new: dict) -> dict:
    """The same object met twice (e.g. in service_list.json and service_full.json): keep every filled field."""
    out = dict(old)
    for k, v in new.items():
        if v not in (None, "", [], {}):
            out[k] = v
    return out


def _collect(docs: list[tuple[str, Any]]) -> _Collected:
    c = _Collected()

    def add_org(obj: dict, where: str) -> str | None:
        oid = normalise_id(obj.get("id"))
        if oid is None:
            c.problems.append(ImportProblem(where, "id", "Organisationen mangler et id."))
            return None
        prev = c.organizations.get(oid)
        c.organizations[oid] = (prev[0] if prev else where, _merge(prev[1], obj) if prev else obj)
        for i, s in enumerate(obj.get("services") or []):
            if isinstance(s, dict):
                add_service(s, f"{where}, services.{i}", oid)
        return oid

    def add_service(obj: dict, where: str, org_hint: str | None) -> None:
        sid = normalise_id(obj.get("id"))
        if sid is None:
            c.problems.append(ImportProblem(where, "id", "Tjenesten mangler et id."))
            return
        nested = obj.get("organization")
        if isinstance(nested, dict) and classify({**nested, "description": nested.get("description", "")}) \
                == "organization":
            org_hint = add_org(nested, f"{where}, organization") or org_hint
        prev = c.services.get(sid)
        merged = _merge(prev[1], obj) if prev else obj
        c.services[sid] = (prev[0] if prev else where, merged, org_hint or (prev[2] if prev else None))

    def walk(obj: Any, where: str) -> None:
        kind = classify(obj)
        if kind == "page":
            for i, item in enumerate(obj["contents"]):
                walk(item, f"{where}, contents.{i}")
        elif kind == "collection":
            for key in ("organizations", "services"):
                for i, item in enumerate(obj.get(key) or []):
                    walk(item, f"{where}, {key}.{i}")
        elif kind == "service":
            add_service(obj, where, None)
        elif kind == "organization":
            add_org(obj, where)
        elif isinstance(obj, list):
            for i, item in enumerate(obj):
                walk(item, f"{where}, {i}")
        else:
            c.skipped += 1

    for name, doc in docs:
        walk(doc, f"fil {name}")
    return c


def _text(value: Any, limit: int | None = None) -> Any:
    """Strings are stripped and shortened to `limit` (with an ellipsis); anything else is passed on so the
    schema reports it."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    if limit and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def _age(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_BY_CODE = None


def _area_from_hsds(sa: dict) -> str | None:
    global _BY_CODE
    if _BY_CODE is None:
        _BY_CODE = {m.code.lstrip("0"): m.name for m in all_municipalities()}
    uri = sa.get("uri")
    if isinstance(uri, str):
        m = re.search(r"/kommuner/(\d{3,4})/?$", uri.strip())
        if m and m.group(1).lstrip("0") in _BY_CODE:
            return _BY_CODE[m.group(1).lstrip("0")]
    for key in ("name", "extent"):
        value = sa.get(key)
        if not isinstance(value, str) or not value.strip() or len(value) > 60:
            continue
        if _fold(value) in ("danmark", "hele danmark", "denmark"):
            return NATIONWIDE
        try:
            return canonical_area(value)
        except UnknownMunicipality:
            continue
    return None


def _attr_term(attr: dict) -> tuple[str | None, str | None, str | None]:
    """(taxonomy name, code, name) of an attribute's term."""
    term = attr.get("taxonomy_term") if isinstance(attr.get("taxonomy_term"), dict) else {}
    taxonomy = term.get("taxonomy")
    detail = term.get("taxonomy_detail")
    if not taxonomy and isinstance(detail, dict):
        taxonomy = detail.get("name")
    if not taxonomy and term.get("taxonomy_id") in TAXONOMY_BY_ID:
        taxonomy = TAXONOMY_BY_ID[term["taxonomy_id"]].name
    code = term.get("code") if isinstance(term.get("code"), str) else None
    name = term.get("name") if isinstance(term.get("name"), str) else None
    if not term and attr.get("taxonomy_term_id"):
        element = next((t for t in ELEMENT_TERMS if t.id == attr["taxonomy_term_id"]), None)
        fmt = next((f for f in FORMATS if format_term(f).id == attr["taxonomy_term_id"]), None)
        if element:
            return ELEMENT_TAXONOMY.name, element.code, element.name
        if fmt:
            return FORMAT_TAXONOMY.name, fmt, fmt
    return taxonomy if isinstance(taxonomy, str) else None, code, name


# Where a problem found in our exchange form sits in the HSDS service.
_FIELD_TO_HSDS = {"title": "name", "description": "description", "target_group": "eligibility_description",
                  "age_min": "minimum_age", "age_max": "maximum_age", "cost": "fees_description",
                  "schedule": "schedules", "contact.email": "email", "contact.phone": "phones",
                  "assured_at": "assured_date", "status": "status", "areas": "service_areas",
                  "tags": "attributes", "formats": "attributes", "audience": "attributes",
                  "elements": "attributes", "languages": "languages", "organisation": "organization_id",
                  "name": "name", "website": "website", "email": "email", "phone": "phones",
                  "cvr": "organization_identifiers"}


def _hsds_path(path: str, extra: dict[str, str] | None = None) -> str:
    if extra and path in extra:
        return extra[path]
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        head = ".".join(parts[:n])
        if head in _FIELD_TO_HSDS:
            rest = parts[n:]
            if head in ("tags", "formats", "audience", "elements", "contact.phone", "phone"):
                rest = []
            return ".".join([_FIELD_TO_HSDS[head], *rest])
    return path


def service_to_exchange(sid: str, obj: dict, org_uuid: str | None, where: str, problems: list[ImportProblem],
                        warnings: list[str], existing: Offer | None = None) -> dict:
    """An HSDS service as an offer in the exchange format (catalog.exchange), problems in HSDS field paths."""
    paths: dict[str, str] = {}   # exchange path -> HSDS path, where we know it exactly
    tags, formats, audience, elements = [], [], [], {}
    attrs = obj.get("attributes") if isinstance(obj.get("attributes"), list) else []
    for i, attr in enumerate(attrs):
        if not isinstance(attr, dict):
            problems.append(ImportProblem(where, f"attributes.{i}", "Skal være et objekt."))
            continue
        taxonomy, code, name = _attr_term(attr)
        if taxonomy == ELEMENT_TAXONOMY.name:
            if code not in ELEMENT_KEYS:
                problems.append(ImportProblem(where, f"attributes.{i}.taxonomy_term.code",
                                              f"Ukendt element '{code}'."))
                continue
            value = attr.get("value")
            if not (isinstance(value, (str, int)) and str(value).strip() in ("0", "1", "2", "3")):
                problems.append(ImportProblem(where, f"attributes.{i}.value", "Niveau skal være 0, 1, 2 eller 3."))
                continue
            elements[code] = {"level": int(str(value).strip())}
            if existing is not None and existing.element(code) is not None:
                elements[code]["evidence"] = existing.element(code).evidence
        elif taxonomy == FORMAT_TAXONOMY.name:
            paths[f"formats.{len(formats)}"] = f"attributes.{i}.taxonomy_term.code"
            formats.append(code or name)
        elif taxonomy == AUDIENCE_TAXONOMY.name:
            paths[f"audience.{len(audience)}"] = f"attributes.{i}.taxonomy_term.name"
            audience.append(_text(name or code, 60))
        elif taxonomy == NEEDS.name:
            continue  # derived from the text; recomputed here
        elif name or code:
            paths[f"tags.{len(tags)}"] = f"attributes.{i}.taxonomy_term.name"
            tags.append(_text(name or code, 60))
    tags = list(dict.fromkeys(t for t in tags if isinstance(t, str) and t))
    if len(tags) > 20:
        warnings.append(f"{where}: {len(tags)} nøgleord; kun de første 20 er taget med.")
        tags = tags[:20]

    areas: list[str] = []
    unknown: list[str] = []
    raw_areas = obj.get("service_areas") if isinstance(obj.get("service_areas"), list) else []
    for sa in raw_areas:
        if not isinstance(sa, dict):
            continue
        area = _area_from_hsds(sa)
        if area:
            areas.append(area)
        else:
            label = sa.get("name") or sa.get("extent") or sa.get("id") or "?"
            unknown.append(_text(str(label), 60))
    if not areas:
        areas = [NATIONWIDE]
        if unknown:
            warnings.append(f"{where}: området {', '.join(repr(u) for u in unknown)} er ikke en dansk kommune; "
                            f"tilbuddet er sat til '{NATIONWIDE}'.")
        else:
            warnings.append(f"{where}: ingen service_areas; tilbuddet er sat til '{NATIONWIDE}'.")
    elif unknown:
        warnings.append(f"{where}: området {', '.join(repr(u) for u in unknown)} er ikke en dansk kommune og "
                        f"er sprunget over.")

    # Cost: our own export puts the cost text in fees_description; other publishers may only give options.
    cost = obj.get("fees_description")
    if not (isinstance(cost, str) and cost.strip()):
        options = [o for o in (obj.get("cost_options") or []) if isinstance(o, dict)]
        if options and all(o.get("amount") == 0 for o in options):
            cost = "gratis"
        elif options:
            parts = []
            for o in options:
                amount = o.get("amount")
                bits = [str(x) for x in (o.get("option"),
                                         f"{amount:g} {str(o.get('currency') or '').upper()}".strip()
                                         if isinstance(amount, (int, float)) else None,
                                         o.get("amount_description")) if x]
                parts.append(" ".join(bits))
            cost = "; ".join(p for p in parts if p)
        else:
            cost = ""
    cost = _text(cost, 200)

    schedules = [s for s in (obj.get("schedules") or []) if isinstance(s, dict)]
    schedule_parts = []
    for s in schedules:
        text = s.get("description") or s.get("notes")
        if not text and (s.get("opens_at") or s.get("byday")):
            text = " ".join(str(x) for x in (s.get("byday"), s.get("opens_at") and
                                             f"{s.get('opens_at')}–{s.get('closes_at') or ''}") if x)
        if isinstance(text, str) and text.strip():
            schedule_parts.append(text.strip())
    schedule = _text("; ".join(dict.fromkeys(schedule_parts)), 500)

    email = obj.get("email")
    phone = None
    for p in obj.get("phones") or []:
        if isinstance(p, dict) and isinstance(p.get("number"), str) and p["number"].strip():
            phone = p["number"]
            break
    for contact in obj.get("contacts") or []:
        if not isinstance(contact, dict):
            continue
        if not email and contact.get("email"):
            email = contact["email"]
        for p in contact.get("phones") or []:
            if not phone and isinstance(p, dict) and isinstance(p.get("number"), str):
                phone = p["number"]
    if isinstance(phone, str):
        phone = phone.strip().strip('"').strip() or None

    languages = []
    for lang in obj.get("languages") or []:
        if isinstance(lang, dict):
            name = lang.get("name")
            if not (isinstance(name, str) and name.strip()):
                code = lang.get("code")
                name = next((n for n, c in LANGUAGE_CODES.items() if c == code), code)
            if isinstance(name, str) and name.strip():
                languages.append(_text(name, 40))

    status = obj.get("status")
    out = {
        "external_id": UUID_PREFIX + sid,
        "organisation": UUID_PREFIX + org_uuid if org_uuid else None,
        "title": _text(obj.get("name"), 200),
        "description": _text(obj.get("description") or "", 5000),
        "target_group": _text(obj.get("eligibility_description") or "", 500),
        "age_min": _age(obj.get("minimum_age")),
        "age_max": _age(obj.get("maximum_age")),
        "audience": audience,
        "areas": areas,
        "formats": formats,
        "cost": cost,
        "schedule": schedule,
        "contact": {"email": email or None, "phone": phone},
        "tags": tags,
        "languages": languages,
        "status": STATUS_FROM_HSDS.get(status, status) if isinstance(status, str) else status,
        "assured_at": obj.get("assured_date") or None,
    }
    if elements:
        out["elements"] = elements
    if out["organisation"] is None:
        del out["organisation"]   # reported by the caller
    try:
        OfferSchema().load(out)
    except ValidationError as exc:
        errors = errors_to_paths(exc.messages)
        lo, hi = out["age_min"], out["age_max"]
        if "age_max" not in errors and isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            # the schema checks this only when every field is valid; report it together with the rest
            errors["age_max"] = ["Højeste alder skal være større end eller lig med laveste alder."]
        for path, messages in errors.items():
            if path == "status":
                messages = ["Status skal være active, inactive, defunct eller temporarily closed."]
            problems.append(ImportProblem(where, _hsds_path(path, paths), " ".join(messages)))
    return out


def organization_to_exchange(oid: str, obj: dict, where: str, problems: list[ImportProblem]) -> dict:
    name = _text(obj.get("name"), 200)
    description = _text(obj.get("description"), 3000)
    if isinstance(description, str) and isinstance(name, str) and description == name:
        description = None   # our export's stand-in for a missing description
    phone = None
    for p in obj.get("phones") or []:
        if isinstance(p, dict) and isinstance(p.get("number"), str) and p["number"].strip():
            phone = p["number"].strip().strip('"').strip()
            break
    cvr = None
    for ident in obj.get("organization_identifiers") or []:
        if isinstance(ident, dict) and str(ident.get("identifier_scheme", "")).upper() == "DK-CVR":
            cvr = str(ident.get("identifier") or "").replace(" ", "") or None
    out = {"external_id": UUID_PREFIX + oid, "name": name, "description": description or None,
           "email": obj.get("email") or None, "website": obj.get("website") or None, "phone": phone, "cvr": cvr}
    try:
        OrganisationSchema().load(out)
    except ValidationError as exc:
        for path, messages in errors_to_paths(exc.messages).items():
            problems.append(ImportProblem(where, _hsds_path(path), " ".join(messages)))
    return out


def import_hsds(session: Session, docs: list[tuple[str, Any]], *,
                verify_organisations: bool = True) -> HsdsImportReport:
    """Validate every service and organization in `docs`, then upsert them by id. The caller commits (or rolls
    back on ImportFailed, which lists every problem; nothing is flushed before validation passed)."""
    c = _collect(docs)
    problems = list(c.problems)
    warnings: list[str] = []
    existing_orgs = {o.uuid: o for o in session.scalars(
        select(Organisation).where(Organisation.uuid.in_(list(c.organizations) or ["-"])))}
    org_rows = {oid: organization_to_exchange(oid, obj, f"organisation {oid} ({where})", problems)
                for oid, (where, obj) in c.organizations.items()}
    existing_offers = {o.uuid: o for o in session.scalars(
        select(Offer).where(Offer.uuid.in_(list(c.services) or ["-"])))}
    wanted_orgs: set[str] = set()
    offer_rows = []
    for sid, (where, obj, org_hint) in c.services.items():
        label = f"tjeneste {sid} ({where})"
        org_uuid = normalise_id(obj.get("organization_id")) or org_hint
        if org_uuid is None:
            problems.append(ImportProblem(label, "organization_id",
                                          "Skal udfyldes: tjenesten skal høre til en organisation."))
        else:
            wanted_orgs.add(org_uuid)
        offer_rows.append(service_to_exchange(sid, obj, org_uuid, label, problems, warnings,
                                              existing_offers.get(sid)))
    missing = wanted_orgs - set(org_rows) - set(existing_orgs)
    if missing:
        in_db = {o.uuid: o for o in session.scalars(select(Organisation).where(Organisation.uuid.in_(missing)))}
        existing_orgs.update(in_db)
        for sid, (where, obj, org_hint) in c.services.items():
            org_uuid = normalise_id(obj.get("organization_id")) or org_hint
            if org_uuid in missing and org_uuid not in in_db:
                problems.append(ImportProblem(f"tjeneste {sid} ({where})", "organization_id",
                                              f"Ukendt organisation '{org_uuid}': den er hverken i filen eller "
                                              f"i databasen."))
    if problems:
        raise ImportFailed(problems)

    report = HsdsImportReport(skipped=c.skipped, warnings=warnings)
    for oid, row in org_rows.items():
        if oid not in existing_orgs:
            values = {k: v for k, v in row.items() if k != "external_id"}
            session.add(Organisation(uuid=oid, **values, verified=verify_organisations,
                                     verified_at=_now() if verify_organisations else None))
            report.organisations_created += 1
    session.flush()
    inner = import_catalogue(session, {"organisations": list(org_rows.values()), "offers": offer_rows},
                             verify_organisations=verify_organisations)
    for key in ("organisations_updated", "offers_created", "offers_updated", "offers_unchanged"):
        setattr(report, key, getattr(inner, key))
    report.organisations_created += inner.organisations_created
    return report


def _now() -> datetime:
    from .db import utcnow

    return utcnow()
