"""POST /api/v1/match: a caseworker's need text in, ranked eligible offers with reasons out.

The need text describes a family: it is only ever read from the POST body, never logged, never echoed in an
error and never stored here."""
from __future__ import annotations

import os

from flask import current_app
from flask_smorest import Blueprint

from catalog.matching import Overrides, match_offers, understood

from ..extensions import db, limiter
from ..http import rate_key
from ..matching import coverage_recorder, fresh_engine
from ..security import token_required
from .common import (json_response, json_text, municipality_override, offer_json_cache, register_error_handlers,
                     visible_offers_json)
from .schemas import ApiErrorSchema, MatchRequestSchema, MatchResponseSchema

blp = Blueprint("api_match", __name__, url_prefix="/api/v1",
                description="Match en behovsbeskrivelse med tilbud.")
register_error_handlers(blp)

DEFAULT_RATE_LIMIT = "600/minute"


def rate_limit() -> str:
    """Per token; app config API_MATCH_RATE_LIMIT or env CIVILMATCH_API_MATCH_RATE_LIMIT overrides."""
    return (current_app.config.get("API_MATCH_RATE_LIMIT") or os.environ.get("CIVILMATCH_API_MATCH_RATE_LIMIT")
            or DEFAULT_RATE_LIMIT)


@blp.route("/match", methods=["POST"])
@limiter.limit(rate_limit, key_func=rate_key)
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
@blp.arguments(MatchRequestSchema())  # one instance: webargs would build the schema per request
def match(args: dict):
    municipality, error = municipality_override(args.get("municipality"))
    if error is not None:
        return error

    limit, offset = args["limit"], args["offset"]
    engine = fresh_engine()
    found = match_offers(db.session, engine, args["text"],
                         overrides=Overrides(municipality, args.get("child_ages"), args.get("formats")),
                         limit=limit, offset=offset, load=visible_offers_json, record=coverage_recorder())
    # The offers' JSON text is kept with their cached JSON: only the rest of the answer is encoded here.
    cache = offer_json_cache()
    results = ",".join(f'{{"offer":{cache.text(r.offer_id, r.offer)},"reasons":{json_text(r.reasons)},'
                       f'"score":{json_text(round(r.score, 4))}}}' for r in found.results)
    return json_response({"understood": understood(engine, found.need), "left_out": found.left_out,
                          "total_eligible": found.total_eligible, "limit": limit, "offset": offset},
                         {"results": f"[{results}]"})
