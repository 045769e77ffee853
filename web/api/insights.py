"""/api/v1/insights: the coverage map's numbers and per-offer referral counts, for municipal dashboards.
Cells below 5 are null (suppressed), exactly as on /indsigt."""
from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint

from catalog import outcomes
from catalog.models import Offer

from ..extensions import db
from ..insights import coverage_rows, parse_filters
from ..security import token_required
from .common import error_response, register_error_handlers

blp = Blueprint("api_insights", __name__, url_prefix="/api/v1/insights",
                description="Hvor mangler hjælpen? Søgninger uden tilbud pr. kommune og udfald af henvisninger. "
                            "Tal under 5 er null.")
register_error_handlers(blp)


@blp.route("/municipalities", methods=["GET"])
@blp.doc(security=[{"bearerAuth": []}], parameters=[
    {"in": "query", "name": "fra", "schema": {"type": "string", "format": "date"}},
    {"in": "query", "name": "til", "schema": {"type": "string", "format": "date"}},
    {"in": "query", "name": "tema", "schema": {"type": "string"}, "description": "Behovsnøgle (begreb)."}])
@token_required(roles=("caseworker", "admin"))
def municipalities():
    """Pr. kommune: søgninger, søgninger uden tilbud og andelen i perioden (standard: de sidste 91 dage)."""
    filters = parse_filters(request.args)
    if filters.errors:
        return error_response(422, "Data kunne ikke valideres.", filters.errors)
    rows = [{k: r[k] for k in ("municipality", "searches", "unmet", "share", "suppressed")}
            for r in coverage_rows(filters)]
    return jsonify({"from": filters.start.isoformat(), "to": filters.end.isoformat(), "theme": filters.theme,
                    "min_cell": outcomes.MIN_CELL, "municipalities": rows})


@blp.route("/offers/<int:offer_id>/referrals", methods=["GET"])
@blp.doc(security=[{"bearerAuth": []}])
@token_required()
def offer_referrals(offer_id: int):
    """Henvisninger og hvor mange der startede, først når der er mindst 5 henvisninger."""
    offer = db.session.get(Offer, offer_id)
    if offer is None or not offer.visible:
        return error_response(404, "Tilbuddet findes ikke.")
    return jsonify({"offer_id": offer.id, **outcomes.for_offer(db.session, offer.id).public()})
