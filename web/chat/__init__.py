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

from sqlalchemy import func, select

from catalog import conversations as conv_service
from catalog.db import utcnow
from catalog.messages import INVALID_DATA
from catalog.models import Conversation, Offer, ShortlistItem
from catalog.conversations import ConversationState
from matcher import dialogue
from matcher.rank import is_free
from matcher.reasons import ineligible

from ..extensions import db
from ..http import error_response
from ..security import reports_unstorable, roles_required, unstorable_errors
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
    chosen_q = (select(func.count(ShortlistItem.id)).where(ShortlistItem.conversation_id == Conversation.id)
                .correlate(Conversation).scalar_subquery())
    rows = db.session.execute(
        select(Conversation, chosen_q).where(Conversation.owner_user_id == current_user.id,
                                             Conversation.expires_at > utcnow())
        .order_by(Conversation.updated_at.desc(), Conversation.created_at.desc()).limit(RECENT)).all()
    out = []
    for conv, chosen in rows:
        search = ConversationState.load(conv).search
        needs = [c["label"] for c in search.concepts]
        ages = search.child_ages
        label = ", ".join(_(n) for n in needs[:3]) or _("Familie uden behov endnu")
        detail = []
        if ages:
            years = ", ".join(_("%(n)s år", n=a) for a in ages)
            detail.append(_("barn %(ages)s", ages=years) if len(ages) == 1
                          else _("børn %(ages)s", ages=years))
        if search.municipality:
            detail.append(search.municipality)
        if chosen:
            detail.append(_("%(n)s tilbud på listen", n=chosen))
        out.append({"id": conv.id, "label": label, "detail": " · ".join(detail),
                    "current": current is not None and conv.id == current.id})
    return out


def _context(chat: service.ChatView | None, *, said: str = "") -> dict:
    """What chat/_main.html and chat/index.html show, built once from the request's ChatView. ``said`` is the
    caseworker's message of this request (shown back only in this answer; it is not stored)."""
    if chat is None:
        return dict(conv=None, data={}, results=[], history=[], chips=dialogue.chips(dialogue.empty_state(_home())),
                    groups=[], need_labels=[], default_need=lambda offer_id: conv_service.OTHER_NEED,
                    shortlisted=set(), page_size=dialogue.PAGE_SIZE, home=_home(), said=said,
                    recent=_recent(None), chip_label=chip_label)
    conv, state = chat.conv, chat.state
    return dict(conv=conv, data=chat.data, results=chat.results, history=chat.history,
                chips=dialogue.chips(state.search.to_dict()),
                groups=conv_service.shortlist_groups(conv), need_labels=service.need_labels(conv, state),
                default_need=lambda offer_id: service.default_need(state, offer_id),
                shortlisted={i.offer_id for i in conv.shortlist}, page_size=dialogue.PAGE_SIZE, home=_home(),
                said=said, recent=_recent(conv), chip_label=chip_label)


def _page(chat: service.ChatView | None = None, *, errors=None, said: str = "", status=200, note_preview=None):
    # The typed text is never put back into the form (no echo in error pages); see _context for ``said``.
    return render_template("chat/index.html", errors=errors or {}, typed="", note_preview=note_preview,
                           **_context(chat, said=said)), status


def _fragment(chat: service.ChatView, *, said: str = "") -> dict:
    """The JSON answer for chat.js: the API-shaped reply plus the re-rendered regions."""
    conv = chat.conv
    ctx = _context(chat, said=said)
    body = service.reply_json(chat)
    body["html"] = render_template("chat/_main.html", **ctx)
    body["side_html"] = render_template("chat/_side.html", **ctx)
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
        text = payload.get("text", "") if isinstance(payload, dict) else ""
        return text if isinstance(text, str) else ""
    return request.form.get("text", "")


def _unstorable_text() -> str | None:
    """The message box held a character that can't be used (taken out at the edge): say so beside it."""
    return unstorable_errors().get("text", [None])[0]


# --- pages ------------------------------------------------------------------------------------------------

@bp.get("/")
@roles_required(*ROLES)
def index():
    # One family, one conversation: the start page (front page, menu, "Ny familie") always begins a new one;
    # earlier families stay reachable under "Seneste familier".
    session.pop(SESSION_KEY, None)
    return _page(None)


@bp.post("/")
@reports_unstorable
@roles_required(*ROLES)
def start():
    text = request.form.get("text", "")
    error = _unstorable_text() or service.validate_message(text)
    if error:
        return _page(None, errors={"text": error}, status=422)
    conv = service.start(user_id=current_user.id, home=_home())
    chat = service.send(conv, text, home=_home())
    db.session.commit()
    session[SESSION_KEY] = conv.id
    # The answer is this page (not a redirect): it is the only place the typed message is shown back.
    return _page(chat, said=text[:service.MAX_MESSAGE])


