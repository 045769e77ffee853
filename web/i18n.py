"""The user interface in Danish (the default) or English, with Flask-Babel.

Every UI string is a msgid in Danish (``_("Tilbud")``); ``web/translations/en/LC_MESSAGES/messages.po`` holds the
English. Offer texts stay as the NGO wrote them (the templates mark them ``lang="da"``). The language is the
user's choice (``/sprog``, a form in the header that works without JavaScript), kept in the session.

The compiled catalogue (``.mo``) is not kept in git: :func:`compile_catalogues` builds it from the ``.po`` files
into the instance folder when it is missing or older than its ``.po`` (milliseconds), so a new string needs only
the ``.po`` edit. Extract new strings with ``pybabel extract -F web/babel.cfg -o messages.pot web`` and
``pybabel update -i messages.pot -d web/translations``.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import Babel, get_locale, gettext

LANGUAGES = {"da": "Dansk", "en": "English"}
DEFAULT = "da"
SESSION_KEY = "lang"
SOURCE = Path(__file__).resolve().parent / "translations"

bp = Blueprint("i18n", __name__)
babel = Babel()


def select_locale() -> str:
    lang = session.get(SESSION_KEY)
    return lang if lang in LANGUAGES else DEFAULT


def compile_catalogues(target: Path) -> Path:
    """Compile every ``.po`` under web/translations into ``target`` (same layout) when it is stale."""
    for po in SOURCE.glob("*/LC_MESSAGES/*.po"):
        mo = target / po.relative_to(SOURCE).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parts[-3])
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)  # atomic: a parallel worker never reads half a file
    return target


def init_app(app: Flask) -> None:
    target = compile_catalogues(Path(app.instance_path) / "translations")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    # {{ label|t }}: a fixed label held in data (a format, an element's name) in the UI language; unknown labels
    # pass unchanged, and the result is plain text (escaped like any other value).
    app.jinja_env.filters["t"] = lambda value: gettext(str(value)) if value else value

    @app.context_processor
    def _languages():
        current = str(get_locale() or DEFAULT)
        return {"LANGUAGES": LANGUAGES, "current_language": current,
                "other_language": next(k for k in LANGUAGES if k != current)}


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host) is followed back after switching."""
    if not target:
        return url_for("index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("index")
    return target


@bp.post("/sprog")
def switch():
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session[SESSION_KEY] = lang
    return redirect(_safe_next(request.form.get("next")), 303)
