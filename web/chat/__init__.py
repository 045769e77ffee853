"""The caseworker's conversation: /chat (Danish pages that work without JavaScript; chat.js enhances them).

Every form is a POST followed by a redirect (reload is safe); the need text only travels in POST bodies.
Conversation ids are UUIDs; a conversation belongs to the user who started it (anyone else: 404).
"""
from __future__ import annotations

import json

from flask import (Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user

from sqlalchemy import select

from catalog import conversations as conv_service
from catalog.db import utcnow
from catalog.messages import INVALID_DATA
from catalog.models import Conversation, Offer
from catalog.redaction import redact
from matcher import dialogue
from matcher.rank import is_free
from matcher.reasons import ineligible

from ..extensions import db
from ..http import error_response
from ..security import roles_required
from .. import conversation as service

bp = Blueprint("chat", __name__, url_prefix="/chat")

ROLES = ("caseworker", "admin")
SESSION_KEY = "chat_conversation"
RECENT = 8  # how many of the caseworker's families "Seneste familier" lists


def _own(conversation_id: str):
    conv = conv_service.get_conversation(db.session, conversation_id, user_id=current_user.id)
    if conv is None:
        db.session.commit()  # an expired conversation was deleted on access
        if session.get(SESSION_KEY) == conversation_id:
            session.pop(SESSION_KEY, None)
        abort(404)
    return conv


def _home() -> str | None:
    return current_user.home_municipality or None


def chip_label(chip: dict) -> str:
    """A chip of what was understood, in the UI language (the dialogue writes them in Danish)."""
    kind, _sep, value = chip["key"].partition(":")
    label = chip["label"]
    if kind == "concept":
        text = _("Behov: %(need)s", need=_(chip["value"]))
        return text + (" " + _("(vigtigst)") if label.endswith("(vigtigst)") else "")
    if kind == "municipality":
        text = _("Kommune: %(name)s", name=chip["value"])
        return text + (" " + _("(din hjemkommune)") if label.endswith("(din hjemkommune)") else "")
    if kind == "age":
        return _("Barn: under 1 år") if value == "0" else _("Barn: %(n)s år", n=value)
    if kind == "free":
        return _("Kun gratis")
    prefix = label[: len(label) - len(value)].strip() if label.endswith(value) else None
    if kind in ("format", "excluded", "language") and prefix:
        return _(prefix + " %(what)s", what=_(value))
    return _(label)


def _recent(current=None) -> list[dict]:
    """The caseworker's live conversations, newest first, each labelled by its needs (never by a name)."""
    rows = db.session.scalars(
        select(Conversation).where(Conversation.owner_user_id == current_user.id,
                                   Conversation.expires_at > utcnow())
        .order_by(Conversation.updated_at.desc(), Conversation.created_at.desc()).limit(RECENT)).all()
    out = []
    for conv in rows:
        state = dialogue.clean_state(conv_service.search_state(conv))
        needs = [c["label"] for c in state["concepts"]]
        ages = state["child_ages"]
        label = ", ".join(_(n) for n in needs[:3]) or _("Familie uden behov endnu")
        detail = []
        if ages:
            years = ", ".join(_("%(n)s år", n=a) for a in ages)
            detail.append(_("barn %(ages)s", ages=years) if len(ages) == 1
                          else _("børn %(ages)s", ages=years))
        if state["municipality"]:
            detail.append(state["municipality"])
        chosen = len(conv.shortlist)
        if chosen:
            detail.append(_("%(n)s tilbud på listen", n=chosen))
        out.append({"id": conv.id, "label": label, "detail": " · ".join(detail),
                    "current": current is not None and conv.id == current.id})
    return out


def _page(conv=None, *, errors=None, typed="", status=200):
    data, results = service.latest_results(conv) if conv is not None else (None, [])
    state = conv_service.search_state(conv) if conv is not None else dialogue.empty_state(_home())
    if conv is None:
        state = dialogue.empty_state(_home())
    return render_template(
        "chat/index.html", conv=conv, data=data or {}, results=results, errors=errors or {}, typed=typed,
        chips=dialogue.chips(state), groups=conv_service.shortlist_groups(conv) if conv is not None else [],
        need_labels=service.need_labels(conv) if conv is not None else [],
        default_need=lambda offer_id: service.default_need(conv, offer_id),
        shortlisted={i.offer_id for i in conv.shortlist} if conv is not None else set(),
        page_size=dialogue.PAGE_SIZE, home=_home(), recent=_recent(conv), chip_label=chip_label,
    ), status


def _fragment(conv) -> dict:
    """The JSON answer for chat.js: the API-shaped reply plus the re-rendered regions."""
    data, results = service.latest_results(conv)
    state = conv_service.search_state(conv)
    ctx = dict(conv=conv, data=data or {}, results=results, chips=dialogue.chips(state),
               need_labels=service.need_labels(conv),
               default_need=lambda offer_id: service.default_need(conv, offer_id),
               shortlisted={i.offer_id for i in conv.shortlist}, page_size=dialogue.PAGE_SIZE,
               groups=conv_service.shortlist_groups(conv), home=_home(), chip_label=chip_label)
    body = service.reply_json(conv)
    body["html"] = render_template("chat/_main.html", **ctx)
    body["side_html"] = render_template("chat/_side.html", **ctx, recent=_recent(conv))
    body["announce"] = body["reply"] + (" Spørgsmål: " + body["question"]["text"] if body["question"] else "")
    body["post_url"] = url_for("chat.send", conversation_id=conv.id)
    body["json_url"] = url_for("chat.send_json", conversation_id=conv.id)
    body["url"] = url_for("chat.show", conversation_id=conv.id)
    return body


def _json_error(message: str, status: int = 422):
    return error_response(status, INVALID_DATA, {"text": [message]})


def _text_from_request() -> str:
    if request.is_json:
        payload = request.get_json(silent=True)
        return payload.get("text", "") if isinstance(payload, dict) else ""
    return request.form.get("text", "")


# --- pages ------------------------------------------------------------------------------------------------

@bp.get("/")
@roles_required(*ROLES)
def index():
    # One family, one conversation: the start page (front page, menu, "Ny familie") always begins a new one;
    # earlier families stay reachable under "Seneste familier".
    session.pop(SESSION_KEY, None)
    return _page(None)


@bp.post("/")
@roles_required(*ROLES)
def start():
    text = request.form.get("text", "")
    error = service.validate_message(text)
    if error:
        return _page(None, errors={"text": error}, typed=redact(text[:service.MAX_MESSAGE]).text, status=422)
    conv = service.start(user_id=current_user.id, home=_home())
    service.send(conv, text, home=_home())
    db.session.commit()
    session[SESSION_KEY] = conv.id
    return redirect(url_for("chat.show", conversation_id=conv.id, _anchor="svar"), 303)


@bp.post("/json")
@roles_required(*ROLES)
def start_json():
    text = _text_from_request()
    error = service.validate_message(text)
    if error:
        return _json_error(error)
    conv = service.start(user_id=current_user.id, home=_home())
    service.send(conv, text, home=_home())
    db.session.commit()
    session[SESSION_KEY] = conv.id
    return jsonify(_fragment(conv)), 201


@bp.post("/ny")
@roles_required(*ROLES)
def new():
    session.pop(SESSION_KEY, None)
    return redirect(url_for("chat.index"), 303)


@bp.get("/<conversation_id>")
@roles_required(*ROLES)
def show(conversation_id: str):
    conv = _own(conversation_id)
    session[SESSION_KEY] = conv.id
    return _page(conv)


@bp.post("/<conversation_id>")
@roles_required(*ROLES)
def send(conversation_id: str):
    conv = _own(conversation_id)
    text = request.form.get("text", "")
    error = service.validate_message(text)
    if error:
        return _page(conv, errors={"text": error}, typed=redact(text[:service.MAX_MESSAGE]).text, status=422)
    service.send(conv, text, home=_home())
    db.session.commit()
    return redirect(url_for("chat.show", conversation_id=conv.id, _anchor="svar"), 303)


@bp.post("/<conversation_id>/json")
@roles_required(*ROLES)
def send_json(conversation_id: str):
    conv = _own(conversation_id)
    text = _text_from_request()
    error = service.validate_message(text)
    if error:
        return _json_error(error)
    service.send(conv, text, home=_home())
    db.session.commit()
    return jsonify(_fragment(conv))


@bp.post("/<conversation_id>/fjern")
@roles_required(*ROLES)
def remove_chip(conversation_id: str):
    conv = _own(conversation_id)
    service.remove(conv, request.form.get("item", "")[:100], home=_home())
    db.session.commit()
    return redirect(url_for("chat.show", conversation_id=conv.id, _anchor="svar"), 303)


@bp.post("/<conversation_id>/fjern/json")
@roles_required(*ROLES)
def remove_chip_json(conversation_id: str):
    conv = _own(conversation_id)
    service.remove(conv, request.form.get("item", "")[:100], home=_home())
    db.session.commit()
    return jsonify(_fragment(conv))


@bp.post("/<conversation_id>/slet")
@roles_required(*ROLES)
def delete(conversation_id: str):
    conv = _own(conversation_id)
    conv_service.delete_conversation(db.session, conv)
    db.session.commit()
    session.pop(SESSION_KEY, None)
    flash(_("Samtalen er slettet."), "success")
    return redirect(url_for("chat.index"), 303)


# --- the shortlist ------------------------------------------------------------------------------------------

def _offer_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _hidden_by_conditions(conv, offer_id: int | None) -> bool:
    """True when the search's conditions (free only, ...) hide the offer: it cannot go on the plan either."""
    offer = db.session.get(Offer, offer_id) if offer_id is not None else None
    if offer is None:
        return False
    need = dialogue.need_from_state(conv_service.search_state(conv))
    return ineligible(need, {"formats": list(offer.formats or [])}, free=is_free(offer.cost)) is not None


@bp.post("/<conversation_id>/liste")
@roles_required(*ROLES)
def shortlist_add(conversation_id: str):
    conv = _own(conversation_id)
    offer_id = _offer_id(request.form.get("offer_id"))
    need = request.form.get("need", "")
    if _hidden_by_conditions(conv, offer_id):
        flash(_("Tilbuddet passer ikke til søgningens betingelser (fx kun gratis) "
                "og kan ikke komme på listen."), "error")
        return redirect(url_for("chat.show", conversation_id=conversation_id, _anchor="liste"), 303)
    if need not in service.need_labels(conv):  # the page offers the understood needs; nothing typed freely
        need = service.default_need(conv, offer_id)
    try:
        conv_service.add_to_shortlist(db.session, conv, offer_id, need=need, note=request.form.get("note", ""),
                                      reasons=service.reasons_for(conv, offer_id) if offer_id else None)
    except conv_service.ShortlistError as exc:
        db.session.rollback()
        flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "error")
        return redirect(url_for("chat.show", conversation_id=conversation_id, _anchor="liste"), 303)
    db.session.commit()
    flash(_("Tilbuddet er føjet til listen."), "success")
    return redirect(url_for("chat.show", conversation_id=conv.id, _anchor="liste"), 303)


