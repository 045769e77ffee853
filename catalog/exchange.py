"""Import and export of the catalogue exchange format (shared/eval/FORMAT.md).

Import is all-or-nothing: every record is validated first and every problem is reported by offer and field;
only a clean file is written, in one transaction. New offers go in with bulk inserts so 100,000 offers
import in well under a minute.
"""
from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from .db import utcnow
from .elements import ELEMENT_KEYS, count_present
from .messages import REQUIRED
from .models import ElementAssessment, Offer, OfferArea, OfferFormat, Organisation
from .schemas import DateOrDateTime, OfferSchema, OrganisationSchema, errors_to_paths
from .services import ServiceError, apply_fields

UUID_PREFIX = "civilmatch:"
CHUNK = 2000


@dataclass
class ImportProblem:
    where: str     # "tilbud dev-007 (nr. 7)" / "organisation org-003" / "fil"
    field: str     # field path, e.g. "areas.0"
    message: str   # Danish

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}"


class ImportFailed(ServiceError):
    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__(f"Importen blev afvist: {len(problems)} fejl. Intet blev gemt.")


@dataclass
class ImportReport:
    organisations_created: int = 0
    organisations_updated: int = 0
    offers_created: int = 0
    offers_updated: int = 0
    offers_unchanged: int = 0
    problems: list[ImportProblem] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.offers_created} tilbud oprettet, {self.offers_updated} opdateret, "
                f"{self.offers_unchanged} uændrede; {self.organisations_created} organisationer oprettet, "
                f"{self.organisations_updated} opdateret.")


def read_file(path: str | Path) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError as exc:
        raise ImportFailed([ImportProblem("fil", str(path), "Filen findes ikke.")]) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFailed([ImportProblem("fil", str(path), f"Filen er ikke gyldig JSON i UTF-8 ({exc}).")]) from exc


# --- export -------------------------------------------------------------------------------------------

def org_ref(org: Organisation) -> str:
    return org.external_id or f"{UUID_PREFIX}{org.uuid}"


def offer_ref(offer: Offer) -> str:
    return offer.external_id or f"{UUID_PREFIX}{offer.uuid}"


def organisation_to_exchange(org: Organisation) -> dict:
    out = {"external_id": org_ref(org), "name": org.name}
    for key in ("cvr", "website", "email", "phone", "description"):
        if getattr(org, key):
            out[key] = getattr(org, key)
    return out


def offer_to_exchange(offer: Offer) -> dict:
    dt = DateOrDateTime()
    return {
        "external_id": offer_ref(offer),
        "organisation": org_ref(offer.organisation),
        "title": offer.title,
        "description": offer.description,
        "target_group": offer.target_group,
        "age_min": offer.age_min,
        "age_max": offer.age_max,
        "audience": list(offer.audience or []),
        "areas": offer.areas,
        "formats": list(offer.formats or []),
        "cost": offer.cost,
        "schedule": offer.schedule,
        "contact": {"email": offer.contact_email, "phone": offer.contact_phone},
        "tags": list(offer.tags or []),
        "languages": list(offer.languages or []),
        "status": offer.status,
        "assured_at": dt._serialize(offer.assured_at, None, None),
        "elements": {row.element_key: {"level": row.level, "evidence": row.evidence}
                     for row in sorted(offer.element_rows, key=lambda r: ELEMENT_KEYS.index(r.element_key))},
    }


def export_catalogue(session: Session) -> dict:
    offers = session.scalars(select(Offer).options(selectinload(Offer.organisation))
                             .order_by(Offer.id)).all()
    orgs = session.scalars(select(Organisation).order_by(Organisation.id)).all()
    return {"organisations": [organisation_to_exchange(o) for o in orgs],
            "offers": [offer_to_exchange(o) for o in offers]}


# --- import -------------------------------------------------------------------------------------------

def _where_offer(i: int, raw) -> str:
    ext = raw.get("external_id") if isinstance(raw, dict) else None
    return f"tilbud {ext} (nr. {i + 1})" if ext else f"tilbud nr. {i + 1}"


