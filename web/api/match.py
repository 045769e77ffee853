"""POST /api/v1/match: a caseworker's need text in, ranked eligible offers with reasons out.

The need text describes a family: it is only ever read from the POST body, never logged, never echoed in an
error and never stored here."""
from __future__ import annotations

import hashlib
import os

from flask import current_app, jsonify, request
from flask_smorest import Blueprint

from catalog.conversations import public_understood, scrub_need

from ..extensions import db, limiter
from ..matching import match_index
from ..security import token_required
from .common import municipality_override, offers_json, register_error_handlers
from .schemas import ApiErrorSchema, MatchRequestSchema, MatchResponseSchema

blp = Blueprint("api_match", __name__, url_prefix="/api/v1",
                description="Match en behovsbeskrivelse med tilbud.")
register_error_handlers(blp)

DEFAULT_RATE_LIMIT = "600/minute"


def rate_limit() -> str:
    """Per token; app config API_MATCH_RATE_LIMIT or env CIVILMATCH_API_MATCH_RATE_LIMIT overrides."""
    return (current_app.config.get("API_MATCH_RATE_LIMIT") or os.environ.get("CIVILMATCH_API_MATCH_RATE_LIMIT")
            or DEFAULT_RATE_LIMIT)


def _rate_key() -> str:
    """Per token (a hash of the bearer string, never the token itself); per address without one."""
    header = request.headers.get("Authorization", "")
    if header:
        return "tok:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "-")


@blp.route("/match", methods=["POST"])
@limiter.limit(rate_limit, key_func=_rate_key)
@blp.doc(summary="Find tilbud til en familie", security=[{"bearerAuth": []}],
         description="Læser behovsbeskrivelsen (kommune, børnenes alder, ønsket form, temaer), vælger kun "
                     "tilbud familien kan bruge (kommune/hele landet, alder) og rangerer dem. Hvert resultat har "
                     "en score og danske begrundelser; `left_out` fortæller, hvad der blev sorteret fra og "
                     "hvorfor. `municipality`, `child_ages` og `formats` overstyrer det, der læses ud af "
                     "teksten. Teksten logges aldrig og gentages aldrig i fejlbeskeder. Kræver scope `match`. "
                     "Begrænset pr. token (standard 600 pr. minut); derefter svarer API'et 429.")
@blp.alt_response(200, schema=MatchResponseSchema, description="Rangerede tilbud.", success=True)
@blp.alt_response(401, schema=ApiErrorSchema, description="Mangler, ugyldigt, udløbet eller tilbagekaldt token.")
@blp.alt_response(403, schema=ApiErrorSchema, description="Tokenet har ikke scope `match`.")
@blp.alt_response(422, schema=ApiErrorSchema, description="Ugyldige data; `errors` angiver feltstier.")
@blp.alt_response(429, schema=ApiErrorSchema, description="For mange forespørgsler.")
@token_required("match")
@blp.arguments(MatchRequestSchema)
def match(args: dict):
    municipality, error = municipality_override(args.get("municipality"))
    if error is not None:
        return error

    engine = match_index().fresh(db.session)
    limit, offset = args["limit"], args["offset"]
    need = engine.understand(args["text"])
    scrub_need(need, engine.known_word)  # reasons quote only the service's own words (never a name)
    if municipality is not None:
        need.municipality = municipality or None
        need.municipality_source = "angivet" if municipality else None
    if args.get("child_ages") is not None:
        need.child_ages = [int(a) for a in args["child_ages"]]
    if args.get("formats") is not None:
        need.formats = list(args["formats"])
        need.excluded_formats = [f for f in need.excluded_formats if f not in need.formats]
    result = engine.search(need, limit=limit, offset=offset)

    offers = offers_json(db.session, [hit.offer_id for hit in result.results])
    results = []
    for hit in result.results:
        offer = offers.get(hit.offer_id)
        if offer is None or not offer["visible"]:  # deleted/hidden since the index last looked
            continue
        results.append({"offer": offer, "score": round(float(hit.score), 4), "reasons": list(hit.reasons)})
    understood = public_understood(result.need, engine.known_word, engine.known_term)  # no word outside the vocabulary
    return jsonify({"understood": understood, "results": results,
                    "left_out": [dict(x) for x in result.left_out],
                    "total_eligible": int(getattr(result, "total_eligible", len(results))),
                    "limit": limit, "offset": offset})