@bp.post("/<conversation_id>/liste/<int:offer_id>/fjern")
@roles_required(*ROLES)
def shortlist_remove(conversation_id: str, offer_id: int):
    conv = _own(conversation_id)
    if conv_service.remove_from_shortlist(db.session, conv, offer_id):
        flash(_("Tilbuddet er fjernet fra listen."), "success")
    db.session.commit()
    return redirect(url_for("chat.show", conversation_id=conv.id, _anchor="liste"), 303)


@bp.post("/<conversation_id>/liste/<int:offer_id>/note")
@roles_required(*ROLES)
def shortlist_note(conversation_id: str, offer_id: int):
    conv = _own(conversation_id)
    try:
        item = conv_service.set_note(db.session, conv, offer_id, request.form.get("note", ""))
    except conv_service.ShortlistError as exc:
        db.session.rollback()
        flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "error")
        return redirect(url_for("chat.show", conversation_id=conversation_id, _anchor="liste"), 303)
    db.session.commit()
    if item is not None:
        flash(_("Noten er gemt."), "success")
    return redirect(url_for("chat.show", conversation_id=conv.id, _anchor="liste"), 303)


@bp.get("/<conversation_id>/print")
@roles_required(*ROLES)
def print_view(conversation_id: str):
    conv = _own(conversation_id)
    return render_template("chat/print.html", conv=conv, groups=conv_service.shortlist_groups(conv),
                           reasons=lambda item: conv_service.item_reasons(conv, item), today=utcnow())


@bp.get("/<conversation_id>/plan.json")
@roles_required(*ROLES)
def export(conversation_id: str):
    conv = _own(conversation_id)
    body = json.dumps(conv_service.export_plan(conv), ensure_ascii=False, indent=1)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="plan-{utcnow():%Y-%m-%d}.json"',
                             "Cache-Control": "no-store"})


@bp.after_request
def _no_store(response):
    # Pages with a family's situation are not cached by the browser or proxies.
    response.headers.setdefault("Cache-Control", "no-store")
    return response
