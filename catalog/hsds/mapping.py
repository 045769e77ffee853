"""Offers and organisations as HSDS 3.0 services and organizations (the outgoing mapping)."""
from __future__ import annotations

import re
from typing import Any
from datetime import datetime

from ..models import Offer, Organisation
from ..municipalities import NATIONWIDE, all_municipalities
from .taxonomy import DAWA_KOMMUNE, LANGUAGE_CODES, STATUS_TO_HSDS, ConceptsFn, Term, offer_terms, stable_id

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
    item: dict[str, Any] = {"id": stable_id("cost_option", offer.uuid), "service_id": offer.uuid, "currency": "DKK"}
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
    base: dict[str, Any] = {"id": offer.uuid, "name": offer.title, "status": STATUS_TO_HSDS.get(offer.status, "inactive"),
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
    out: dict[str, Any] = {"id": org.uuid, "name": org.name, "description": org.description or org.name,
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
