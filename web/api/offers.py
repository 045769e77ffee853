"""/api/v1/offers: read the catalogue with any valid token; write with scope offers:write (own organisation
for an NGO editor, any for an admin). Updates need the version they build on (optimistic locking)."""
from __future__ import annotations

import json
import re

from flask import jsonify, request
from flask_smorest import Blueprint
from sqlalchemy import select

from catalog import queries, services
from catalog.exchange import UUID_PREFIX
from catalog.messages import BODY_NOT_JSON_OBJECT, NOT_INTEGER
from catalog.models import Offer, Organisation

from ..extensions import db
from ..http import error_response, invalid
from ..security import current_token, token_can_edit_offer, token_required
from .common import offer_json, preload_organisations, register_error_handlers
from .schemas import ApiErrorSchema, OfferListQuerySchema, OfferOutSchema, OfferPageSchema, OfferWriteSchema

blp = Blueprint("api_offers", __name__, url_prefix="/api/v1/offers",
                description="Tilbudskataloget: læs, opret, ret og slet tilbud.")
register_error_handlers(blp)

WRITE_ROLES = ("ngo_editor", "admin")
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
READ_NOTE = "Kræver et gyldigt token (alle roller)."
WRITE_NOTE = ("Kræver scope `offers:write` og rollen ngo_editor (kun egen organisations tilbud) eller admin.")

# Keys of the offer JSON that are read-only; dropped from write bodies so GET -> edit -> PUT round-trips.
_READ_ONLY = ("id", "uuid", "updated_at", "created_at", "elements_count", "band", "band_key", "visible")
_ELEMENT_READ_ONLY = ("reviewed_level", "review_note", "effective_level")


def _errors_doc(*codes):
    def decorator(func):
        for code in codes:
            func = blp.alt_response(code, schema=ApiErrorSchema, description={
                401: "Mangler, ugyldigt, udløbet eller tilbagekaldt token.",
                403: "Tokenet mangler scope eller rettighed.",
                404: "Tilbuddet findes ikke (eller er ikke synligt for dette token).",
                409: "Forældet version: tilbuddet er ændret siden. `current_version` angiver den nuværende.",
                422: "Ugyldige data; `errors` angiver feltstier med danske beskeder.",
            }[code])(func)
        return func
    return decorator


def _can_see(token, offer: Offer) -> bool:
    if offer.visible:
        return True
    return token.role == "admin" or (token.role == "ngo_editor" and token.organisation_id == offer.organisation_id)


def _get_offer(offer_id: int) -> Offer | None:
    return db.session.get(Offer, offer_id)


def _not_found():
    return error_response(404, "Tilbuddet findes ikke.")


def _json_body() -> dict | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def _body_error():
    return invalid({"_schema": [BODY_NOT_JSON_OBJECT]})


def _clean_write_body(data: dict, *, keep_organisation: bool) -> dict:
    data = {k: v for k, v in data.items() if k not in _READ_ONLY}
    if not keep_organisation:
        data.pop("organisation", None)
    elif isinstance(data.get("organisation"), int) and not isinstance(data["organisation"], bool):
        data["organisation"] = str(data["organisation"])
    elif isinstance(data.get("organisation"), dict):  # the shape offer JSON gives
        ref = data["organisation"].get("external_id") or data["organisation"].get("id")
        data["organisation"] = str(ref) if ref is not None else None
    elements = data.get("elements")
    if isinstance(elements, dict):
        data["elements"] = {k: ({f: v for f, v in item.items() if f not in _ELEMENT_READ_ONLY}
                                if isinstance(item, dict) else item) for k, item in elements.items()}
    if isinstance(data.get("external_id"), str) and data["external_id"].startswith(UUID_PREFIX):
        data.pop("external_id")  # our own fallback reference, not a real external id
    return data


def _offer_response(offer: Offer, status: int = 200):
    response = jsonify(offer_json(offer))
    response.status_code = status
    response.headers["ETag"] = f'"{offer.version}"'
    return response


@blp.route("", methods=["GET"])
@blp.doc(summary="List tilbud", security=BEARER,
         description="Offentliggjorte tilbud fra verificerede organisationer, filtreret og sideopdelt. "
                     "Svaret er en konvolut `{items, page, per_page, total, pages}`; samme tal står i "
                     "headeren `X-Pagination`. " + READ_NOTE)
