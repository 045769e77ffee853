"""What the API blueprints share: offer JSON (made here and nowhere else), webargs errors in Danish with field
paths, and a request's municipality override."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.elements import BAND_KEYS, ELEMENT_KEYS, band
from catalog.exchange import UUID_PREFIX
from catalog.db import utcnow
from catalog.freshness import hidden_cutoff, is_listed
from catalog.matching import area_override
from catalog.messages import BAD_REQUEST, BODY_NOT_JSON_OBJECT, NOT_AN_OBJECT, NOT_INTEGER, NOT_TEXT, REQUIRED
from catalog.models import ElementAssessment, Offer, OfferArea, Organisation, RemovedOffer
from catalog.municipalities import UnknownMunicipality
from catalog.schemas import DateOrDateTime, errors_to_paths

from ..http import error_response, invalid
from ..matching import request_catalog_version

_ELEMENT_ORDER = {k: i for i, k in enumerate(ELEMENT_KEYS)}

# webargs/flask-smorest messages that are not produced by our Danish field classes.
_DANISH = {
    "Invalid JSON body.": "Ugyldig JSON i forespørgslens indhold.",
    "Missing data for required field.": REQUIRED,
    "Unknown field.": "Ukendt felt.",
    "Field may not be null.": REQUIRED,
    "Invalid input type.": NOT_AN_OBJECT,
    "Not a valid integer.": NOT_INTEGER,
    "Not a valid string.": NOT_TEXT,
    "Not a valid boolean.": "Skal være sand eller falsk.",
    "Not a valid list.": "Skal være en liste.",
}


def band_key(count: int) -> str:
    for key, (low, high) in BAND_KEYS.items():
        if low <= count <= high:
            return key
    return "under_udvikling"


def _offer_dict(o: Any, organisation: tuple[int, str, str | None, bool], areas: list[str],
                elements: Iterable[Any]) -> dict[str, Any]:
    """The one shape of offer JSON: the exchange-format fields plus the catalogue's own (ids, version,
    organisation, element reviews, band, visibility). `o` is an Offer or a row with the same column names;
    `elements` rows have element_key, level, evidence, reviewed_level and review_note."""
    org_id, org_name, org_external_id, org_verified = organisation
    count = o.elements_count or 0
    return {
        "external_id": o.external_id or f"{UUID_PREFIX}{o.uuid}",
        "organisation": {"id": org_id, "name": org_name, "external_id": org_external_id},
        "title": o.title, "description": o.description, "target_group": o.target_group,
        "age_min": o.age_min, "age_max": o.age_max, "audience": list(o.audience or []),
        "areas": list(areas), "formats": list(o.formats or []), "cost": o.cost, "schedule": o.schedule,
        "contact": {"email": o.contact_email, "phone": o.contact_phone},
        "tags": list(o.tags or []), "languages": list(o.languages or []), "status": o.status,
        "assured_at": _DT._serialize(o.assured_at, None, None),
        "elements": {
            x.element_key: {"level": x.level, "evidence": x.evidence, "reviewed_level": x.reviewed_level,
                            "review_note": x.review_note,
                            "effective_level": x.reviewed_level if x.reviewed_level is not None else x.level}
            for x in sorted(elements, key=lambda x: _ELEMENT_ORDER.get(x.element_key, 99))},
        "id": o.id, "uuid": o.uuid, "version": o.version,
        "updated_at": o.updated_at.isoformat() if o.updated_at else None,
        "elements_count": count, "band": band(count), "band_key": band_key(count),
        "visible": is_listed(o.status, org_verified, o.assured_at),
        "assured_date": o.assured_at.date().isoformat() if o.assured_at else None,
    }


def offer_json(offer: Offer) -> dict[str, Any]:
    """Offer JSON for a loaded Offer (see :func:`_offer_dict`)."""
    org = offer.organisation
    return _offer_dict(offer, (org.id, org.name, org.external_id, bool(org.verified)), offer.areas,
                       offer.element_rows)


_DT = DateOrDateTime()
CACHE_SIZE = 20_000
WARM_LIMIT = 5_000


class OfferJsonCache:
    """Offer JSON per process, kept current with the catalogue version instead of a query per match.

    Every change to an offer, its element rows, areas, formats or organisation stamps the offer with a new
    catalogue version (``change_seq``, catalog.models.track_changes) and a deleted offer leaves a tombstone with
    its version. ``synced`` is the version up to which the cache has dropped every entry changed since: while
    the version a request reads is not newer, an entry is served without asking the database. A newer version
    drops the offers stamped after ``synced`` and the deleted ones (one query), whatever else changed.

    Visibility changes with time too (catalog.freshness: unconfirmed for HIDDEN_MONTHS hides an offer), so an
    entry keeps the offer's status, organisation verification and confirmation date, and visibility is decided
    when the entry is served, never when it was built. Offers are few enough to keep (CACHE_SIZE); beyond that
    the cache starts over."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.synced: int | None = None
        self._entries: dict[int, _Entry] = {}
        self._generation = 0          # bumped by every drop: a build that overlapped one is not kept
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1
            self.synced = None

    def get(self, session: Session, ids: Iterable[int], version: int) -> dict[int, dict[str, Any]]:
        """JSON for those of ``ids`` that exist (visible or not), as of catalogue ``version`` or later."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}
        if self.synced is None:
            self._start(session, version)
        elif version > self.synced:
            self._sync(session, version)
        now = utcnow()
        cutoff = hidden_cutoff(now)
        out: dict[int, dict[str, Any]] = {}
        missing = []
        for offer_id in ids:
            entry = self._entries.get(offer_id)
            if entry is None:
                missing.append(offer_id)
            else:
                out[offer_id] = entry.json(cutoff)
        if missing:
            generation = self._generation
            built = _build_entries(session, missing)
            with self._lock:
                if generation == self._generation:
                    if len(self._entries) + len(built) > self.size:
                        self._entries.clear()
                    self._entries.update(built)
            for offer_id, entry in built.items():
                out[offer_id] = entry.json(cutoff)
        return out

    def _start(self, session: Session, version: int) -> None:
        """First use in this process: every offer's JSON at once when the catalogue is small (the match index
        holds every visible offer as well), so no ranked answer waits for it; else entries come as matched."""
        o = Offer.__table__.c
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self.synced = version
            generation = self._generation
        ids = session.scalars(select(o.id).where(o.status == "published").limit(WARM_LIMIT + 1)).all()
        if len(ids) > WARM_LIMIT:
            return
        for i in range(0, len(ids), 1000):
            built = _build_entries(session, list(ids[i:i + 1000]))
            with self._lock:
                if generation != self._generation:
                    return
                self._entries.update(built)

    def _sync(self, session: Session, version: int) -> None:
        """Drop what changed after ``synced``: the offers stamped later and those deleted later. Read after the
        version was, so it sees at least every change up to it (a writer takes the version under the
        catalogue's row lock and holds it to its commit)."""
        since = self.synced
        assert since is not None
        o, r = Offer.__table__.c, RemovedOffer.__table__.c
        changed = session.execute(select(o.id).where(o.change_seq > since)
                                  .union_all(select(r.offer_id).where(r.change_seq > since))).scalars().all()
        with self._lock:
            self._generation += 1
            if len(changed) > self.size // 2:
                self._entries.clear()
            else:
                for offer_id in changed:
                    self._entries.pop(offer_id, None)
            if self.synced is not None and version > self.synced:
                self.synced = version


    def text(self, offer_id: int, data: dict[str, Any]) -> str:
        """``data`` (as this cache served it for ``offer_id``) encoded as JSON, encoded once per entry."""
        entry = self._entries.get(offer_id)
        if entry is None or entry.data is not data:
            return json_text(data)
        if entry.text is None:
            entry.text = json_text(data)
        return entry.text


class _Entry:
    """One offer's JSON as built, and what its visibility depends on besides time."""
    __slots__ = ("data", "listed", "assured_at", "hidden", "text")

    def __init__(self, data: dict[str, Any], listed: bool, assured_at) -> None:
        self.data, self.listed, self.assured_at = data, listed, assured_at
        self.hidden: dict[str, Any] | None = None
        self.text: str | None = None      # data as JSON, made when first sent

    def json(self, hidden_cutoff) -> dict[str, Any]:
        visible = self.listed and (self.assured_at is None or self.assured_at >= hidden_cutoff)
        if visible == self.data["visible"]:
            return self.data
        if self.hidden is None:   # aged out of view since it was built: the same JSON, not visible
            self.hidden = {**self.data, "visible": visible}
        return self.hidden


# What jsonify writes out of debug mode (flask.json.provider.DefaultJSONProvider): sorted keys, compact, ASCII.
_ENCODER = json.JSONEncoder(ensure_ascii=True, sort_keys=True, separators=(",", ":"),
                            default=DefaultJSONProvider.default)


def json_text(value: Any) -> str:
    """``value`` as JSON text, exactly as the app's jsonify writes it."""
    return _ENCODER.encode(value)


def json_response(values: dict[str, Any], encoded: dict[str, str] | None = None):
    """The jsonify answer for ``values`` plus members already encoded as JSON text (``encoded``), byte for
    byte what jsonify would give for the whole object. Keys are plain ASCII names."""
    members = {key: _ENCODER.encode(value) for key, value in values.items()}
    members.update(encoded or {})
    body = "{" + ",".join(f'"{key}":{members[key]}' for key in sorted(members)) + "}\n"
    return current_app.response_class(body, mimetype="application/json")


def offer_json_cache() -> OfferJsonCache:
    cache = current_app.extensions.get("civilmatch.api_offer_json")
    if cache is None:
        cache = current_app.extensions.setdefault("civilmatch.api_offer_json", OfferJsonCache())
    return cache


def offers_json(session: Session, ids: Iterable[int], version: int | None = None) -> dict[int, dict]:
    """Offer JSON (same shape as offer_json) for these ids; ids that no longer exist are simply absent.

    From this process's OfferJsonCache: no query while the catalogue version this request read is one the cache
    has caught up with, and offers not yet cached in at most three small Core queries."""
    if version is None:
        version = request_catalog_version()
    return offer_json_cache().get(session, ids, version)


def _build_entries(session: Session, ids: list[int]) -> dict[int, _Entry]:
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
        if offer_id in areas:
            areas[offer_id].append(name)
    elements: dict[int, list] = {r.id: [] for r in rows}
    e = ElementAssessment.__table__.c
    for row in session.execute(select(e.offer_id, e.element_key, e.level, e.evidence, e.reviewed_level,
                                      e.review_note).where(e.offer_id.in_(ids))):
        if row.offer_id in elements:
            elements[row.offer_id].append(row)
    return {r.id: _Entry(_offer_dict(r, (r.org_id, r.org_name, r.org_external_id, bool(r.org_verified)),
                                     areas[r.id], elements[r.id]),
                         r.status == "published" and bool(r.org_verified),
                         r.assured_at.replace(tzinfo=None) if r.assured_at is not None else None)
            for r in rows}


def visible_offers_json(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Offer JSON for the visible ones among these offers: the loader for catalog.matching.match_offers."""
    return {oid: data for oid, data in offers_json(session, ids).items() if data["visible"]}


def preload_organisations(session: Session, offers: Iterable[Offer]) -> None:
    """Put the offers' organisations in the identity map with one query (many-to-one loads then need none)."""
    ids = {o.organisation_id for o in offers}
    if ids:
        session.scalars(select(Organisation).where(Organisation.id.in_(ids))).all()


def municipality_override(value: str | None) -> tuple[str | None, Any]:
    """A request's `municipality` (see catalog.matching.area_override) and None, or None and the 422 answer
    for an unknown name (its message suggests the nearest)."""
    try:
        return area_override(value), None
    except UnknownMunicipality as exc:
        return None, invalid({"municipality": [str(exc)]})


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
    return invalid(webargs_errors(getattr(exc, "data", None)))


def handle_bad_request(exc):
    """webargs answers 400 for a body that is not JSON at all; we answer like any other invalid body."""
    data = getattr(exc, "data", None)
    if isinstance(data, dict) and data.get("messages"):
        return invalid({"_schema": [BODY_NOT_JSON_OBJECT]})
    return error_response(400, BAD_REQUEST)


def register_error_handlers(blp) -> None:
    blp.register_error_handler(400, handle_bad_request)
    blp.register_error_handler(422, handle_unprocessable)
