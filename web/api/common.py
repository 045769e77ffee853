"""What the API blueprints share: offer JSON, error answers with field paths, loading offers without N+1."""
from __future__ import annotations

from collections.abc import Iterable

from flask import jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog.elements import BAND_KEYS, ELEMENT_KEYS, band
from catalog.exchange import UUID_PREFIX, offer_to_exchange
from catalog.freshness import is_listed
from catalog.municipalities import NATIONWIDE, UnknownMunicipality, canonical_area
from catalog.models import ElementAssessment, Offer, OfferArea, Organisation
from catalog.schemas import DateOrDateTime, errors_to_paths

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
        "visible": offer.visible,
        "assured_date": offer.assured_at.date().isoformat() if offer.assured_at else None,
    })
    return out


_DT = DateOrDateTime()
CACHE_SIZE = 20_000
WARM_LIMIT = 5_000


def offers_json(session: Session, ids: Iterable[int]) -> dict[int, dict]:
    """Offer JSON (same shape as offer_json) for these ids, in at most four small Core queries.

    Built JSON is kept per app, keyed by the offer's (change_seq, version): every change to an offer, its
    element rows, areas, formats or organisation stamps a new change_seq (catalog.models.track_changes), so a
    cached entry is never served after a change. Ids that no longer exist are simply absent."""
    ids = list(dict.fromkeys(ids))
    if not ids:
        return {}
    from flask import current_app

    cache: dict[int, tuple[tuple[int, int], dict]] = current_app.extensions.setdefault("civilmatch.api_offer_json", {})
    o = Offer.__table__.c
    if not cache:
        _warm(session, cache)
    stamps = {r.id: (r.change_seq, r.version)
              for r in session.execute(select(o.id, o.change_seq, o.version).where(o.id.in_(ids)))}
    out: dict[int, dict] = {}
    missing = []
    for offer_id, stamp in stamps.items():
        hit = cache.get(offer_id)
        if hit is not None and hit[0] == stamp:
            out[offer_id] = hit[1]
        else:
            missing.append(offer_id)
    if missing:
        built = _build_json(session, missing)
        if len(cache) + len(built) > CACHE_SIZE:
            cache.clear()
        for offer_id, (stamp, data) in built.items():
            cache[offer_id] = (stamp, data)
            out[offer_id] = data
    return out


def _warm(session: Session, cache: dict) -> None:
    """First use in this process: build every published offer's JSON at once when the catalogue is small
    (like the match index, which also holds every visible offer), so no ranked answer waits for it."""
    o = Offer.__table__.c
    ids = session.scalars(select(o.id).where(o.status == "published").limit(WARM_LIMIT + 1)).all()
    if len(ids) > WARM_LIMIT:
        return
    for i in range(0, len(ids), 1000):
        for offer_id, entry in _build_json(session, list(ids[i:i + 1000])).items():
            cache[offer_id] = entry


def _build_json(session: Session, ids: list[int]) -> dict[int, tuple[tuple[int, int], dict]]:
    o, org = Offer.__table__.c, Organisation.__table__.c
    rows = session.execute(
        select(o.id, o.uuid, o.external_id, o.title, o.description, o.target_group, o.age_min, o.age_max,
               o.audience, o.formats, o.cost, o.schedule, o.contact_email, o.contact_phone, o.tags, o.languages,
               o.status, o.assured_at, o.updated_at, o.version, o.change_seq, o.elements_count,
               org.id.label("org_id"), org.name.label("org_name"),
               org.external_id.label("org_external_id"), org.verified.label("org_verified"))
        .join(Organisation.__table__, org.id == o.organisation_id).where(o.id.in_(ids))).all()
    areas: dict[int, list[str]] = {r.id: [] for r in rows}
    a = OfferArea.__table__.c
    for offer_id, name in session.execute(select(a.offer_id, a.municipality).where(a.offer_id.in_(ids))
                                          .order_by(a.offer_id, a.position)):
        areas[offer_id].append(name)
    elements: dict[int, list] = {r.id: [] for r in rows}
    e = ElementAssessment.__table__.c
    for row in session.execute(select(e.offer_id, e.element_key, e.level, e.evidence, e.reviewed_level,
                                      e.review_note).where(e.offer_id.in_(ids))):
        elements[row.offer_id].append(row)
    out = {}
    for r in rows:
        count = r.elements_count or 0
        data = {
            "external_id": r.external_id or f"{UUID_PREFIX}{r.uuid}",
            "organisation": {"id": r.org_id, "name": r.org_name, "external_id": r.org_external_id},
            "title": r.title, "description": r.description, "target_group": r.target_group,
            "age_min": r.age_min, "age_max": r.age_max, "audience": list(r.audience or []),
            "areas": areas[r.id], "formats": list(r.formats or []), "cost": r.cost, "schedule": r.schedule,
            "contact": {"email": r.contact_email, "phone": r.contact_phone},
            "tags": list(r.tags or []), "languages": list(r.languages or []), "status": r.status,
            "assured_at": _DT._serialize(r.assured_at, None, None),
            "assured_date": r.assured_at.date().isoformat() if r.assured_at else None,
            "elements": {
                x.element_key: {"level": x.level, "evidence": x.evidence, "reviewed_level": x.reviewed_level,
                                "review_note": x.review_note,
                                "effective_level": x.reviewed_level if x.reviewed_level is not None else x.level}
                for x in sorted(elements[r.id], key=lambda x: _ELEMENT_ORDER.get(x.element_key, 99))},
            "id": r.id, "uuid": r.uuid, "version": r.version,
            "updated_at": r.updated_at.isoformat() if r.updated_at else None,
            "elements_count": count, "band": band(count), "band_key": band_key(count),
            "visible": is_listed(r.status, r.org_verified, r.assured_at),
        }
        out[r.id] = ((r.change_seq, r.version), data)
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


def municipality_override(value: str | None):
    """A request's `municipality`: (None = read it from the text, "" = the whole country, or a canonical name,
    error response or None). An unknown name is a 422 with a suggestion."""
    if value is None or not value.strip():
        return None, None
    try:
        name = canonical_area(value)
    except UnknownMunicipality as exc:
        return None, error_response(422, "Data kunne ikke valideres.", {"municipality": [str(exc)]})
    return ("" if name == NATIONWIDE else name), None


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


def handle_bad_request(exc):
    """webargs answers 400 for a body that is not JSON at all; we answer like any other invalid body."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and data.get("messages"):
        return error_response(422, "Data kunne ikke valideres.",
                              {"_schema": ["Forespørgslens indhold skal være et JSON-objekt."]})
    return error_response(400, "Forespørgslen kunne ikke forstås.")


def register_error_handlers(blp) -> None:
    blp.register_error_handler(400, handle_bad_request)
    blp.register_error_handler(422, handle_unprocessable)
