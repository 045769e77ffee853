"""POST /api/v1/plans/match: a municipal case system sends a family's plan (its goals), gets offers per goal and
one combined list where offers that serve several goals rank first.

Goal texts may describe a child: they are read only from the POST body, redacted before the matcher sees them,
never stored, never logged, never echoed (not in the answer, not in an error). The answer names goals by id."""
from __future__ import annotations

from flask import jsonify
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, ValidationError, fields, validate, validates_schema

from catalog.conversations import public_understood, scrub_need
from catalog.redaction import redact
from catalog.schemas import DanishSchema, Int, List, Nested, Str, _length
from matcher.plans import ALLOWED_THEMES, apply_theme, canonical_theme, combine, merge_left_out

from ..extensions import db, limiter
from ..matching import match_index
from ..security import token_required
from .common import municipality_override, load_offers, offer_json, register_error_handlers
from .match import _rate_key
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

    id = Str(allow_none=True, load_default=None, validate=_length(1, 100),
             metadata={"description": "Målets id i det kommunale system; gentages i svaret."})
    text = Str(required=True, validate=_length(1, MAX_GOAL_TEXT),
               metadata={"description": "Målet som tekst (højst 5.000 tegn). Gemmes, logges og gentages aldrig."})
    theme = Str(allow_none=True, load_default=None, validate=_valid_theme,
                metadata={"description": "Valgfrit tema (store/små bogstaver er ligegyldige): en overskrift i "
                                         "ICS-trekanten eller et område i den børnefaglige undersøgelse: "
                                         + ", ".join(ALLOWED_THEMES) + "."})


class PlanMatchRequestSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    municipality = Str(allow_none=True, load_default=None, validate=_length(hi=100),
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
    out = public_understood(need, engine.known_word, engine.known_term)
    out.pop("terms", None)  # the analysed words of the goal text: not echoed
    return out


@blp.route("/match", methods=["POST"])
@limiter.limit(RATE_LIMIT, key_func=_rate_key)
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
    ages = args.get("child_ages")
    limit = args["limit"]

    engine = match_index().fresh(db.session)
    goals_out, per_goal_hits, per_goal_left_out = [], [], []
    for i, goal in enumerate(args["goals"]):
        redaction = redact(goal["text"])  # only to tell what the answer will not repeat
        need = engine.understand(goal["text"])  # the raw text, in memory: redaction costs no age or need
        scrub_need(need, engine.known_word)  # reasons quote only the service's own words
        if municipality is not None:
            need.municipality = municipality or None
            need.municipality_source = "angivet" if municipality else None
        if ages is not None:
            need.child_ages = [int(a) for a in ages]
        theme = canonical_theme(goal["theme"]) if goal.get("theme") else None
        apply_theme(need, theme)
        result = engine.search(need, limit=max(limit, DEPTH))
        gid = goal_id(goal, i)
        per_goal_hits.append((gid, result.results))
        per_goal_left_out.append(result.left_out)
        goals_out.append({"id": gid, "theme": theme, "understood": _understood(need, engine),
                          "redacted": redaction.messages(), "hits": result.results[:limit],
                          "left_out": [dict(x) for x in result.left_out]})
    combined_limit = args["combined_limit"]
    del args  # the goal texts are not needed any more

    combined = combine(per_goal_hits, limit=combined_limit + 10)  # a few spare for offers hidden meanwhile
    offers = load_offers(db.session, [c.offer_id for c in combined]
                         + [h.offer_id for g in goals_out for h in g["hits"]])
    shown = {oid: offer_json(o) for oid, o in offers.items() if o.visible}  # hidden since the index looked

    for g in goals_out:
        g["results"] = [{"offer": shown[h.offer_id], "score": round(float(h.score), 4), "reasons": list(h.reasons)}
                        for h in g.pop("hits") if h.offer_id in shown]
    combined_out = [{"offer": shown[c.offer_id], "score": c.score, "goals": c.goals, "reasons": c.reasons}
                    for c in combined if c.offer_id in shown]
    return jsonify({"goals": goals_out, "combined": combined_out[:combined_limit],
                    "left_out": merge_left_out(per_goal_left_out)})

