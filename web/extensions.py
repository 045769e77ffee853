"""Extension objects, created unbound and attached in create_app (cookiecutter-flask style)."""
from __future__ import annotations

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from catalog.db import make_engine, make_sessionmaker, timeout_options

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = Api()


class Database:
    """One engine per app; one session per app context (request or CLI command), closed at teardown."""

    def init_app(self, app: Flask) -> None:
        url = app.config["DATABASE_URL"]
        engine = make_engine(url, **timeout_options(
            url, connect_timeout=app.config.get("DB_CONNECT_TIMEOUT", 5),
            statement_timeout_ms=app.config.get("DB_STATEMENT_TIMEOUT_MS", 5000)))
        app.extensions["civilmatch.engine"] = engine
        app.extensions["civilmatch.sessionmaker"] = make_sessionmaker(engine)

        @app.teardown_appcontext
        def _close(exc):
            session = g.pop("_db_session", None)
            if session is not None:
                try:
                    if exc is not None:
                        session.rollback()
                    session.close()
                except Exception:  # noqa: BLE001 - a database that went away: the pool drops the connection
                    try:
                        session.invalidate()
                    except Exception:  # noqa: BLE001
                        pass

    @property
    def session(self) -> Session:
        if "_db_session" not in g:
            g._db_session = current_app.extensions["civilmatch.sessionmaker"]()
            g._db_session.info["actor"] = audit_actor
        return g._db_session

    def engine(self, app: Flask | None = None):
        return (app or current_app).extensions["civilmatch.engine"]


db = Database()


def audit_actor() -> str:
    """Who is acting, for the audit log, from what this request already loaded (never a database query)."""
    from flask import has_request_context

    if not has_request_context():
        return "kommandolinje"
    token = g.get("_api_token")
    if token is not None:
        return f"token {token.id} ({token.name})"
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return f"bruger {user.id} ({user.email})"
    return "anonym"
