"""POST /api/v1/plans/match: a municipal case system sends a family's plan (its goals), gets offers per goal and
one combined list where offers that serve several goals rank first.

Goal texts may describe a child: they are read only from the POST body, redacted before the matcher sees them,
never stored, never logged, never echoed (not in the answer, not in an error). The answer names goals by id."""
from __future__ import annotations

from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from catalog import matching
from catalog.schemas import DanishSchema, Int, List, Nested, Str, length
from matcher.plans import ALLOWED_THEMES, canonical_theme

from ..extensions import db, limiter
from ..http import rate_key
from ..matching import fresh_engine
from ..security import token_required
from .common import municipality_override, register_error_handlers, visible_offers_json
from .schemas import ApiErrorSchema, LeftOutSchema, OfferOutSchema

blp = Blueprint("api_plans", __name__, url_prefix="/api/v1/plans",
                description="Match en families plan (flere mål) med tilbud.")
register_error_handlers(blp)

RATE_LIMIT = "60/minute"
MAX_GOALS = 20
MAX_GOAL_TEXT = 5_000
DEPTH = 20  # hits fetched per goal for the combined list (an offer ranked 8th for one goal still counts)

THEME_ERROR = "Ukendt tema. Vælg blandt: " + ", ".join(ALLOWED_THEMES) + "."


def _valid_theme(value: str) -> None:
    if canonical_theme(value) is None:
        raise ValidationError(THEME_ERROR)  # the input is not repeated


class GoalSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    id = Str(allow_none=True, load_default=None, validate=length(1, 100),
             metadata={"description": "Målets id i det kommunale system; gentages i svaret."})
    text = Str(required=True, validate=length(1, MAX_GOAL_TEXT),
               metadata={"description": "Målet som tekst (højst 5.000 tegn). Gemmes, logges og gentages aldrig."})
    theme = Str(allow_none=True, load_default=None, validate=_valid_theme,
                metadata={"description": "Valgfrit tema (store/små bogstaver er ligegyldige): en overskrift i "
                                         "ICS-trekanten eller et område i den børnefaglige undersøgelse: "
                                         + ", ".join(ALLOWED_THEMES) + "."})


class PlanMatchRequestSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    municipality = Str(allow_none=True, load_default=None, validate=length(hi=100),
                       metadata={"description": "Familiens kommune (kanonisk navn eller almindelig stavemåde); "
                                                "gælder for alle mål."})
    child_ages = List(Int(validate=validate.Range(0, 25, error="Alder skal være mellem 0 og 25.")),
                      allow_none=True, load_default=None,
                      validate=validate.Length(max=20, error="Højst 20 aldre."),
                      metadata={"description": "Børnenes alder; gælder for alle mål."})
    goals = List(Nested(GoalSchema), required=True,
                 validate=validate.Length(1, MAX_GOALS, error=f"Planen skal have mellem 1 og {MAX_GOALS} mål."))
    limit = Int(load_default=5, validate=validate.Range(1, 20, error="Skal være mellem 1 og 20."),
                metadata={"description": "Antal tilbud pr. mål (1-20)."})
    combined_limit = Int(load_default=10, validate=validate.Range(1, 50, error="Skal være mellem 1 og 50."),
                         metadata={"description": "Antal tilbud i den samlede liste (1-50)."})

    @validates_schema
    def _unique_ids(self, data, **kwargs):
        seen: set[str] = set()
        errors: dict = {}
        for i, goal in enumerate(data.get("goals") or []):
            gid = goal_id(goal, i)
            if gid in seen:
                errors[i] = {"id": ["Id'et er brugt af et andet mål i planen."]}
            seen.add(gid)
        if errors:
            raise ValidationError({"goals": errors})


def goal_id(goal: dict, index: int) -> str:
    """The goal's own id, or its position in the plan (1, 2, ...) when the case system sent none."""
    return goal.get("id") or str(index + 1)


# --- response documentation -----------------------------------------------------------------------------

class PlanHitSchema(DanishSchema):
    offer = Nested(OfferOutSchema)
    score = fields.Float()
    reasons = List(Str())


