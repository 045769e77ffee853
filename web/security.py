"""Who may do what: role checks for pages, bearer tokens for the API."""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import replace
from datetime import timedelta
from functools import wraps

from flask import abort, current_app, g, request
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict

from catalog.db import utcnow
from catalog.models import Offer, Organisation
from catalog.services import TokenInfo, find_token, token_digest, touch_token

from .extensions import db, login_manager
from .http import error_response
from .matching import request_catalog_version

LAST_USED_RESOLUTION = timedelta(minutes=5)
# A verified token is trusted from memory for at most this long, and only while the catalogue version read in
# the request is the one it was verified at (revoking or changing a token bumps that version): a revocation
# counts at the next request; a token row changed behind the service's back (SQL by hand) within this bound.
TOKEN_CACHE_SECONDS = 60.0
TOKEN_CACHE_SIZE = 10_000


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


class TokenCache:
    """Verified tokens of this process, keyed by the bearer string's SHA-256 (as stored; never the string).

    An entry holds the catalogue version it was verified at and is used only while a request reads that same
    version, for at most ``ttl`` seconds, and never past the token's expiry. Only valid tokens are kept: an
    unknown or refused bearer string is looked up again each time."""

    def __init__(self, ttl: float = TOKEN_CACHE_SECONDS, size: int = TOKEN_CACHE_SIZE) -> None:
        self.ttl, self.size = ttl, size
        self._entries: dict[str, tuple[TokenInfo, int, float]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str, version: int) -> TokenInfo | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        info, at_version, since = entry
        if (at_version != version or time.monotonic() - since > self.ttl
                or (info.expires_at is not None and info.expires_at <= utcnow())):
            with self._lock:
                self._entries.pop(digest, None)
            return None
        return info

    def put(self, digest: str, info: TokenInfo, version: int) -> None:
        with self._lock:
            if len(self._entries) >= self.size:
                self._entries.clear()
            self._entries[digest] = (info, version, time.monotonic())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def token_cache() -> TokenCache:
    cache = current_app.extensions.get("civilmatch.token_cache")
    if cache is None:
        cache = current_app.extensions.setdefault("civilmatch.token_cache", TokenCache())
    return cache


def current_token():
    """The valid token (catalog.services.TokenInfo) of this request's `Authorization: Bearer ...`, or None
    (kept on g). Per request it costs the catalogue version (which the match needs anyway) while the token is
    in this process's TokenCache, else one lookup by hash."""
    if "_api_token" not in g:
        header = request.headers.get("Authorization", "")
        token = None
        if header[:7].lower() == "bearer ":
            plain = header[7:].strip()
            if plain and len(plain) <= 200:
                cache, digest = token_cache(), token_digest(plain)
                version = request_catalog_version()
                token = cache.get(digest, version)
                fetched = token is None
                if fetched:
                    token = find_token(db.session, plain)
                if token is not None:
                    now = utcnow()
                    # Record use, but write at most every few minutes: a write per API call costs more than the
                    # call.
                    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
                        touch_token(db.session, token.id, now)
                        db.session.commit()
                        token = replace(token, last_used_at=now)
                        fetched = True
                    if fetched:
                        cache.put(digest, token, version)
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


# --- the edge: input no view should ever see --------------------------------------------------------------

MAX_JSON_DEPTH = 32
# NUL can't be stored in PostgreSQL text; a lone surrogate can't be encoded as UTF-8 at all.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = "Teksten indeholder et tegn, der ikke kan bruges (et NUL-tegn eller et ugyldigt Unicode-tegn)."
# Beside a form field: the character is taken out at the edge, nothing is saved, the form comes back.
UNSTORABLE_FIELD_MESSAGE = ("Feltet indeholdt et tegn, der ikke kan bruges (et NUL-tegn eller et ugyldigt "
                            "Unicode-tegn), så intet er gemt. Se feltet igennem, og send igen.")
DEPTH_MESSAGE = f"JSON-data må højst være indlejret {MAX_JSON_DEPTH} niveauer."
INVALID_JSON_MESSAGE = "Brødteksten er ikke gyldig JSON."


