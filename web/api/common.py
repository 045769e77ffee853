"""What the API blueprints share: offer JSON, error answers with field paths, loading offers without N+1."""
from __future__ import annotations

from collections.abc import Iterable

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.elements import BAND_KEYS, ELEMENT_KEYS, band
from catalog.exchange import offer_to_exchange
from catalog.models import Offer, Organisation
from catalog.schemas import errors_to_paths

_ELEMENT_ORDER = {k: i for i, k in enumerate(ELEMENT_KEYS)}

# webargs/flask-smorest messages that are not produced by our Danish field classes.
_DANISH = {
    "Invalid JSON body.": "Ugyldig JSON i forespørgslens indhold.",
    "Missing data for required field.": "Skal udfyldes.",
    "Unknown field.": "Ukendt felt.",
    "Field may not be null.": "Skal udfyldes.",
    "Invalid input type.": "Ugyldige data: forventede et objekt.",
    "Not a valid integer.": "Skal være et helt tal.",
    "Not a valid string.": "Skal være tekst.",
    "Not a valid boolean.": "Skal være sand eller falsk.",
    "Not a valid list.": "Skal være en liste.",
}


def band_key(count: int) -> str:
    for key, (low, high) in BAND_KEYS.items():
        if low <= count <= high:
            return key
    return "under_udvikling"


def offer_json(offer: Offer) -> dict:
    """The exchange-format fields plus the catalogue's own (ids, version, organisation, element reviews)."""
    out = offer_to_exchange(offer)
    org = offer.organisation
    out["organisation"] = {"id": org.id, "name": org.name, "external_id": org.external_id}
    out["elements"] = {
        row.element_key: {"level": row.level, "evidence": row.evidence, "reviewed_level": row.reviewed_level,
                          "review_note": row.review_note, "effective_level": row.effective_level}
        for row in sorted(offer.element_rows, key=lambda r: _ELEMENT_ORDER.get(r.element_key, 99))}
    count = offer.elements_count or 0
    out.update({
        "id": offer.id, "uuid": offer.uuid, "version": offer.version,
        "updated_at": offer.updated_at.isoformat() if offer.updated_at else None,
        "elements_count": count, "band": band(count), "band_key": band_key(count),
        "visible": offer.status == "published" and bool(org.verified),
    })
    return out


def load_offers(session: Session, ids: Iterable[int]) -> dict[int, Offer]:
    """Offers by id in one query (plus one selectin query per relationship), never one per offer."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    rows = session.scalars(select(Offer).where(Offer.id.in_(ids))
                           .options(selectinload(Offer.organisation), selectinload(Offer.area_rows),
                                    selectinload(Offer.element_rows))).all()
    return {o.id: o for o in rows}


def preload_organisations(session: Session, offers: Iterable[Offer]) -> None:
    """Put the offers' organisations in the identity map with one query (many-to-one loads then need none)."""
    ids = {o.organisation_id for o in offers}
    if ids:
        session.scalars(select(Organisation).where(Organisation.id.in_(ids))).all()


def error_response(status: int, message: str, errors: dict | None = None, **extra):
    names = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
             412: "Precondition Failed", 422: "Unprocessable Entity", 429: "Too Many Requests"}
    body = {"code": status, "status": names.get(status, ""), "message": message}
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = jsonify(body)
    response.status_code = status
    return response


def _danish(messages: dict[str, list[str]]) -> dict[str, list[str]]:
    return {path: [_DANISH.get(m, m) for m in msgs] for path, msgs in messages.items()}


def webargs_errors(data: dict | None) -> dict[str, list[str]]:
    """webargs' {"json": {"a": {"0": [...]}}} -> {"a.0": [...]} (the location is dropped, paths kept)."""
    messages = (data or {}).get("messages") or (data or {}).get("errors") or {}
    out: dict[str, list[str]] = {}
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    for location, errs in messages.items():
        if location in ("json", "query", "form", "headers", "files", "view_args", "path", "json_or_form"):
            if isinstance(errs, (dict, list)):
                out.update(errors_to_paths(errs))
            else:
                out["_schema"] = [str(errs)]
        else:
            out.update(errors_to_paths({location: errs}))
    return _danish(out)


def handle_unprocessable(exc):
    """Blueprint-level handler for webargs' 422: Danish messages under field paths, no input echoed."""
    return error_response(422, "Data kunne ikke valideres.", webargs_errors(getattr(exc, "data", None)))


def register_error_handlers(blp) -> None:
    blp.register_error_handler(422, handle_unprocessable)
