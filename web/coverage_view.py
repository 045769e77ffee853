"""The coverage map's numbers for the /indsigt pages and the /api/v1/insights endpoints: the filters a request
gives (period, need theme), and per municipality the searches, the unmet ones and their colour class. Shared
by both blueprints, so neither imports the other. Cells below 5 searches are never shown."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from catalog import coverage
from catalog.db import utcnow
from catalog.outcomes import MIN_CELL
from matcher.thesaurus import CONCEPTS

from .extensions import db

DEFAULT_DAYS = 91
MAX_DAYS = 3 * 366
# Sequential colour classes (ColorBrewer YlOrRd), each also named in words in titles, legend and table.
CLASSES = (
    (0.2, "#ffffb2", "under 20 %"),
    (0.4, "#fecc5c", "20–39 %"),
    (0.6, "#fd8d3c", "40–59 %"),
    (0.8, "#e31a1c", "60–79 %"),
    (1.01, "#800026", "80–100 %"),
)
SUPPRESSED_FILL = "url(#skjult)"
SUPPRESSED_LABEL = f"færre end {MIN_CELL} søgninger (vises ikke)"
THEMES = sorted(((c.key, c.label) for c in CONCEPTS), key=lambda kv: kv[1])
THEME_KEYS = {k for k, _ in THEMES}


def colour_class(share: float | None) -> int | None:
    if share is None:
        return None
    return next(i for i, (upper, _, _) in enumerate(CLASSES) if share < upper)


@dataclass
class Filters:
    start: date
    end: date
    theme: str | None
    errors: dict

    @property
    def period(self) -> coverage.Period:
        return coverage.Period(self.start, self.end)

    def args(self) -> dict:
        out = {"fra": self.start.isoformat(), "til": self.end.isoformat()}
        if self.theme:
            out["tema"] = self.theme
        return out


def parse_filters(args) -> Filters:
    """fra/til (YYYY-MM-DD) and tema (a need concept key); bad values get a Danish message, defaults are used."""
    today = utcnow().date()
    errors: dict[str, list[str]] = {}

    def day(name: str, default: date) -> date:
        raw = (args.get(name) or "").strip()
        if not raw:
            return default
        try:
            return date.fromisoformat(raw[:10]) if len(raw) <= 10 else date.fromisoformat("x")
        except ValueError:
            errors[name] = ["Skriv datoen som ÅÅÅÅ-MM-DD, fx 2026-03-01."]
            return default

    end = day("til", today)
    start = day("fra", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        errors["fra"] = ["Fra-datoen skal ligge før til-datoen."]
        start = end - timedelta(days=DEFAULT_DAYS - 1)
    if (end - start).days > MAX_DAYS:
        errors["fra"] = ["Vælg en periode på højst tre år."]
        start = end - timedelta(days=MAX_DAYS)
    theme = (args.get("tema") or "").strip() or None
    if theme is not None and theme not in THEME_KEYS:
        errors["tema"] = ["Ukendt behov. Vælg et fra listen."]
        theme = None
    return Filters(start, end, theme, errors)


def coverage_rows(filters: Filters) -> list[dict]:
    rows = []
    for cell in coverage.municipality_cells(db.session, filters.period, filters.theme):
        share = cell.share
        klass = colour_class(share)
        rows.append({
            "municipality": cell.municipality, "searches": cell.shown_searches, "unmet": cell.shown_unmet,
            "share": None if share is None else round(share, 3), "suppressed": cell.suppressed,
            "class": klass, "fill": SUPPRESSED_FILL if klass is None else CLASSES[klass][1],
            "class_label": SUPPRESSED_LABEL if klass is None else CLASSES[klass][2],
        })
    return rows
