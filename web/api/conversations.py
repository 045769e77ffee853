"""/api/v1/conversations: the caseworker's chat for municipal systems (scope `conversations`).

Only the token that started a conversation can read or change it; anyone else gets 404. A message is
understood in memory and then forgotten: the conversation keeps what was understood, never the text; notes are
redacted. Conversations expire after the retention period (then 404) and `DELETE` erases one at once. The need
text travels only in POST bodies and is never logged, stored or echoed.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, ValidationError, fields, post_load

from catalog import conversations as conv_service
from catalog.matching import area_override
from catalog.messages import INVALID_DATA
from catalog.municipalities import UnknownMunicipality
from catalog.schemas import DanishSchema, Int, Str, errors_to_paths, length as _length

from .. import conversation as service
from ..extensions import db, limiter
from ..security import current_token, token_required
from .common import error_response, register_error_handlers
from ..http import rate_key as _rate_key
from .schemas import ApiErrorSchema

blp = Blueprint("api_conversations", __name__, url_prefix="/api/v1/conversations",
                description="Samtaler: find tilbud til en familie trin for trin, og saml en liste til planen.")
register_error_handlers(blp)

RATE_LIMIT = "120/minute"
NOT_FOUND = "Samtalen findes ikke (eller er udløbet)."


class CreateSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    home_municipality = Str(allow_none=True, load_default=None, validate=_length(hi=100),
                            metadata={"description": "Valgfri hjemkommune: bruges, når teksten ikke nævner en."})

    @post_load
    def _canonical_home(self, data, **kwargs):
        """A blank or nationwide home is no home; an unknown name is an error that suggests the nearest."""
        try:
            home = area_override(data.get("home_municipality"))
        except UnknownMunicipality as exc:
            raise ValidationError({"home_municipality": [str(exc)]}) from exc
        return {**data, "home_municipality": home or None}


class MessageSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    text = Str(required=True, validate=_length(1, service.MAX_MESSAGE),
               metadata={"description": "Beskeden (højst 4.000 tegn). Teksten gemmes ikke: kun det forståede."})


class ShortlistSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    offer_id = Int(required=True)
    need = Str(load_default="", validate=_length(hi=conv_service.NEED_MAX),
               metadata={"description": "Behovet i planen, som tilbuddet er valgt til."})
    note = Str(load_default="", validate=_length(hi=conv_service.NOTE_MAX),
               metadata={"description": "Sagsbehandlerens note til planen, højst 500 tegn. Navne, CPR-numre, "
                                        "telefonnumre, e-mails og adresser fjernes, før noten gemmes; "
                                        "`note_removed` i svaret siger hvad."})


class ShortlistDeleteSchema(DanishSchema):
    class Meta:
        unknown = EXCLUDE

    offer_id = Int(required=True)


class CreatedSchema(DanishSchema):
    id = Str()
    expires_at = Str()


class ReplySchema(DanishSchema):
    reply = Str()
    understood = fields.Dict()
    results = fields.List(fields.Dict())
    question = fields.Dict(allow_none=True)
    changes = fields.List(Str())
    removed = fields.List(Str())


def _own(conversation_id: str):
    token = current_token()
    conv = conv_service.get_conversation(db.session, conversation_id, token_id=token.id)
    if conv is None:
        db.session.commit()  # an expired conversation is deleted on access
    return conv


def _not_found():
    return error_response(404, NOT_FOUND)


@blp.route("", methods=["POST"])
@limiter.limit(RATE_LIMIT, key_func=_rate_key)
@blp.doc(summary="Start en samtale", security=[{"bearerAuth": []}],
         description="Giver samtalens id (UUID). Kræver scope `conversations`.")
@blp.alt_response(201, schema=CreatedSchema, description="Samtalen er oprettet.", success=True)
@blp.alt_response(401, schema=ApiErrorSchema, description="Mangler eller ugyldigt token.")
@blp.alt_response(403, schema=ApiErrorSchema, description="Tokenet har ikke scope `conversations`.")
@blp.alt_response(422, schema=ApiErrorSchema, description="Ugyldige data; `errors` angiver feltstier.")
@token_required("conversations")
@blp.arguments(CreateSchema, required=False)
def create(args: dict):
    home = args.get("home_municipality")
    conv = service.start(token_id=current_token().id, home=home)
    db.session.commit()
    return jsonify({"id": conv.id, "expires_at": conv.expires_at.isoformat()}), 201


@blp.route("/<conversation_id>", methods=["GET"])
@blp.doc(summary="Læs en samtale", security=[{"bearerAuth": []}],
         description="Historikken som det forståede (aldrig de skrevne beskeder), hvad der er forstået, og listen "
                     "til planen.")
@blp.alt_response(200, description="Samtalen: id, beskeder, forstået, listen.", success=True)
@blp.alt_response(404, schema=ApiErrorSchema, description="Samtalen findes ikke, er udløbet eller er en andens.")
@token_required("conversations")
def read(conversation_id: str):
    conv = _own(conversation_id)
    if conv is None:
        return _not_found()
    return jsonify(service.conversation_json(conv))


@blp.route("/<conversation_id>", methods=["DELETE"])
@blp.doc(summary="Slet en samtale med det samme", security=[{"bearerAuth": []}])
@blp.alt_response(204, description="Slettet.", success=True)
@blp.alt_response(404, schema=ApiErrorSchema, description="Samtalen findes ikke, er udløbet eller er en andens.")
@token_required("conversations")
def erase(conversation_id: str):
    conv = _own(conversation_id)
    if conv is None:
        return _not_found()
    conv_service.delete_conversation(db.session, conv)
    db.session.commit()
    return "", 204


@blp.route("/<conversation_id>/messages", methods=["POST"])
@limiter.limit(RATE_LIMIT, key_func=_rate_key)
@blp.doc(summary="Send en besked", security=[{"bearerAuth": []}],
         description="Den første besked beskriver familien; de næste retter søgningen (»kun gratis«, »ikke online«, "
                     "»også noget til storebror på 12«, »vis flere«, »hvad med i Skanderborg?«, »glem det med "
                     "økonomien«, »start forfra«). Svaret siger, hvad der blev forstået og ændret, giver de bedste "
                     "tilbud og højst ét opklarende spørgsmål med hurtigsvar (`question.options[].message` kan "
                     "sendes som næste besked).")
@blp.alt_response(200, schema=ReplySchema, description="Svaret.", success=True)
@blp.alt_response(404, schema=ApiErrorSchema, description="Samtalen findes ikke, er udløbet eller er en andens.")
@blp.alt_response(422, schema=ApiErrorSchema, description="Ugyldige data; `errors` angiver feltstier.")
@token_required("conversations")
@blp.arguments(MessageSchema)
def message(args: dict, conversation_id: str):
    conv = _own(conversation_id)
    if conv is None:
        return _not_found()
    state = conv_service.ConversationState.load(conv)
    chat = service.send(conv, args["text"], home=state.home, state=state)
    db.session.commit()
    return jsonify(service.reply_json(chat))


@blp.route("/<conversation_id>/shortlist", methods=["POST"])
@blp.doc(summary="Føj et tilbud til listen til planen", security=[{"bearerAuth": []}])
@blp.alt_response(201, description="Listen, grupperet efter behov.", success=True)
@blp.alt_response(404, schema=ApiErrorSchema, description="Samtalen findes ikke, er udløbet eller er en andens.")
@blp.alt_response(422, schema=ApiErrorSchema, description="Ugyldige data; `errors` angiver feltstier.")
@token_required("conversations")
@blp.arguments(ShortlistSchema)
def shortlist_add(args: dict, conversation_id: str):
    conv = _own(conversation_id)
    if conv is None:
        return _not_found()
    offer_id = args["offer_id"]
    state = conv_service.ConversationState.load(conv)
    need = args.get("need") or service.default_need(state, offer_id)
    _, removed = conv_service.clean_note(args.get("note") or "")
    try:
        conv_service.add_to_shortlist(db.session, conv, offer_id, need=need, note=args.get("note") or "",
                                      reasons=service.reasons_for(state, offer_id), state=state)
    except conv_service.ShortlistError as exc:
        db.session.rollback()
        return error_response(422, INVALID_DATA, exc.errors)
    db.session.commit()
    return jsonify({"shortlist": service.shortlist_json(conv), "note_removed": removed}), 201


@blp.route("/<conversation_id>/shortlist", methods=["DELETE"])
@blp.doc(summary="Fjern et tilbud fra listen", security=[{"bearerAuth": []}],
         description="`offer_id` i JSON-indholdet eller som parameter (`?offer_id=17`).")
@blp.alt_response(200, description="Listen efter ændringen.", success=True)
@blp.alt_response(404, schema=ApiErrorSchema, description="Samtalen eller tilbuddet på listen findes ikke.")
@token_required("conversations")
def shortlist_remove(conversation_id: str):
    conv = _own(conversation_id)
    if conv is None:
        return _not_found()
    payload = request.get_json(silent=True) if request.data else None
    if not isinstance(payload, dict) or payload.get("offer_id") is None:
        payload = {"offer_id": request.args.get("offer_id")}
    try:
        offer_id = ShortlistDeleteSchema().load(payload)["offer_id"]
    except ValidationError as exc:
        return error_response(422, INVALID_DATA, errors_to_paths(exc.messages))
    if not conv_service.remove_from_shortlist(db.session, conv, offer_id):
        return error_response(404, "Tilbuddet er ikke på listen.")
    db.session.commit()
    return jsonify({"shortlist": service.shortlist_json(conv)})


@blp.route("/<conversation_id>/plan", methods=["GET"])
@blp.doc(summary="Listen som plan til det kommunale sagssystem", security=[{"bearerAuth": []}],
         description="Behov, valgte tilbud, hvorfor, kontaktoplysninger og dato; ingen oplysninger om familien "
                     "ud over sagsbehandlerens noter (uden personoplysninger).")
@blp.alt_response(200, description="Planen.", success=True)
@blp.alt_response(404, schema=ApiErrorSchema, description="Samtalen findes ikke, er udløbet eller er en andens.")
@token_required("conversations")
def plan(conversation_id: str):
    conv = _own(conversation_id)
    if conv is None:
        return _not_found()
    return jsonify(conv_service.export_plan(conv))
