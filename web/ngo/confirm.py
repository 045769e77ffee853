"""The one-click "stadig korrekt" link from a reminder mail: no login, the signed link is the permission.

GET only shows which offer the link confirms and one button; the POST confirms. Mail scanners that open every
link in a message would otherwise spend the single-use link before the organisation ever saw it.
"""
from __future__ import annotations

from flask import current_app, render_template

from catalog import reminders

from ..extensions import db, limiter
from . import bp

MAX_LINK = 400


def _page(signed: str, *, offer=None, error: str | None = None, done: bool = False, status: int = 200):
    return render_template("ngo/confirm.html", signed=signed, offer=offer, error=error, done=done), status


def _refused(exc: reminders.LinkRefused):
    return _page("", error=str(exc), status=410 if exc.gone else 404)


def _too_long():
    return _page("", error="Linket er ugyldigt. Kopiér hele linket fra mailen, eller log ind.", status=404)


@bp.get("/bekraeft/<path:signed>")
@limiter.limit("30/minute")
def confirm_link(signed: str):
    if len(signed) > MAX_LINK:
        return _too_long()
    try:
        offer = reminders.link_offer(db.session, signed, current_app.config["SECRET_KEY"])
    except reminders.LinkRefused as exc:
        return _refused(exc)
    return _page(signed, offer=offer)


@bp.post("/bekraeft/<path:signed>")
@limiter.limit("30/minute")
def confirm_link_post(signed: str):
    if len(signed) > MAX_LINK:
        return _too_long()
    try:
        offer = reminders.confirm(db.session, signed, current_app.config["SECRET_KEY"])
    except reminders.LinkRefused as exc:
        db.session.rollback()
        return _refused(exc)
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    return _page("", offer=offer, done=True)