def _validate(data, problems: list[ImportProblem]) -> tuple[list[dict], list[dict]]:
    if not isinstance(data, dict) or not isinstance(data.get("offers"), list):
        problems.append(ImportProblem("fil", "offers", "Filen skal være et objekt med listen 'offers'."))
        return [], []
    raw_orgs = data.get("organisations") or []
    if not isinstance(raw_orgs, list):
        problems.append(ImportProblem("fil", "organisations", "Skal være en liste."))
        raw_orgs = []
    orgs: list[dict] = []
    seen_orgs: set[str] = set()
    org_schema = OrganisationSchema()
    for i, raw in enumerate(raw_orgs):
        where = f"organisation {raw.get('external_id') if isinstance(raw, dict) else ''} (nr. {i + 1})"
        try:
            clean = org_schema.load(raw)
        except ValidationError as exc:
            problems.extend(ImportProblem(where, k, " ".join(v)) for k, v in errors_to_paths(exc.messages).items())
            continue
        if not clean.get("external_id"):
            problems.append(ImportProblem(where, "external_id", REQUIRED))
            continue
        if clean["external_id"] in seen_orgs:
            problems.append(ImportProblem(where, "external_id", "Findes to gange i filen."))
        seen_orgs.add(clean["external_id"])
        orgs.append(clean)
    offers: list[dict] = []
    seen: set[str] = set()
    schema = OfferSchema()
    for i, raw in enumerate(data["offers"]):
        where = _where_offer(i, raw)
        try:
            clean = schema.load(raw)
        except ValidationError as exc:
            problems.extend(ImportProblem(where, k, " ".join(v)) for k, v in errors_to_paths(exc.messages).items())
            continue
        ext = clean.get("external_id")
        if not ext:
            problems.append(ImportProblem(where, "external_id", REQUIRED))
            continue
        if ext in seen:
            problems.append(ImportProblem(where, "external_id", "Findes to gange i filen."))
        seen.add(ext)
        if not clean.get("organisation"):
            problems.append(ImportProblem(where, "organisation", REQUIRED))
        offers.append(clean)
    return orgs, offers


