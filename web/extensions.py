"""Extension objects, created unbound and attached in create_app (cookiecutter-flask style)."""
from __future__ import annotations

from flask import Flask, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_wtf import CSRFProtect
from sqlalchemy.orm import Session

from catalog.db import make_engine, make_sessionmaker

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = Api()


class Database:
    """One engine per app; one session per app context (request or CLI command), closed at teardown."""

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["civilmatch.engine"] = engine
        app.extensions["civilmatch.sessionmaker"] = make_sessionmaker(engine)

        @app.teardown_appcontext
        def _close(exc):
            session = g.pop("_db_session", None)
            if session is not None:
                if exc is not None:
                    session.rollback()
                session.close()

    @property
    def session(self) -> Session:
        if "_db_session" not in g:
            g._db_session = current_app.extensions["civilmatch.sessionmaker"]()
        return g._db_session

    def engine(self, app: Flask | None = None):
        return (app or current_app).extensions["civilmatch.engine"]


db = Database()