class PlanGoalOutSchema(DanishSchema):
    id = Str(metadata={"description": "Målets id (eller dets nummer i planen, 1, 2, ...)."})
    theme = Str(allow_none=True, metadata={"description": "Temaet i kanonisk stavemåde."})
    understood = fields.Dict(metadata={"description": "Hvad der blev forstået af målet (uden selve ordene)."})
    redacted = List(Str(), metadata={"description": "Hvad der blev fjernet fra teksten, fx 'Et CPR-nummer blev "
                                                    "fjernet'."})
    results = List(Nested(PlanHitSchema))
    left_out = List(Nested(LeftOutSchema))


class CombinedHitSchema(DanishSchema):
    offer = Nested(OfferOutSchema)
    score = fields.Float(metadata={"description": "Summen af målenes normaliserede scorer (bedste pr. mål = 1)."})
    goals = List(Str(), metadata={"description": "De mål, tilbuddet passer til."})
    reasons = List(Str())


class PlanMatchResponseSchema(DanishSchema):
    goals = List(Nested(PlanGoalOutSchema))
    combined = List(Nested(CombinedHitSchema))
    left_out = List(Nested(LeftOutSchema))


def _understood(need, engine) -> dict:
    out = matching.understood(engine, need)
    out.pop("terms", None)  # the analysed words of the goal text: not echoed
    return out


@blp.route("/match", methods=["POST"])
@limiter.limit(RATE_LIMIT, key_func=rate_key)
@blp.doc(summary="Find tilbud til en families plan", security=[{"bearerAuth": []}],
         description="Hvert mål matches for sig med planens kommune og børnenes alder (kun tilbud, familien kan "
                     "bruge). Et tema giver et let skub mod tilbud om temaets emner. `combined` samler målene: "
                     "et tilbud, der passer til flere mål, står højere og siger hvilke ('Passer til mål g1 og "
                     "g3'). Målenes tekst renses for CPR-numre, telefonnumre, e-mails og navne, bruges kun til "
                     "matchningen og gemmes, logges og gentages aldrig; svaret nævner målene ved id. Kræver scope "
                     f"`match`. Højst {RATE_LIMIT.replace('/minute', ' pr. minut')} pr. token.")
@blp.alt_response(200, schema=PlanMatchResponseSchema, description="Tilbud pr. mål og samlet.", success=True)
@blp.alt_response(401, schema=ApiErrorSchema, description="Mangler, ugyldigt, udløbet eller tilbagekaldt token.")
@blp.alt_response(403, schema=ApiErrorSchema, description="Tokenet har ikke scope `match`.")
@blp.alt_response(422, schema=ApiErrorSchema, description="Ugyldige data; `errors` angiver feltstier, fx "
                                                       "`goals.2.theme`.")
@blp.alt_response(429, schema=ApiErrorSchema, description="For mange forespørgsler.")
@token_required("match")
@blp.arguments(PlanMatchRequestSchema)
def match_plan(args: dict):
    municipality, error = municipality_override(args.get("municipality"))
    if error is not None:
        return error
    limit = args["limit"]
    goals = [(goal_id(goal, i), goal["text"], goal.get("theme")) for i, goal in enumerate(args["goals"])]
    engine = fresh_engine()
    plan = matching.match_plan(
        db.session, engine, goals,
        overrides=matching.Overrides(municipality=municipality, child_ages=args.get("child_ages")),
        depth=max(limit, DEPTH), combined_limit=args["combined_limit"], load=visible_offers_json)
    del args, goals  # the goal texts are not needed any more
    return jsonify({
        "goals": [{"id": g.id, "theme": g.theme, "understood": _understood(g.match.need, engine), "redacted": g.redacted,
                   "results": [{"offer": r.offer, "score": round(r.score, 4), "reasons": r.reasons}
                               for r in g.match.results[:limit]],
                   "left_out": g.match.left_out} for g in plan.goals],
        "combined": [{"offer": offer, "score": c.score, "goals": c.goals, "reasons": c.reasons}
                     for offer, c in plan.combined],
        "left_out": plan.left_out})