@bp.post("/json")
@roles_required(*ROLES)
def start_json():
    text = _text_from_request()
    error = service.validate_message(text)
    if error:
        return _json_error(error)
    conv = service.start(user_id=current_user.id, home=_home())
    chat = service.send(conv, text, home=_home())
    db.session.commit()
    session[SESSION_KEY] = conv.id
    return jsonify(_fragment(chat, said=text[:service.MAX_MESSAGE])), 201


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
    return _page(service.view(conv))


@bp.post("/<conversation_id>")
@reports_unstorable
@roles_required(*ROLES)
def send(conversation_id: str):
    conv = _own(conversation_id)
    text = request.form.get("text", "")
    error = _unstorable_text() or service.validate_message(text)
    if error:
        return _page(service.view(conv), errors={"text": error}, status=422)
    chat = service.send(conv, text, home=_home())
    db.session.commit()
    return _page(chat, said=text[:service.MAX_MESSAGE])


@bp.post("/<conversation_id>/json")
@roles_required(*ROLES)
def send_json(conversation_id: str):
    conv = _own(conversation_id)
    text = _text_from_request()
    error = service.validate_message(text)
    if error:
        return _json_error(error)
    chat = service.send(conv, text, home=_home())
    db.session.commit()
    return jsonify(_fragment(chat, said=text[:service.MAX_MESSAGE]))


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
    chat = service.remove(conv, request.form.get("item", "")[:100], home=_home())
    db.session.commit()
    return jsonify(_fragment(chat))


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


def _hidden_by_conditions(state: ConversationState, offer_id: int | None) -> bool:
    """True when the search's conditions (free only, ...) hide the offer: it cannot go on the plan either."""
    offer = db.session.get(Offer, offer_id) if offer_id is not None else None
    if offer is None:
        return False
    need = dialogue.need_from_state(state.search.to_dict())
    return ineligible(need, {"formats": list(offer.formats or [])}, free=is_free(offer.cost)) is not None


@bp.post("/<conversation_id>/liste")
@roles_required(*ROLES)
def shortlist_add(conversation_id: str):
    conv = _own(conversation_id)
    state = ConversationState.load(conv)
    offer_id = _offer_id(request.form.get("offer_id"))
    need = request.form.get("need", "")
    if _hidden_by_conditions(state, offer_id):
        flash(_("Tilbuddet passer ikke til søgningens betingelser (fx kun gratis) "
                "og kan ikke komme på listen."), "error")
        return redirect(url_for("chat.show", conversation_id=conversation_id, _anchor="liste"), 303)
    if need not in service.need_labels(conv, state):  # the page offers the understood needs; nothing typed freely
        need = service.default_need(state, offer_id)
    note, removed = conv_service.clean_note(request.form.get("note", ""))
    try:
        conv_service.add_to_shortlist(db.session, conv, offer_id, need=need, note=note, state=state,
                                      reasons=service.reasons_for(state, offer_id) if offer_id else None)
    except conv_service.ShortlistError as exc:
        db.session.rollback()
        flash(" ".join(m for msgs in exc.errors.values() for m in msgs), "error")
        return redirect(url_for("chat.show", conversation_id=conversation_id, _anchor="liste"), 303)
    db.session.commit()
    flash(_("Tilbuddet er føjet til listen.") + _removed_text(removed), "success")
    return redirect(url_for("chat.show", conversation_id=conv.id, _anchor="liste"), 303)


def _removed_text(removed: list[str]) -> str:
    if not removed:
        return ""
    return " Personoplysninger blev fjernet fra noten: " + ", ".join(m[0].lower() + m[1:] for m in removed) + "."


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
    raw = request.form.get("note", "")
    note, removed = conv_service.clean_note(raw)
    if removed and conv_service.find_item(conv, offer_id) is not None:
        # Show what would be removed before anything is saved: the redacted note goes back into the form.
        errors = {f"note-{offer_id}": "Noten indeholdt personoplysninger, som ikke må gemmes: "
                                      + ", ".join(m[0].lower() + m[1:] for m in removed)
                                      + ". Se den rensede note nedenfor, og gem igen."}
        return _page(service.view(conv), errors=errors, status=422,
                     note_preview={"offer_id": offer_id, "note": note[:conv_service.NOTE_MAX]})
    try:
        item = conv_service.set_note(db.session, conv, offer_id, note)
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