@blp.alt_response(200, schema=OfferPageSchema, description="En side med tilbud.", success=True)
@_errors_doc(401, 403, 422)
@token_required()
@blp.arguments(OfferListQuerySchema, location="query", as_kwargs=True)
def list_offers(**args):
    token = current_token()
    status = args.pop("status", None) or "published"
    only_verified = True
    if status != "published":
        own = token.role == "ngo_editor" and args.get("organisation_id") == token.organisation_id
        if token.role != "admin" and not own:
            return error_response(403, "Kun administratorer og organisationens egne redaktører kan se "
                                       "tilbud, der ikke er offentliggjort.")
        only_verified = False
        status = None if status == "all" else status
    try:
        page = queries.search_offers(
            db.session, municipality=args.get("municipality"), age=args.get("age"),
            formats=args.get("format"), free=args.get("free"), band=args.get("band"),
            organisation_id=args.get("organisation_id"), status=status, only_verified=only_verified,
            text=args.get("q"), page=args.get("page", 1), per_page=args.get("per_page", 20))
    except services.InvalidData as exc:
        rename = {"formats": "format", "text": "q"}
        return invalid({rename.get(k, k): v for k, v in exc.errors.items()})
    preload_organisations(db.session, page.items)
    meta = {"page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}
    response = jsonify({"items": [offer_json(o) for o in page.items], **meta})
    response.headers["X-Pagination"] = json.dumps(meta)
    return response


@blp.route("", methods=["POST"])
@blp.doc(summary="Opret et tilbud", security=BEARER,
         description="Opretter et tilbud (som kladde, medmindre `status` angives). En redaktør opretter altid "
                     "i sin egen organisation; en administrator skal angive `organisation` (id eller "
                     "external_id). " + WRITE_NOTE,
         requestBody={"required": True, "content": {"application/json": {"schema": OfferWriteSchema}}})
@blp.alt_response(201, schema=OfferOutSchema, description="Tilbuddet er oprettet.", success=True)
@_errors_doc(401, 403, 422)
@token_required("offers:write", roles=WRITE_ROLES)
def create_offer():
    token = current_token()
    data = _json_body()
    if data is None:
        return _body_error()
    data = _clean_write_body(data, keep_organisation=token.role == "admin")
    if token.role == "admin":
        ref = data.get("organisation")
        if ref in (None, ""):
            return invalid({"organisation": ["Angiv organisationens id eller external_id."]})
        org = services.find_organisation(db.session, str(ref)) if isinstance(ref, str) else None
        if org is None:
            return invalid({"organisation": ["Ukendt organisation."]})
    else:
        org = db.session.get(Organisation, token.organisation_id)
        if org is None:
            return error_response(403, "Tokenet hører ikke til en organisation.")
    data.pop("version", None)
    try:
        offer = services.create_offer(db.session, org, data, check_evidence=True)
        db.session.commit()
    except services.InvalidData as exc:
        db.session.rollback()
        return invalid(exc.errors)
    return _offer_response(offer, 201)


@blp.route("/<int:offer_id>", methods=["GET"])
@blp.doc(summary="Hent et tilbud", security=BEARER,
         description="Et tilbud med organisation, elementprofil (egne og reviewede niveauer) og version. "
                     "Ikke-offentliggjorte tilbud ses kun af administratorer og organisationens redaktører. "
                     + READ_NOTE)
@blp.alt_response(200, schema=OfferOutSchema, description="Tilbuddet.", success=True)
@_errors_doc(401, 404)
@token_required()
def get_offer(offer_id: int):
    offer = _get_offer(offer_id)
    if offer is None or not _can_see(current_token(), offer):
        return _not_found()
    return _offer_response(offer)


@blp.route("/external/<external_id>", methods=["GET"])
@blp.doc(summary="Hent et tilbud ud fra external_id", security=BEARER,
         description="Som GET /api/v1/offers/{id}, men ud fra udvekslingsformatets `external_id` "
                     "(også formen `civilmatch:<uuid>`). " + READ_NOTE)
@blp.alt_response(200, schema=OfferOutSchema, description="Tilbuddet.", success=True)
@_errors_doc(401, 404)
@token_required()
def get_offer_by_external_id(external_id: str):
    if external_id.startswith(UUID_PREFIX):
        offer = db.session.scalar(select(Offer).where(Offer.uuid == external_id[len(UUID_PREFIX):]))
    else:
        offer = db.session.scalar(select(Offer).where(Offer.external_id == external_id))
    if offer is None or not _can_see(current_token(), offer):
        return _not_found()
    return _offer_response(offer)


_IF_MATCH = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')


def _expected_version(data: dict):
    """The version the client builds on: body `version`, else the If-Match header. (value, error)."""
    value = data.get("version")
    if value is None:
        header = request.headers.get("If-Match")
        if header:
            m = _IF_MATCH.match(header)
            if not m:
                return None, {"version": ["If-Match skal være tilbuddets version, fx \"3\"."]}
            return int(m.group(1)), None
        return None, {"version": ["Skal udfyldes: angiv den version, ændringen bygger på (eller If-Match)."]}
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        return None, {"version": [NOT_INTEGER]}
    return int(value), None


def _update(offer_id: int, *, partial: bool):
    token = current_token()
    offer = _get_offer(offer_id)
    if offer is None or not _can_see(token, offer):
        return _not_found()
    if not token_can_edit_offer(token, offer):
        return error_response(403, "Du kan kun ændre din egen organisations tilbud.")
    data = _json_body()
    if data is None:
        return _body_error()
    expected, err = _expected_version(data)
    if err:
        return invalid(err)
    data = _clean_write_body(data, keep_organisation=False)
    data.pop("version", None)
    try:
        services.update_offer(db.session, offer, data, expected_version=expected, partial=partial,
                              check_evidence=True)
        db.session.commit()
    except services.VersionConflict as exc:
        db.session.rollback()
        return error_response(409, str(exc), current_version=exc.current_version)
    except services.InvalidData as exc:
        db.session.rollback()
        return invalid(exc.errors)
    return _offer_response(offer)


_UPDATE_DOC = dict(security=BEARER,
                   requestBody={"required": True, "content": {"application/json": {"schema": OfferWriteSchema}}})


@blp.route("/<int:offer_id>", methods=["PUT"])
@blp.doc(summary="Erstat et tilbud",
         description="Erstatter tilbuddets felter (alle påkrævede felter skal med). `version` i indholdet "
                     "eller If-Match-headeren skal være den nuværende; ellers 409, og intet ændres. "
                     + WRITE_NOTE, **_UPDATE_DOC)
@blp.alt_response(200, schema=OfferOutSchema, description="Tilbuddet efter ændringen.", success=True)
@_errors_doc(401, 403, 404, 409, 422)
@token_required("offers:write", roles=WRITE_ROLES)
def replace_offer(offer_id: int):
    return _update(offer_id, partial=False)


@blp.route("/<int:offer_id>", methods=["PATCH"])
@blp.doc(summary="Ret dele af et tilbud",
         description="Ændrer kun de angivne felter. `version` (eller If-Match) er påkrævet; en forældet "
                     "version giver 409, og intet ændres. " + WRITE_NOTE, **_UPDATE_DOC)
@blp.alt_response(200, schema=OfferOutSchema, description="Tilbuddet efter ændringen.", success=True)
@_errors_doc(401, 403, 404, 409, 422)
@token_required("offers:write", roles=WRITE_ROLES)
def patch_offer(offer_id: int):
    return _update(offer_id, partial=True)


@blp.route("/<int:offer_id>", methods=["DELETE"])
@blp.doc(summary="Slet et tilbud", security=BEARER,
         description="Sletter tilbuddet. " + WRITE_NOTE)
@blp.alt_response(204, description="Tilbuddet er slettet.", success=True)
@_errors_doc(401, 403, 404)
@token_required("offers:write", roles=WRITE_ROLES)
def delete_offer(offer_id: int):
    token = current_token()
    offer = _get_offer(offer_id)
    if offer is None or not _can_see(token, offer):
        return _not_found()
    if not token_can_edit_offer(token, offer):
        return error_response(403, "Du kan kun slette din egen organisations tilbud.")
    services.delete_offer(db.session, offer)
    db.session.commit()
    return "", 204
