"""/indsigt: where help is missing. A map of the 98 municipalities coloured by the share of searches that
found no offer, the same numbers as a table and CSV, per municipality the needs most often unmet and the offers
most often referred, and for an NGO the municipalities where its kinds of need are asked for and missing.

Admins and caseworkers (and everyone, when CIVILMATCH_INSIGHTS_PUBLIC=1); the NGO view for NGO editors and
admins. Cells below 5 searches are never shown."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from catalog import coverage, municipalities, outcomes
from catalog.models import Offer, Organisation
from catalog.outcomes import MIN_CELL
from matcher.analysis import concept_label

from ..extensions import db
from ..security import roles_required
from ..coverage_view import (CLASSES, DEFAULT_DAYS, MAX_DAYS, SUPPRESSED_FILL, SUPPRESSED_LABEL, THEME_KEYS,  # noqa: F401
                             THEMES, Filters, colour_class, coverage_rows, parse_filters)
from ..matching import flush_coverage
from . import mapsvg

bp = Blueprint("insights", __name__, url_prefix="/indsigt")


@bp.before_request
def _current_numbers():
    flush_coverage(db.session)  # this process's pending coverage rows first: the map is as fresh as can be

def can_see_map(user) -> bool:
    if current_app.config.get("INSIGHTS_PUBLIC"):
        return True
    return bool(getattr(user, "is_authenticated", False)) and user.role in ("admin", "caseworker")


def _require_map_access():
    from ..extensions import login_manager

    if can_see_map(current_user):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    abort(403)


def describe(row: dict) -> str:
    """A municipality's numbers in words (the map's hover title)."""
    if row["suppressed"]:
        return f"{row['municipality']}: {SUPPRESSED_LABEL}"
    unmet = f"færre end {MIN_CELL}" if row["unmet"] is None else row["unmet"]
    return (f"{row['municipality']}: {unmet} af {row['searches']} søgninger uden tilbud "
            f"({round(100 * row['share'])} %)")


@bp.get("/")
def index():
    denied = _require_map_access()
    if denied is not None:
        return denied
    filters = parse_filters(request.args)
    rows = coverage_rows(filters)
    by_name = {r["municipality"]: r for r in rows}
    size, paths, inset = mapsvg.shapes()
    shown = [r for r in rows if not r["suppressed"]]
    worst = sorted(shown, key=lambda r: (-r["share"], r["municipality"]))[:10]
    return render_template("insights/index.html", rows=rows, by_name=by_name, size=size, paths=paths,
                           inset=inset, filters=filters, CLASSES=CLASSES, SUPPRESSED_LABEL=SUPPRESSED_LABEL,
                           describe=describe, themes=THEMES, worst=worst, MIN_CELL=MIN_CELL,
                           theme_label=concept_label(filters.theme) if filters.theme else None,
                           top_needs=[(concept_label(k), n, u) for k, n, u in
                                      coverage.unmet_needs(db.session, filters.period, limit=10)])


@bp.get("/kommune/<name>")
def municipality(name: str):
    denied = _require_map_access()
    if denied is not None:
        return denied
    if name not in set(municipalities.names()):
        abort(404)
    filters = parse_filters(request.args)
    needs = [(concept_label(k), n, u) for k, n, u in
             coverage.unmet_needs(db.session, filters.period, municipality=name, limit=10)]
    referred = outcomes.most_referred(db.session, name, filters.period.first_week, filters.period.last_week)
    cell = next(r for r in coverage_rows(Filters(filters.start, filters.end, None, {}))
                if r["municipality"] == name)
    return render_template("insights/municipality.html", name=name, needs=needs, referred=referred,
                           cell=cell, describe=describe, filters=filters, MIN_CELL=MIN_CELL)


CSV_HEADER = ["kommune", "fra", "til", "behov", "soegninger", "uden_tilbud", "andel_uden_tilbud"]


@bp.get("/data.csv")
def data_csv():
    denied = _require_map_access()
    if denied is not None:
        return denied
    filters = parse_filters(request.args)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(CSV_HEADER)
    for r in coverage_rows(filters):
        hidden = f"<{MIN_CELL}"
        writer.writerow([r["municipality"], filters.start.isoformat(), filters.end.isoformat(),
                         filters.theme or "alle", hidden if r["searches"] is None else r["searches"],
                         hidden if r["unmet"] is None else r["unmet"],
                         "" if r["share"] is None else f"{r['share']:.3f}".replace(".", ",")])
    name = f"civilmatch-indsigt-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def organisation_concepts(org: Organisation) -> list[str]:
    """The need concepts an organisation's published offers speak to (what the matcher reads in them)."""
    from ..matching import match_index

    engine = match_index().fresh(db.session)
    keys: set[str] = set()
    for offer in db.session.scalars(select(Offer).where(Offer.organisation_id == org.id,
                                                        Offer.status == "published")):
        text = " ".join([offer.title, offer.target_group or "", " ".join(offer.tags or [])])
        keys.update(c.key for c in engine.understand(text).concepts)
    return sorted(keys)


@bp.get("/organisation")
@roles_required("ngo_editor", "admin")
def organisation():
    if current_user.role == "admin":
        ref = request.args.get("org", "")
        org = db.session.get(Organisation, int(ref)) if ref.isdigit() and len(ref) < 10 else None
        if org is None:
            orgs = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
            return render_template("insights/choose_org.html", orgs=orgs)
    else:
        org = db.session.get(Organisation, current_user.organisation_id or 0) or abort(403)
    filters = parse_filters(request.args)
    keys = organisation_concepts(org)
    gaps = coverage.gaps_for_concepts(db.session, filters.period, keys)
    return render_template("insights/organisation.html", org=org, gaps=gaps, filters=filters,
                           concepts=[concept_label(k) for k in keys], MIN_CELL=MIN_CELL,
                           referral_rows=outcomes.per_offer(db.session, org.id),
                           OUTCOME_LABELS=outcomes.OUTCOME_LABELS)


from . import referrals  # noqa: E402,F401  (recording outcomes from a shortlist)
