"""/embed/search: the offer search with minimal chrome, for an iframe in a municipal intranet.

Who may use it: a logged-in caseworker or administrator (the intranet user has a civilmatch login); anonymous
use only when app.config["EMBED_PUBLIC"] is true (a municipality that wants the search open to every intranet
user). Anonymous visitors otherwise see a short page with a login link that opens in a new window; an NGO
editor gets 403.

Who may frame it: only the origins in app.config["EMBED_ALLOWED_ORIGINS"] (env CIVILMATCH_EMBED_ORIGINS, space
separated), via CSP frame-ancestors; with none configured, nobody ('none').

Privacy: the family's description arrives only in a POST body, is read by the matcher in memory, and is never
logged, stored (the embed keeps no conversation) or shown back (the answer page has an empty description field).
The page tells the caseworker which personal data the text held and sends `Cache-Control: no-store`.
"""
from __future__ import annotations

import re

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from catalog import municipalities
from catalog.matching import Overrides, match_offers
from catalog.municipalities import NATIONWIDE, UnknownMunicipality, canonical_area
from catalog.redaction import redact

from ..extensions import db, limiter
from ..matching import coverage_recorder, match_index

bp = Blueprint("embed", __name__, url_prefix="/embed", static_folder="static",
               static_url_path="/static")

ROLES = ("caseworker", "admin")
MAX_TEXT = 5_000
MAX_AGES = 10
LIMIT = 10
RATE_LIMIT = "30/minute"

_ORIGIN = re.compile(r"^(?:'self'|https?://(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::\d{1,5})?)$")
_AGE_SPLIT = re.compile(r"\s*(?:,|;|\bog\b|\s)\s*")

AGE_ERROR = "Skriv alderen som et helt tal mellem 0 og 25, fx 7. Flere børn: adskil med komma, fx 4, 9."


# --- framing and caching ----------------------------------------------------------------------------------

def allowed_origins() -> list[str]:
    """The configured frame ancestors (a list, or one space-separated string); malformed entries are dropped."""
    configured = current_app.config.get("EMBED_ALLOWED_ORIGINS") or []
    if isinstance(configured, str):
        configured = configured.split()
    return [o for o in configured if isinstance(o, str) and _ORIGIN.match(o)]


def frame_policy() -> str:
    origins = allowed_origins()
    ancestors = " ".join(origins) if origins else "'none'"
    return ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; "
            f"base-uri 'none'; frame-ancestors {ancestors}")


@bp.after_request
def _embed_headers(response):
    response.headers["Content-Security-Policy"] = frame_policy()
    response.headers.pop("X-Frame-Options", None)  # frame-ancestors decides; XFO cannot list origins
    if request.endpoint != "embed.static":
        response.headers["Cache-Control"] = "no-store"  # the page may hold a family's (redacted) description
    return response


# --- access -----------------------------------------------------------------------------------------------

def _access_denied():
    """None if this visitor may search; else the page to show (401 anonymous, 403 wrong role)."""
    if current_user.is_authenticated:
        if current_user.role in ROLES:
            return None
        return render_template("embed/message.html", title="Ingen adgang",
                               message="Søgningen er for kommunale sagsbehandlere. Din bruger har ikke adgang."), 403
    if current_app.config.get("EMBED_PUBLIC"):
        return None
    return render_template("embed/message.html", title="Log ind for at søge", login=True,
                           message="Søgningen er for kommunale sagsbehandlere. Log ind i civilmatch, og genindlæs "
                                   "derefter denne side."), 401


@bp.errorhandler(CSRFError)
def _csrf_error(exc):
    return render_template("embed/message.html", title="Formularen er udløbet",
                           message="Formularen er udløbet. Genindlæs siden, og søg igen."), 400


# --- the search -------------------------------------------------------------------------------------------

_DANISH_ORDER = str.maketrans({"æ": "{", "ø": "|", "å": "}"})  # æ, ø, å after z, in that order


def _municipality_options() -> list[tuple[str, str]]:
    names = sorted(municipalities.names(), key=lambda n: n.casefold().translate(_DANISH_ORDER))
    return [(n, n) for n in names] + [(NATIONWIDE, "Hele landet (ingen bestemt kommune)")]


def parse_ages(raw: str) -> list[int] | None:
    """"4, 9" / "4 og 9" -> [4, 9]; None when something is not an age 0-25 (or too many)."""
    parts = [p for p in _AGE_SPLIT.split(raw.strip()) if p]
    if len(parts) > MAX_AGES:
        return None
    ages = []
    for p in parts:
        if not p.isdigit() or not 0 <= int(p) <= 25:
            return None
        ages.append(int(p))
    return list(dict.fromkeys(ages))


def _default_municipality() -> str:
    if current_user.is_authenticated and getattr(current_user, "home_municipality", None):
        return current_user.home_municipality
    return ""


@bp.route("/search", methods=["GET", "POST"])
@limiter.limit(RATE_LIMIT, methods=["POST"])
def search():
    denied = _access_denied()
    if denied is not None:
        return denied
    values = {"behov": "", "kommune": _default_municipality(), "alder": ""}
    errors: dict[str, str] = {}
    removed: list[str] = []
    result = None
    if request.method == "POST":
        # The matcher reads the raw text in memory; the page never shows it back (values["behov"] stays
        # empty) and nothing stores or logs it. The redactor only tells what the caseworker should not write.
        text = (request.form.get("behov") or "").strip()
        removed = redact(text).messages()
        values = {"behov": "", "kommune": (request.form.get("kommune") or "").strip(),
                  "alder": (request.form.get("alder") or "").strip()}
        if not text:
            errors["behov"] = "Beskriv familiens behov."
        elif len(text) > MAX_TEXT:
            errors["behov"] = f"Beskrivelsen må højst være {MAX_TEXT:,} tegn.".replace(",", ".")
        municipality = None
        if values["kommune"]:
            try:
                municipality = canonical_area(values["kommune"])
            except UnknownMunicipality as exc:
                errors["kommune"] = str(exc) + "."
            else:
                values["kommune"] = municipality
        ages = parse_ages(values["alder"]) if values["alder"] else []
        if ages is None:
            errors["alder"] = AGE_ERROR
        if not errors:
            result = _match(text, municipality, ages)
    status = 422 if errors else 200
    return render_template("embed/search.html", values=values, errors=errors, removed=removed, result=result,
                           municipality_options=_municipality_options()), status


def _match(text: str, municipality: str | None, ages: list[int]) -> dict:
    if municipality == NATIONWIDE:
        municipality = ""  # no municipality filter: every offer in the country
    found = match_offers(db.session, match_index().fresh(db.session), text,
                         overrides=Overrides(municipality=municipality, child_ages=ages or None), limit=LIMIT,
                         record=coverage_recorder())
    return {"hits": [{"offer": r.offer, "reasons": r.reasons} for r in found.results], "left_out": found.left_out,
            "municipality": found.need.municipality, "ages": list(found.need.child_ages)}
