"""The Flask application factory."""
from __future__ import annotations

import logging
import os

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from catalog.db import upgrade
from catalog.redaction import RedactingFilter

from . import config as config_module
from .extensions import api as openapi
from .extensions import csrf, db, limiter, login_manager
from .matching import MatchIndex

ERROR_TEXTS = {
    400: "Forespørgslen kunne ikke forstås.",
    401: "Du skal logge ind.",
    403: "Du har ikke adgang til denne side.",
    404: "Siden findes ikke.",
    405: "Metoden er ikke tilladt her.",
    409: "Der er en konflikt med den nuværende version.",
    413: "Forespørgslen er for stor.",
    415: "Forkert indholdstype.",
    422: "Data kunne ikke valideres.",
    429: "For mange forespørgsler. Vent lidt, og prøv igen.",
    500: "Der skete en fejl hos os. Prøv igen senere.",
}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("CIVILMATCH_INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.config.update(config_module.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.url_map.converters["int"] = DatabaseIdConverter
    register_logging(app)
    register_database(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    return app


def register_logging(app: Flask) -> None:
    """Defence in depth: whatever reaches a log line passes through the redactor."""
    redactor = RedactingFilter()
    # SQLAlchemy logs result rows at DEBUG (conversation texts among them): only when asked for explicitly.
    sql_logger = logging.getLogger("sqlalchemy.engine")
    if sql_logger.level == logging.NOTSET:
        sql_logger.setLevel(logging.WARNING)
    for name in ("", "werkzeug", "gunicorn.error", "gunicorn.access", app.logger.name):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redactor)
        for handler in logger.handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(redactor)


def register_database(app: Flask) -> None:
    if app.config.get("AUTO_MIGRATE", True):
        upgrade(app.config["DATABASE_URL"])
    db.init_app(app)
    app.extensions["civilmatch.match_index"] = MatchIndex()  # empty until the first match builds it
    from . import retention

    retention.register(app)  # expired conversations are deleted on a schedule inside the service


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in every route: ids beyond a 32-bit integer column can't exist, so they are a 404, not a
    database error (PostgreSQL refuses to compare an integer column with a larger number)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2 ** 31 - 1)
        super().__init__(url_map, *args, **kwargs)


def register_extensions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Log ind for at se siden."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def _load_user(user_id: str):
        from catalog.models import User

        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    csrf.init_app(app)
    limiter.init_app(app)
    openapi.init_app(app, spec_kwargs={
        "info": {"description": "civilmatch: civilsamfundstilbud til udsatte familier. JSON-API for "
                                "kommunale systemer og Open Referral HSDS 3.0."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    })


def register_blueprints(app: Flask) -> None:
    from . import admin, auth, chat, embed, hsds, ngo, offers
    import web.api as api_pkg

    for module in (auth, offers, ngo, admin, chat, embed):
        app.register_blueprint(module.bp)
    for module in (api_pkg, hsds):
        for bp in module.blueprints():
            csrf.exempt(bp)
            openapi.register_blueprint(bp)
    for bp in getattr(hsds, "plain_blueprints", lambda: [])():
        csrf.exempt(bp)
        app.register_blueprint(bp)

    @app.get("/")
    def index():
        return render_template("index.html")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/hsds")) or request.accept_mimetypes.best == "application/json"


def register_errorhandlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        message = ERROR_TEXTS.get(code, exc.name)
        if _wants_json():
            body = {"code": code, "status": exc.name, "message": message}
            data = getattr(exc, "data", None)
            if isinstance(data, dict) and data.get("messages"):
                body["errors"] = data["messages"]
            return jsonify(body), code, getattr(exc, "headers", None) or {}
        return render_template("error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Log the type and where, never request data (it may describe a child).
        app.logger.error("Unhandled %s at %s %s", type(exc).__name__, request.method, request.url_rule)
        if _wants_json():
            return jsonify({"code": 500, "status": "Internal Server Error", "message": ERROR_TEXTS[500]}), 500
        return render_template("error.html", code=500, message=ERROR_TEXTS[500]), 500


def register_template_helpers(app: Flask) -> None:
    from catalog import elements
    from catalog.models import ROLE_LABELS, STATUS_LABELS

    @app.context_processor
    def _inject():
        return {"ELEMENTS": elements.ELEMENTS, "LEVELS": elements.LEVELS, "band": elements.band,
                "DISCLAIMER": elements.DISCLAIMER, "STATUS_LABELS": STATUS_LABELS, "ROLE_LABELS": ROLE_LABELS}

    @app.template_filter("dkdate")
    def _dkdate(value):
        if not value:
            return ""
        months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
                  "oktober", "november", "december"]
        return f"{value.day}. {months[value.month - 1]} {value.year}"

    @app.template_filter("ages")
    def _ages(offer):
        lo, hi = offer.age_min, offer.age_max
        if lo is None and hi is None:
            return "Alle aldre"
        if lo is None:
            return f"0–{hi} år"
        if hi is None:
            return f"Fra {lo} år"
        return f"{lo}–{hi} år"


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "frame-ancestors 'none'")
        if request.path.startswith("/hsds"):
            response.headers["Access-Control-Allow-Origin"] = "*"
        return response
