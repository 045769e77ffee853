"""Read-side catalogue queries: filtered, paginated offer lists for the pages and the API. No Flask.

`search_offers` validates every filter first (all problems at once, as Danish messages keyed by the filter's
name) and only then touches the database. Filters may arrive as typed values or as the raw strings of a query
string ("12", "true", "Vejle"), so views and the API can pass request values straight through.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from sqlalchemy import Text, and_, cast, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from .elements import BAND_KEYS, BANDS
from .freshness import confirmed_condition
from .models import FORMATS, STATUSES, Offer, OfferArea, OfferFormat, Organisation
from .municipalities import NATIONWIDE, UnknownMunicipality, canonical_area
from .services import InvalidData

T = TypeVar("T")

# BAND_KEYS' keys with the Danish band names (elements.BANDS), in order.
BAND_LABELS: dict[str, str] = {key: next(label for lo, hi, label in BANDS if (lo, hi) == rng)
                               for key, rng in BAND_KEYS.items()}

MAX_PER_PAGE = 100
MAX_TEXT = 200
_TRUE = {"1", "true", "ja", "on", "yes"}
_FALSE = {"0", "false", "nej", "off", "no"}


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results. `page` is 1-based; `pages` is 0 when nothing matched."""

    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pages", math.ceil(self.total / self.per_page) if self.total else 0)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class OfferFilters:
    """Validated, canonical filter values (None = not filtered)."""

    municipality: str | None = None
    age: int | None = None
    formats: tuple[str, ...] = ()
    free: bool | None = None
    band: str | None = None
    organisation_id: int | None = None
    status: str | None = "published"
    only_verified: bool = True
    text: str | None = None
    page: int = 1
    per_page: int = 20


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _int(value: Any, errors: dict[str, list[str]], key: str, lo: int, hi: int | None, msg: str) -> int | None:
    if isinstance(value, bool):
        errors[key] = [msg]
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.lstrip("-").isdigit() or len(text) > 9:
            errors[key] = [msg]
            return None
        number = int(text)
    if number < lo or (hi is not None and number > hi):
        errors[key] = [msg]
        return None
    return number


def _bool(value: Any, errors: dict[str, list[str]], key: str) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    errors[key] = ["Skal være sand eller falsk."]
    return None


def validate_filters(*, municipality: Any = None, age: Any = None, formats: Iterable[Any] | str | None = None,
                     free: Any = None, band: Any = None, organisation_id: Any = None,
                     status: str | None = "published", only_verified: bool = True, text: Any = None,
                     page: Any = 1, per_page: Any = 20) -> OfferFilters:
    """Check and canonicalise filter values; InvalidData names every bad one (keys = parameter names)."""
    errors: dict[str, list[str]] = {}

    area = None
    if not _blank(municipality):
        try:
            area = canonical_area(str(municipality))
        except UnknownMunicipality as exc:
            errors["municipality"] = [str(exc)]

    age_value = None if _blank(age) else _int(age, errors, "age", 0, 120,
                                                "Alder skal være et helt tal mellem 0 og 120.")

    wanted: list[str] = []
    if formats is not None:
        items = [formats] if isinstance(formats, str) else list(formats)
        for item in items:
            if _blank(item):
                continue
            name = str(item).strip().casefold()
            if name not in FORMATS:
                errors.setdefault("formats", []).append(
                    f"Ukendt form '{item}'. Vælg blandt: {', '.join(FORMATS)}.")
            elif name not in wanted:
                wanted.append(name)

    free_value = None if _blank(free) else _bool(free, errors, "free")

    band_value = None
    if not _blank(band):
        band_value = str(band).strip()
        if band_value not in BAND_KEYS:
            choices = ", ".join(f"{key} ({label})" for key, label in BAND_LABELS.items())
            errors["band"] = [f"Ukendt niveau '{band}'. Vælg blandt: {choices}."]

    org_value = None if _blank(organisation_id) else _int(organisation_id, errors, "organisation_id", 1, None,
                                                          "Skal være et positivt helt tal.")

    if status is not None and status not in STATUSES:
        errors["status"] = [f"Status skal være en af: {', '.join(STATUSES)}."]

    text_value = None
    if not _blank(text):
        text_value = " ".join(str(text).split())
        if len(text_value) > MAX_TEXT:
            errors["text"] = [f"Højst {MAX_TEXT} tegn."]

    page_value = 1 if _blank(page) else _int(page, errors, "page", 1, None, "Side skal være et helt tal fra 1.")
    per_page_value = 20 if _blank(per_page) else _int(
        per_page, errors, "per_page", 1, MAX_PER_PAGE, f"Antal pr. side skal være mellem 1 og {MAX_PER_PAGE}.")

    if errors:
        raise InvalidData(errors)
    return OfferFilters(municipality=area, age=age_value, formats=tuple(wanted), free=free_value,
                        band=band_value, organisation_id=org_value, status=status,
                        only_verified=bool(only_verified), text=text_value, page=page_value or 1,
                        per_page=per_page_value or 20)