def _chunks(items: list, n: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _find_by_ref(session: Session, model, refs) -> dict:
    """Rows of `model` (Organisation or Offer) by exchange reference: an external_id, or
    "civilmatch:<uuid>" for a row that has none."""
    found: dict = {}
    by_uuid = [r[len(UUID_PREFIX):] for r in refs if r.startswith(UUID_PREFIX)]
    plain = [r for r in refs if not r.startswith(UUID_PREFIX)]
    for chunk in _chunks(plain):
        for row in session.scalars(select(model).where(model.external_id.in_(chunk))):
            found[row.external_id] = row
    for chunk in _chunks(by_uuid):
        for row in session.scalars(select(model).where(model.uuid.in_(chunk))):
            found[UUID_PREFIX + row.uuid] = row
    return found


def _same(offer: Offer, clean: dict, org: Organisation) -> bool:
    current = offer_to_exchange(offer)
    current["organisation"] = offer.organisation_id
    incoming = dict(clean)
    incoming["organisation"] = org.id
    incoming["external_id"] = current["external_id"]
    incoming["assured_at"] = DateOrDateTime()._serialize(clean.get("assured_at"), None, None)
    if "contact" in incoming:
        incoming["contact"] = {"email": incoming["contact"].get("email"), "phone": incoming["contact"].get("phone")}
    if "elements" in incoming:
        incoming["elements"] = {k: {"level": incoming["elements"].get(k, {}).get("level", 0),
                                    "evidence": incoming["elements"].get(k, {}).get("evidence", "")}
                                for k in ELEMENT_KEYS}
        current["elements"] = {k: current["elements"].get(k, {"level": 0, "evidence": ""}) for k in ELEMENT_KEYS}
    return all(current.get(k) == v for k, v in incoming.items() if k in current or k == "organisation")


def _bump_version(session: Session) -> int:
    from .models import bump_catalog_version

    return bump_catalog_version(session.connection())


def import_catalogue(session: Session, data, *, progress: Callable[[int], None] | None = None,
                     verify_organisations: bool = True) -> ImportReport:
    """Validate everything, then upsert organisations and offers by external_id. The caller commits."""
    problems: list[ImportProblem] = []
    orgs, offers = _validate(data, problems)
    report = ImportReport()
    file_orgs = {o["external_id"]: o for o in orgs}
    existing_orgs = _find_by_ref(session, Organisation,
                                 list(set(file_orgs) | {o["organisation"] for o in offers if o.get("organisation")}))
    for clean in offers:
        ref = clean.get("organisation")
        if ref and ref not in file_orgs and ref not in existing_orgs:
            problems.append(ImportProblem(f"tilbud {clean['external_id']}", "organisation",
                                          f"Ukendt organisation '{ref}'."))
    if problems:
        raise ImportFailed(problems)

    # Organisations (few): ORM upsert.
    org_by_ref: dict[str, Organisation] = dict(existing_orgs)
    for ref, clean in file_orgs.items():
        org = existing_orgs.get(ref)
        values = {k: v for k, v in clean.items() if k != "external_id" or not ref.startswith(UUID_PREFIX)}
        if org is None:
            org = Organisation(**values, verified=verify_organisations,
                               verified_at=utcnow() if verify_organisations else None)
            session.add(org)
            report.organisations_created += 1
        elif any(getattr(org, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(org, k, v)
            report.organisations_updated += 1
        org_by_ref[ref] = org
    session.flush()

    existing = _find_by_ref(session, Offer, [o["external_id"] for o in offers])
    new = [o for o in offers if o["external_id"] not in existing]
    done = 0
    # Changed offers: ORM, so versions and change tracking apply as for any edit.
    for clean in offers:
        offer = existing.get(clean["external_id"])
        if offer is None:
            continue
        org = org_by_ref[clean["organisation"]]
        if _same(offer, clean, org):
            report.offers_unchanged += 1
        else:
            clean = dict(clean)
            if clean["external_id"].startswith(UUID_PREFIX):
                clean.pop("external_id")
            offer.organisation = org
            apply_fields(offer, clean)
            report.offers_updated += 1
        done += 1
        if progress and done % 500 == 0:
            progress(500)
    session.flush()
    if progress and done % 500:
        progress(done % 500)

    # New offers: bulk inserts.
    if new:
        version = _bump_version(session)
        conn = session.connection()
        now = utcnow()
        for chunk in _chunks(new):
            rows = []
            for c in chunk:
                contact = c.get("contact") or {}
                elements = c.get("elements") or {}
                levels = {k: v.get("level", 0) for k, v in elements.items()}
                ext = c["external_id"]
                rows.append({
                    "uuid": ext[len(UUID_PREFIX):] if ext.startswith(UUID_PREFIX) else str(uuidlib.uuid4()),
                    "external_id": None if ext.startswith(UUID_PREFIX) else ext,
                    "organisation_id": org_by_ref[c["organisation"]].id,
                    "title": c["title"], "description": c["description"], "target_group": c["target_group"],
                    "age_min": c["age_min"], "age_max": c["age_max"], "audience": c["audience"],
                    "formats": c["formats"], "cost": c["cost"], "schedule": c["schedule"],
                    "contact_email": contact.get("email"), "contact_phone": contact.get("phone"),
                    "tags": c["tags"], "languages": c["languages"], "status": c.get("status") or "published",
                    "assured_at": c.get("assured_at"), "created_at": now, "updated_at": now, "version": 1,
                    "change_seq": version, "elements_count": count_present(levels),
                })
            ids = conn.execute(insert(Offer).returning(Offer.id, sort_by_parameter_order=True),
                               rows).scalars().all()
            areas: list[dict] = []
            formats: list[dict] = []
            elements_rows: list[dict] = []
            for offer_id, c in zip(ids, chunk, strict=True):
                areas.extend({"offer_id": offer_id, "municipality": a, "position": i}
                             for i, a in enumerate(c["areas"]))
                formats.extend({"offer_id": offer_id, "format": f} for f in c["formats"])
                for key, item in (c.get("elements") or {}).items():
                    elements_rows.append({"offer_id": offer_id, "element_key": key, "level": item["level"],
                                          "evidence": item.get("evidence", "")})
            if areas:
                conn.execute(insert(OfferArea), areas)
            if formats:
                conn.execute(insert(OfferFormat), formats)
            if elements_rows:
                conn.execute(insert(ElementAssessment), elements_rows)
            report.offers_created += len(chunk)
            if progress:
                progress(len(chunk))
    return report
