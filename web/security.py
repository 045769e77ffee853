"""Who may do what: role checks for pages, bearer tokens for the API."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from flask import abort, g, request
from flask_login import current_user

from catalog.db import utcnow
from catalog.models import Offer, Organisation
from catalog.services import find_token, touch_token

from .extensions import db, login_manager
from .http import error_response

LAST_USED_RESOLUTION = timedelta(minutes=5)


def roles_required(*roles: str):
    """Page views: anonymous users go to the login page, the wrong role gets 403."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def can_edit_offer(user, offer: Offer) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == "admin":
        return True
    return user.role == "ngo_editor" and user.organisation_id is not None \
        and user.organisation_id == offer.organisation_id


def can_edit_organisation(user, org: Organisation) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.role == "admin" or (user.role == "ngo_editor" and user.organisation_id == org.id)


def api_error(status: int, message: str, errors: dict | None = None):
    """The JSON error answer (web.http.error_response); a 401 also names the scheme to authenticate with."""
    response = error_response(status, message, errors)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="civilmatch"'
    return response


def current_token():
    """The valid ApiToken of this request's `Authorization: Bearer ...`, or None (cached on g)."""
    if "_api_token" not in g:
        header = request.headers.get("Authorization", "")
        token = None
        if header[:7].lower() == "bearer ":
            token = find_token(db.session, header[7:].strip())
            if token is not None:
                now = utcnow()
                # Record use, but write at most every few minutes: a write per API call costs more than the call.
                if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
                    touch_token(db.session, token.id, now)
                    db.session.commit()
        g._api_token = token
    return g._api_token


def token_required(scope: str | None = None, roles: tuple[str, ...] | None = None):
    """API views: 401 without a valid token, 403 without the scope or role."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = current_token()
            if token is None:
                return api_error(401, "Mangler eller ugyldigt adgangstoken (Authorization: Bearer ...).")
            if scope is not None and scope not in (token.scopes or []):
                return api_error(403, f"Tokenet har ikke adgangen '{scope}'.")
            if roles is not None and token.role not in roles:
                return api_error(403, "Tokenets rolle giver ikke adgang til dette.")
            return view(*args, **kwargs)
        return wrapped
    return decorator


def token_can_edit_offer(token, offer: Offer) -> bool:
    if token.role == "admin":
        return True
    return token.role == "ngo_editor" and token.organisation_id == offer.organisation_id