class EdgeRejected(Exception):
    """Raised at the edge of a request; `errors` maps field paths to Danish messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("rejected at the edge")
        self.errors = errors


def _scan_json(value) -> dict[str, list[str]]:
    """Walk a parsed JSON document without recursion: depth and unstorable characters, with field paths."""
    errors: dict[str, list[str]] = {}
    stack = [(value, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            errors.setdefault(path or "json", []).append(DEPTH_MESSAGE)
            break
        if isinstance(node, dict):
            for key, child in node.items():
                child_path = f"{path}.{key}" if path else str(key)
                if _UNSTORABLE.search(key):
                    errors.setdefault(path or "json", []).append(UNSTORABLE_MESSAGE)
                    child_path = f"{path}.?" if path else "?"
                stack.append((child, child_path, depth + 1))
        elif isinstance(node, list):
            for i, child in enumerate(node):
                stack.append((child, f"{path}.{i}" if path else str(i), depth + 1))
        elif isinstance(node, str) and _UNSTORABLE.search(node):
            errors.setdefault(path or "json", []).append(UNSTORABLE_MESSAGE)
    return errors


def reports_unstorable(view):
    """Mark an HTML form view that shows a field's unstorable character beside the field itself: for it the
    edge takes such characters out of the form's values instead of refusing the request, and the view adds
    :func:`unstorable_errors` to its own errors (answering 422 and writing nothing). Put it right under the
    route decorator."""
    view.reports_unstorable = True
    return view


def unstorable_errors() -> dict[str, list[str]]:
    """The form fields of this request that held a NUL or a lone surrogate, with the Danish message."""
    return {name: [UNSTORABLE_FIELD_MESSAGE] for name in g.get("unstorable_fields", ())}


def _view_reports_unstorable() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "reports_unstorable", False))


def _strip_form_and_flag() -> bool:
    """For a view marked with reports_unstorable: the form without unstorable characters, the fields that
    held them on g. False when a field's *name* holds one (not a field the page can point at)."""
    cleaned, flagged = [], []
    for key, value in request.form.items(multi=True):
        if _UNSTORABLE.search(key):
            return False
        if _UNSTORABLE.search(value):
            value = _UNSTORABLE.sub("", value)
            if key not in flagged:
                flagged.append(key)
        cleaned.append((key, value))
    if flagged:
        request.form = ImmutableMultiDict(cleaned)  # (werkzeug caches the parsed form on the request)
        request.__dict__.pop("values", None)
        g.unstorable_fields = flagged
    return True


def check_request_edge() -> None:
    """Reject NUL, lone surrogates and over-deep JSON before any view or database sees them. An HTML form
    whose view reports them beside its fields (reports_unstorable) gets them taken out and flagged instead."""
    errors: dict[str, list[str]] = {}
    if _UNSTORABLE.search(request.path):
        errors["path"] = [UNSTORABLE_MESSAGE]
    for key, value in request.args.items(multi=True):
        if _UNSTORABLE.search(key) or _UNSTORABLE.search(value):
            errors.setdefault(_safe_name(key), []).append(UNSTORABLE_MESSAGE)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if errors or not _view_reports_unstorable() or not _strip_form_and_flag():
                for key, value in request.form.items(multi=True):
                    if _UNSTORABLE.search(key) or _UNSTORABLE.search(value):
                        errors.setdefault(_safe_name(key), []).append(UNSTORABLE_MESSAGE)
        elif request.is_json and request.content_length != 0:
            raw = request.get_data(cache=True)
            if raw.strip():
                try:
                    document = json.loads(raw)
                except (ValueError, RecursionError):
                    # Let the view's own parser answer plain syntax errors; only depth is ours to stop here.
                    if _too_deep(raw):
                        errors["json"] = [DEPTH_MESSAGE]
                else:
                    errors.update(_scan_json(document))
    if errors:
        raise EdgeRejected(errors)


def _safe_name(key: str) -> str:
    return _UNSTORABLE.sub("?", key)[:100]


def _too_deep(raw: bytes) -> bool:
    depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False
