"""Caseworkers browse the catalogue: /offers with filters, and each offer's page."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from catalog import municipalities
from catalog.models import FORMATS, Offer
from catalog.queries import BAND_LABELS, search_offers
from catalog.services import InvalidData

from ..extensions import db
from ..security import can_edit_offer

bp = Blueprint("offers", __name__, url_prefix="/offers")

PER_PAGE = 20
# query-string name (Danish, what the user sees in the URL) -> search_offers parameter
PARAMS = {"kommune": "municipality", "alder": "age", "form": "formats", "gratis": "free", "profil": "band",
          "q": "text", "side": "page"}
FIELD_FOR = {v: k for k, v in PARAMS.items()}
BAND_OPTIONS = [(key, f"{label} ({lo}–{hi} elementer)") for (key, label), (lo, hi)
                in zip(BAND_LABELS.items(), ((0, 4), (5, 7), (8, 11)))]


def _filters_from_args() -> dict:
    args = request.args
    return {"kommune": args.get("kommune", "").strip(), "alder": args.get("alder", "").strip(),
            "form": [f for f in args.getlist("form") if f], "gratis": args.get("gratis", "") in ("1", "on", "ja"),
            "profil": args.get("profil", "").strip(), "q": args.get("q", "").strip()}


def _search(values: dict, page: str | int):
    """Search with the user's filters; filters with errors are left out and their messages returned."""
    params = {"municipality": values["kommune"], "age": values["alder"], "formats": values["form"],
              "free": True if values["gratis"] else None, "band": values["profil"], "text": values["q"],
              "page": page, "per_page": PER_PAGE}
    try:
        return search_offers(db.session, **params), {}
    except InvalidData as exc:
        errors = {FIELD_FOR.get(key, key): msgs for key, msgs in exc.errors.items()}
        for key in exc.errors:
            params[key] = 1 if key == "page" else None
        return search_offers(db.session, **params), errors


@bp.get("/")
def index():
    values = _filters_from_args()
    results, errors = _search(values, request.args.get("side", "1"))
    if values["kommune"] and "kommune" not in errors:
        values["kommune"] = municipalities.canonical_area(values["kommune"])  # "vejle kommune" selects Vejle
    # the filters as query args, for pagination links that keep them
    keep = {k: v for k, v in (("kommune", values["kommune"]), ("alder", values["alder"]),
                              ("form", values["form"]), ("gratis", "1" if values["gratis"] else ""),
                              ("profil", values["profil"]), ("q", values["q"])) if v}
    municipality_options = [(n, n) for n in municipalities.names()] + [
        (municipalities.NATIONWIDE, "Kun landsdækkende tilbud")]
    return render_template("offers/index.html", results=results, values=values, errors=errors, keep=keep,
                           municipality_options=municipality_options,
                           format_options=[(f, f.capitalize()) for f in FORMATS],
                           band_options=_band_options())


def _band_options() -> list[tuple[str, str]]:
    """The element-profile bands in the UI language ("Lovende træk (5–7 elementer)")."""
    from flask_babel import gettext as _
    return [(key, _("%(band)s (%(lo)s–%(hi)s elementer)", band=_(label), lo=lo, hi=hi))
            for (key, label), (lo, hi) in zip(BAND_LABELS.items(), ((0, 4), (5, 7), (8, 11)))]


def _viewable_or_404(offer: Offer | None) -> Offer:
    if offer is None:
        abort(404)
    if not offer.visible and not can_edit_offer(current_user, offer):
        abort(404)  # hidden offers are not revealed, not even by a 403
    return offer


@bp.get("/<int:offer_id>")
def show(offer_id: int):
    offer = _viewable_or_404(db.session.get(Offer, offer_id))
    rows = {row.element_key: row for row in offer.element_rows}
    return render_template("offers/show.html", offer=offer, rows=rows, levels=offer.element_levels(),
                           can_edit=can_edit_offer(current_user, offer))


@bp.get("/by-external-id/<path:external_id>")
def by_external_id(external_id: str):
    offer = _viewable_or_404(db.session.scalar(select(Offer).where(Offer.external_id == external_id)))
    return redirect(url_for("offers.show", offer_id=offer.id))
