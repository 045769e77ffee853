"""HSDS documents into the catalogue: read, validate everything, then write all or nothing."""
from __future__ import annotations

import json
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..elements import ELEMENT_KEYS
from ..exchange import UUID_PREFIX, ImportFailed, ImportProblem, ImportReport, import_catalogue
from ..models import FORMATS, Offer, Organisation
from ..municipalities import NATIONWIDE, UnknownMunicipality, all_municipalities, canonical_area
from ..schemas import OfferSchema, OrganisationSchema, errors_to_paths
from .queries import _fold
from .taxonomy import (
    AUDIENCE_TAXONOMY,
    ELEMENT_TAXONOMY,
    ELEMENT_TERMS,
    FORMAT_TAXONOMY,
    LANGUAGE_CODES,
    NEEDS,
    STATUS_FROM_HSDS,
    TAXONOMY_BY_ID,
    format_term,
    stable_id,
)


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
    term: dict[str, Any] = attr["taxonomy_term"] if isinstance(attr.get("taxonomy_term"), dict) else {}
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


class _ServiceFields(Schema):
    """The HSDS service fields that map one to one onto an offer, declared once: HSDS name -> our name.
    Values pass through as given (stripped and shortened when text) so OfferSchema reports what is wrong."""

    class Meta:
        unknown = EXCLUDE

    title = fields.Raw(data_key="name", load_default=None, allow_none=True)
    description = fields.Raw(data_key="description", load_default=None, allow_none=True)
    target_group = fields.Raw(data_key="eligibility_description", load_default=None, allow_none=True)
    age_min = fields.Raw(data_key="minimum_age", load_default=None, allow_none=True)
    age_max = fields.Raw(data_key="maximum_age", load_default=None, allow_none=True)
    assured_at = fields.Raw(data_key="assured_date", load_default=None, allow_none=True)
    status = fields.Raw(data_key="status", load_default=None, allow_none=True)

    LIMITS = {"title": 200, "description": 5000, "target_group": 500}

    @post_load
    def _tidy(self, data: dict, **_kw) -> dict:
        data["title"] = _text(data["title"], self.LIMITS["title"])
        for key in ("description", "target_group"):   # optional texts: missing or empty is ""
            data[key] = _text(data[key] or "", self.LIMITS[key])
        data["age_min"], data["age_max"] = _age(data["age_min"]), _age(data["age_max"])
        data["assured_at"] = data["assured_at"] or None
        status = data["status"]
        data["status"] = STATUS_FROM_HSDS.get(status, status) if isinstance(status, str) else status
        return data


_SERVICE_FIELDS = _ServiceFields()


def _terms_from_attributes(obj: dict, where: str, problems: list[ImportProblem], warnings: list[str],
                           paths: dict[str, str], existing: Offer | None) -> dict:
    """Our own taxonomies' attributes back into tags, formats, audience and element levels."""
    tags: list[str] = []
    formats: list[Any] = []
    audience: list[str] = []
    elements: dict[str, dict[str, Any]] = {}
    attrs: list[Any] = obj["attributes"] if isinstance(obj.get("attributes"), list) else []
    for i, attr in enumerate(attrs):
        if not isinstance(attr, dict):
            problems.append(ImportProblem(where, f"attributes.{i}", "Skal være et objekt."))
            continue
        taxonomy, code, name = _attr_term(attr)
        if taxonomy == ELEMENT_TAXONOMY.name:
            _element_level(attr, code, i, where, problems, elements, existing)
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
    return {"tags": tags, "formats": formats, "audience": audience, "elements": elements}


def _element_level(attr: dict, code: str | None, i: int, where: str, problems: list[ImportProblem],
                   elements: dict, existing: Offer | None) -> None:
    if code not in ELEMENT_KEYS:
        problems.append(ImportProblem(where, f"attributes.{i}.taxonomy_term.code", f"Ukendt element '{code}'."))
        return
    value = attr.get("value")
    if not (isinstance(value, (str, int)) and str(value).strip() in ("0", "1", "2", "3")):
        problems.append(ImportProblem(where, f"attributes.{i}.value", "Niveau skal være 0, 1, 2 eller 3."))
        return
    elements[code] = {"level": int(str(value).strip())}
    kept = existing.element(code) if existing is not None else None
    if kept is not None:
        elements[code]["evidence"] = kept.evidence