def offer_conditions(filters: OfferFilters) -> list[ColumnElement[bool]]:
    """WHERE conditions for `filters` (EXISTS subqueries for the area and format tables)."""
    conds: list[ColumnElement[bool]] = []
    if filters.status is not None:
        conds.append(Offer.status == filters.status)
    if filters.only_verified:
        conds.append(exists().where(Organisation.id == Offer.organisation_id, Organisation.verified.is_(True)))
        conds.append(confirmed_condition(Offer.assured_at))  # unconfirmed for 18 months: hidden (freshness.py)
    if filters.organisation_id is not None:
        conds.append(Offer.organisation_id == filters.organisation_id)
    if filters.municipality is not None:
        areas = {filters.municipality, NATIONWIDE}
        conds.append(exists().where(OfferArea.offer_id == Offer.id, OfferArea.municipality.in_(areas)))
    if filters.age is not None:
        conds.append(or_(Offer.age_min.is_(None), Offer.age_min <= filters.age))
        conds.append(or_(Offer.age_max.is_(None), Offer.age_max >= filters.age))
    if filters.formats:
        conds.append(exists().where(OfferFormat.offer_id == Offer.id, OfferFormat.format.in_(filters.formats)))
    if filters.free is True:
        conds.append(func.lower(func.trim(Offer.cost)) == "gratis")
    elif filters.free is False:
        conds.append(func.lower(func.trim(Offer.cost)) != "gratis")
    if filters.band is not None:
        lo, hi = BAND_KEYS[filters.band]
        conds.append(and_(Offer.elements_count >= lo, Offer.elements_count <= hi))
    if filters.text:
        needle = filters.text.casefold()
        # Tags are a JSON array stored as text; non-ASCII letters are stored \u-escaped, so look for that form.
        escaped = json.dumps(needle)[1:-1]
        tags = func.lower(cast(Offer.tags, Text))
        conds.append(or_(func.lower(Offer.title).contains(needle, autoescape=True),
                         tags.contains(escaped, autoescape=True), tags.contains(needle, autoescape=True)))
    return conds


def search_offers(session: Session, *, municipality: Any = None, age: Any = None,
                  formats: Iterable[Any] | str | None = None, free: Any = None, band: Any = None,
                  organisation_id: Any = None, status: str | None = "published", only_verified: bool = True,
                  text: Any = None, page: Any = 1, per_page: Any = 20) -> Page[Offer]:
    """Offers matching every given filter, ordered by (title, id), one page at a time.

    - municipality: offers that cover it or "Hele landet" ("Hele landet" itself: nationwide offers only);
      everyday forms such as "Vejle Kommune" are accepted, unknown names raise InvalidData with a suggestion.
    - age: 0-120; an offer's missing age_min/age_max counts as open.
    - formats: any of them; free: cost is "gratis" (False: not gratis); band: a key of elements.BAND_KEYS.
    - status: None for every status; only_verified=False includes organisations not yet verified.
    - text: case-insensitive substring of the title or a tag.
    A page past the last one is empty (total and pages still tell the size).
    Items come with organisation, areas, formats and element rows loaded.
    """
    filters = validate_filters(municipality=municipality, age=age, formats=formats, free=free, band=band,
                               organisation_id=organisation_id, status=status, only_verified=only_verified,
                               text=text, page=page, per_page=per_page)
    return search(session, filters)


def search(session: Session, filters: OfferFilters) -> Page[Offer]:
    conds = offer_conditions(filters)
    total = session.scalar(select(func.count()).select_from(Offer).where(*conds)) or 0
    items: list[Offer] = []
    offset = (filters.page - 1) * filters.per_page
    if offset < total:
        stmt = (select(Offer).where(*conds)
                .options(selectinload(Offer.organisation), selectinload(Offer.area_rows),
                         selectinload(Offer.format_rows), selectinload(Offer.element_rows))
                .order_by(Offer.title, Offer.id).offset(offset).limit(filters.per_page))
        items = list(session.scalars(stmt))
    return Page(items=items, total=total, page=filters.page, per_page=filters.per_page)

