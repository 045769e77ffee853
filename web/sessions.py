"""Starting a login session, and telling whether a session is still current (every blueprint may use this)."""
from __future__ import annotations

from flask import session
from flask_login import login_user

SESSION_VERSION_KEY = "_sv"


def start_session(user) -> None:
    """Log the user in; the session remembers the user's session version (see catalog.services.end_sessions)."""
    login_user(user)
    session[SESSION_VERSION_KEY] = user.session_version


def session_is_current(user) -> bool:
    # A session made by a plain login_user() counts as version 1.
    return session.get(SESSION_VERSION_KEY, 1) == user.session_version
