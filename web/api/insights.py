"""/api/v1/insights: the coverage map's numbers and per-offer referral counts, for municipal dashboards.
Cells below 5 are null (suppressed), exactly as on /indsigt."""
from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from catalog import outcomes
from catalog.models import Offer

from catalog.messages import INVALID_DATA

from ..extensions import db
from ..coverage_view import coverage_rows, parse_filters
from ..matching import flush_coverage
from ..security import token_required
from .common import error_response, register_error_handlers
from .schemas import ApiErrorSchema


class CellSchema(Schema):
    municipality = fields.Str()
    searches = fields.Int(allow_none=True, metadata={"description": "null under 5 (vises ikke)."})
    unmet = fields.Int(allow_none=True, metadata={"description": "Søgninger, hvor mindst ét behov (eller det "
                                                                 "valgte behov) ikke fandt et tilbud; null under 5."})
    share = fields.Float(allow_none=True)
    suppressed = fields.Bool()


class CoverageSchema(Schema):
    from_ = fields.Str(data_key="from")
    to = fields.Str()
    theme = fields.Str(allow_none=True)
    min_cell = fields.Int()
    municipalities = fields.List(fields.Nested(CellSchema))


class ReferralsSchema(Schema):
    offer_id = fields.Int()
    referrals = fields.Int(allow_none=True, metadata={"description": "null under 5 henvisninger."})
    started = fields.Int(allow_none=True, metadata={"description": "null når færre end 5 er startet."})
    suppressed = fields.Bool()

blp = Blueprint("api_insights", __name__, url_prefix="/api/v1/insights",
                description="Hvor mangler hjælpen? Søgninger uden tilbud pr. kommune og udfald af henvisninger. "
                            "Tal under 5 er null.")
register_error_handlers(blp)


@blp.route("/municipalities", methods=["GET"])
@blp.doc(security=[{"bearerAuth": []}], parameters=[
    {"in": "query", "name": "fra", "schema": {"type": "string", "format": "date"}},
    {"in": "query", "name": "til", "schema": {"type": "string", "format": "date"}},
    {"in": "query", "name": "tema", "schema": {"type": "string"}, "description": "Behovsnøgle (begreb)."}])
@blp.alt_response(200, schema=CoverageSchema, description="Tal pr. kommune.", success=True)
@blp.alt_response(401, schema=ApiErrorSchema, description="Mangler eller ugyldigt token.")
@blp.alt_response(403, schema=ApiErrorSchema, description="Kun sagsbehandler- og administratortokens.")
@blp.alt_response(422, schema=ApiErrorSchema, description="Ugyldig periode eller behov; `errors` angiver feltet.")
@token_required(roles=("caseworker", "admin"))
def municipalities():
    """Pr. kommune: søgninger, søgninger uden tilbud og andelen i perioden (standard: de sidste 91 dage)."""
    flush_coverage(db.session)  # this process's pending coverage rows first
    filters = parse_filters(request.args)
    if filters.errors:
        return error_response(422, INVALID_DATA, filters.errors)
    rows = [{k: r[k] for k in ("municipality", "searches", "unmet", "share", "suppressed")}
            for r in coverage_rows(filters)]
    return jsonify({"from": filters.start.isoformat(), "to": filters.end.isoformat(), "theme": filters.theme,
                    "min_cell": outcomes.MIN_CELL, "municipalities": rows})


@blp.route("/offers/<int:offer_id>/referrals", methods=["GET"])
@blp.doc(security=[{"bearerAuth": []}])
@blp.alt_response(200, schema=ReferralsSchema, description="Henvisninger til tilbuddet.", success=True)
@blp.alt_response(401, schema=ApiErrorSchema, description="Mangler eller ugyldigt token.")
@blp.alt_response(404, schema=ApiErrorSchema, description="Tilbuddet findes ikke eller er ikke synligt.")
@token_required()
def offer_referrals(offer_id: int):
    """Henvisninger og hvor mange der startede, først når der er mindst 5 henvisninger."""
    offer = db.session.get(Offer, offer_id)
    if offer is None or not offer.visible:
        return error_response(404, "Tilbuddet findes ikke.")
    return jsonify({"offer_id": offer.id, **outcomes.for_offer(db.session, offer.id).public()})