def _areas_from_service(obj: dict, where: str, warnings: list[str]) -> list[str]:
    areas: list[str] = []
    unknown: list[str] = []
    raw_areas: list[Any] = obj["service_areas"] if isinstance(obj.get("service_areas"), list) else []
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
        if unknown:
            warnings.append(f"{where}: området {', '.join(repr(u) for u in unknown)} er ikke en dansk kommune; "
                            f"tilbuddet er sat til '{NATIONWIDE}'.")
        else:
            warnings.append(f"{where}: ingen service_areas; tilbuddet er sat til '{NATIONWIDE}'.")
        return [NATIONWIDE]
    if unknown:
        warnings.append(f"{where}: området {', '.join(repr(u) for u in unknown)} er ikke en dansk kommune og "
                        f"er sprunget over.")
    return areas


def _cost_from_service(obj: dict) -> Any:
    """Our own export puts the cost text in fees_description; other publishers may only give options."""
    cost = obj.get("fees_description")
    if isinstance(cost, str) and cost.strip():
        return _text(cost, 200)
    options = [o for o in (obj.get("cost_options") or []) if isinstance(o, dict)]
    if not options:
        return ""
    if all(o.get("amount") == 0 for o in options):
        return "gratis"
    parts = []
    for o in options:
        amount = o.get("amount")
        bits = [str(x) for x in (o.get("option"),
                                 f"{amount:g} {str(o.get('currency') or '').upper()}".strip()
                                 if isinstance(amount, (int, float)) else None,
                                 o.get("amount_description")) if x]
        parts.append(" ".join(bits))
    return _text("; ".join(p for p in parts if p), 200)


def _schedule_from_service(obj: dict) -> Any:
    parts = []
    for s in (s for s in (obj.get("schedules") or []) if isinstance(s, dict)):
        text = s.get("description") or s.get("notes")
        if not text and (s.get("opens_at") or s.get("byday")):
            text = " ".join(str(x) for x in (s.get("byday"), s.get("opens_at") and
                                             f"{s.get('opens_at')}–{s.get('closes_at') or ''}") if x)
        if isinstance(text, str) and text.strip():
            parts.append(text.strip())
    return _text("; ".join(dict.fromkeys(parts)), 500)


def _first_phone(phones: Any) -> str | None:
    for p in phones or []:
        if isinstance(p, dict) and isinstance(p.get("number"), str) and p["number"].strip():
            return p["number"]
    return None


def _contact_from_service(obj: dict) -> dict:
    email = obj.get("email")
    phone = _first_phone(obj.get("phones"))
    for contact in (c for c in (obj.get("contacts") or []) if isinstance(c, dict)):
        email = email or contact.get("email")
        phone = phone or _first_phone(contact.get("phones"))
    if isinstance(phone, str):
        phone = phone.strip().strip('"').strip() or None
    return {"email": email or None, "phone": phone}


def _languages_from_service(obj: dict) -> list:
    languages = []
    for lang in (x for x in (obj.get("languages") or []) if isinstance(x, dict)):
        name = lang.get("name")
        if not (isinstance(name, str) and name.strip()):
            code = lang.get("code")
            name = next((n for n, c in LANGUAGE_CODES.items() if c == code), code)
        if isinstance(name, str) and name.strip():
            languages.append(_text(name, 40))
    return languages


def _check_offer(out: dict, where: str, paths: dict[str, str], problems: list[ImportProblem]) -> None:
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


def service_to_exchange(sid: str, obj: dict, org_uuid: str | None, where: str, problems: list[ImportProblem],
                        warnings: list[str], existing: Offer | None = None) -> dict:
    """An HSDS service as an offer in the exchange format (catalog.exchange), problems in HSDS field paths."""
    paths: dict[str, str] = {}   # exchange path -> HSDS path, where we know it exactly
    terms = _terms_from_attributes(obj, where, problems, warnings, paths, existing)
    out = {"external_id": UUID_PREFIX + sid, **_SERVICE_FIELDS.load(obj),
           "audience": terms["audience"], "areas": _areas_from_service(obj, where, warnings),
           "formats": terms["formats"], "cost": _cost_from_service(obj), "schedule": _schedule_from_service(obj),
           "contact": _contact_from_service(obj), "tags": terms["tags"],
           "languages": _languages_from_service(obj)}
    if org_uuid:
        out["organisation"] = UUID_PREFIX + org_uuid   # a missing one is reported by the caller
    if terms["elements"]:
        out["elements"] = terms["elements"]
    _check_offer(out, where, paths, problems)
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
    from ..db import utcnow

    return utcnow()
