"""The Flask application factory."""
from __future__ import annotations

import logging
import os
import traceback

from flask import Flask, g, render_template, request
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

import catalog.audit  # noqa: F401 - registers the audit log's session event
from catalog import coverage, elements, freshness
from catalog.db import upgrade
from catalog.messages import BAD_REQUEST, INVALID_DATA
from catalog.models import ROLE_LABELS, STATUS_LABELS, User
from catalog.outcomes import OUTCOME_LABELS
from catalog.redaction import RedactingFilter

from . import admin, api, audit, auth, chat, embed, hsds, insights, ngo, offers
from . import config as config_module
from .extensions import api as openapi
from .sessions import session_is_current
from .extensions import csrf, db, limiter, login_manager
from .http import error_response
from .matching import MatchIndex, flush_coverage

ERROR_TEXTS = {
    400: BAD_REQUEST,
    401: "Du skal logge ind.",
    403: "Du har ikke adgang til denne side.",
    404: "Siden findes ikke.",
    405: "Metoden er ikke tilladt her.",
    409: "Der er en konflikt med den nuværende version.",
    413: "Forespørgslen er for stor.",
    415: "Forkert indholdstype.",
    422: INVALID_DATA,
    429: "For mange forespørgsler. Vent lidt, og prøv igen.",
    500: "Der skete en fejl hos os. Prøv igen senere.",
    503: "Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt.",
}
# How long a client should wait before retrying after a 503 (database unavailable) or a 429.
RETRY_AFTER_SECONDS = 5
# Database errors that mean "not reachable right now" (refused, timed out, read-only, locked), not a bug.
UNAVAILABLE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                      sa_exc.DisconnectionError)


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("CIVILMATCH_INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.config.update(config_module.load(app.instance_path))
    if test_config:
        app.config.update(test_config)
    app.url_map.converters["int"] = DatabaseIdConverter
    register_logging(app)
    freshness.configure(stale_months=app.config["STALE_MONTHS"], hidden_months=app.config["HIDDEN_MONTHS"],
                        remind_months=app.config["REMIND_MONTHS"])
    register_database(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security_headers(app)
    from . import i18n  # the UI in Danish or English (Flask-Babel)
    i18n.init_app(app)
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
    # Migrations are a deploy step (`civilmatch db upgrade`), not something every worker races to do;
    # AUTO_MIGRATE=1 keeps the old behaviour for a single process that wants it.
    if app.config.get("AUTO_MIGRATE", False):
        upgrade(app.config["DATABASE_URL"])
    db.init_app(app)
    app.extensions["civilmatch.match_index"] = MatchIndex()  # empty until the first match builds it
    app.extensions["civilmatch.coverage"] = coverage.Recorder()  # the coverage map's rows, written in batches

    @app.after_request
    def _coverage_batch(response):
        # A due batch of coverage rows goes to the database after the answer is made (never within a match).
        try:
            flush_coverage(db.session, only_if_due=True)
        except UNAVAILABLE_ERRORS:
            db.session.rollback()  # the database is away: the rows wait for the next batch
        return response
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
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # A session from before the user's last logout or password change is over.
        return user if user is not None and user.is_active and session_is_current(user) else None

    csrf.init_app(app)
    limiter.init_app(app)
    openapi.init_app(app, spec_kwargs={
        "info": {"description": "civilmatch: civilsamfundstilbud til udsatte familier. JSON-API for "
                                "kommunale systemer og Open Referral HSDS 3.0."},
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    })


def register_blueprints(app: Flask) -> None:
    # The public catalogue pages: anonymous visitors are counted per address; logged-in users are not.
    limiter.limit(anonymous_limit, exempt_when=_logged_in)(offers.bp)  # same function objects: added once
    for module in (auth, offers, ngo, admin, chat, embed, insights, audit):
        app.register_blueprint(module.bp)
    for module in (api, hsds):
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
        """Liveness: the process answers. Never touches the database."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        """Readiness: the database answers and this process's match index is loaded (built on first call)."""
        try:
            db.session.execute(text("SELECT 1"))
            app.extensions["civilmatch.match_index"].fresh(db.session)
        except UNAVAILABLE_ERRORS:
            _discard_session()
            return ({"status": "unavailable", "database": "utilgængelig"}, 503,
                    {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"})
        return {"status": "ok", "database": "ok", "index": "ok"}, 200, {"Cache-Control": "no-store"}


def anonymous_limit() -> str:
    from flask import current_app

    return current_app.config.get("RATELIMIT_ANONYMOUS", "120 per minute")


def _logged_in() -> bool:
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated)


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/hsds")) or request.accept_mimetypes.best == "application/json"


def _discard_session() -> None:
    """Roll back and drop this request's session, so nothing half-written stays and nothing reuses it."""
    session = g.pop("_db_session", None)
    if session is None:
        return
    try:
        session.rollback()
        session.close()
    except Exception:  # noqa: BLE001 - the connection may already be gone
        try:
            session.invalidate()
        except Exception:  # noqa: BLE001 - nothing more to clean up: the pool replaces the connection
            pass


def _error_page(code: int, message: str, headers: dict | None = None, errors: dict | None = None):
    """The error answer as JSON or HTML. The HTML page never needs the database: after a database failure
    it renders as anonymous."""
    headers = dict(headers or {})
    if _wants_json():
        return error_response(code, message, errors), code, headers
    if g.get("_db_failed"):
        from flask_login import AnonymousUserMixin

        g._login_user = AnonymousUserMixin()
    try:
        html = render_template("error.html", code=code, message=message, errors=errors)
    except Exception:  # noqa: BLE001 - last resort: a page without the layout
        html = f"<!doctype html><html lang=da><title>Fejl {code}</title><h1>{message}</h1>"
    return html, code, headers


def register_errorhandlers(app: Flask) -> None:
    from .security import EdgeRejected, check_request_edge

    app.before_request(check_request_edge)

    @app.errorhandler(EdgeRejected)
    def _edge(exc: EdgeRejected):
        return _error_page(400, "Forespørgslen indeholder data, der ikke kan bruges.", errors=exc.errors)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        message = ERROR_TEXTS.get(code, exc.name)
        headers = dict(getattr(exc, "headers", None) or {})
        if code == 405:
            headers.update((k, v) for k, v in exc.get_headers() if k == "Allow")
        if code == 429:
            headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        data = getattr(exc, "data", None)
        errors = data["messages"] if isinstance(data, dict) and data.get("messages") else None
        return _error_page(code, message, headers, errors)

    def _unavailable(exc: Exception):
        # The database is down, frozen, read-only or locked: say so, roll back, let the client retry.
        app.logger.warning("Database unavailable (%s) at %s %s", type(exc).__name__, request.method,
                           request.url_rule)
        g._db_failed = True
        _discard_session()
        return _error_page(503, ERROR_TEXTS[503], {"Retry-After": str(RETRY_AFTER_SECONDS)})

    for error_class in UNAVAILABLE_ERRORS:
        app.register_error_handler(error_class, _unavailable)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Log the type and where, never request data (it may describe a child).
        app.logger.error("Unhandled %s at %s %s", type(exc).__name__, request.method, request.url_rule)
        if app.config.get("DEBUG_TRACEBACKS"):  # tests: the traceback on stderr (never request data)
            traceback.print_exc()
        g._db_failed = True
        _discard_session()
        return _error_page(500, ERROR_TEXTS[500])


def register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def _inject():
        return {"ELEMENTS": elements.ELEMENTS, "LEVELS": elements.LEVELS, "band": elements.band,
                "DISCLAIMER": elements.DISCLAIMER, "STATUS_LABELS": STATUS_LABELS, "ROLE_LABELS": ROLE_LABELS,
                "OUTCOME_LABELS": OUTCOME_LABELS, "STALE_MONTHS": freshness.POLICY.stale_months,
                "HIDDEN_MONTHS": freshness.POLICY.hidden_months}

    @app.template_filter("dkdate")
    def _dkdate(value):
        if not value:
            return ""
        from flask_babel import format_date  # per the UI language: "31. august 2026" / "August 31, 2026"
        return format_date(value, "long")

    @app.template_filter("ages")
    def _ages(offer):
        from flask_babel import gettext as _
        lo, hi = offer.age_min, offer.age_max
        if lo is None and hi is None:
            return _("Alle aldre")
        if lo is None:
            return _("0–%(hi)s år", hi=hi)
        if hi is None:
            return _("Fra %(lo)s år", lo=lo)
        return _("%(lo)s–%(hi)s år", lo=lo, hi=hi)


def register_security_headers(app: Flask) -> None:
    hsts = int(app.config.get("HSTS_SECONDS") or 0)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
        if request.path.startswith("/hsds"):
            response.headers["Access-Control-Allow-Origin"] = "*"
        if _private_response():
            # Behind a login or a token: no shared or browser cache may keep it.
            response.headers["Cache-Control"] = "no-store"
            response.headers.add_header("Vary", "Cookie, Authorization")
        if response.status_code in (429, 503):
            response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
        return response


def _private_response() -> bool:
    if request.authorization is not None or request.headers.get("Authorization"):
        return True
    if g.get("_db_failed"):
        return False
    user = g.get("_login_user")
    return bool(user is not None and getattr(user, "is_authenticated", False))
