"""Denmark's 98 municipalities (the project's own data, from Danmarks Statistik's list) plus "Hele landet"."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

NATIONWIDE = "Hele landet"
_DATA = Path(__file__).parent / "data" / "kommuner.csv"


@dataclass(frozen=True)
class Municipality:
    name: str
    region: str
    code: str


@lru_cache(maxsize=1)
def all_municipalities() -> tuple[Municipality, ...]:
    with _DATA.open(encoding="utf-8") as f:
        return tuple(Municipality(r["kommune"], r["region"], r["kommunekode"]) for r in csv.DictReader(f))


@lru_cache(maxsize=1)
def _by_folded_name() -> dict[str, Municipality]:
    return {m.name.casefold(): m for m in all_municipalities()}


def names() -> list[str]:
    return [m.name for m in all_municipalities()]


def get(name: str) -> Municipality | None:
    return _by_folded_name().get(_fold(name))


def _fold(name: str) -> str:
    n = " ".join(name.split()).casefold()
    if n.endswith(" kommune"):
        n = n[: -len(" kommune")]
    if n.endswith("s") and n[:-1] in _by_folded_name() and n not in _by_folded_name():
        n = n[:-1]  # "Københavns" -> "København"
    return n


class UnknownMunicipality(ValueError):
    def __init__(self, name: str, suggestion: str | None):
        self.name = name
        self.suggestion = suggestion
        msg = f"Ukendt kommune '{name}'"
        if suggestion:
            msg += f" – mente du {suggestion}?"
        super().__init__(msg)


def suggest(name: str) -> str | None:
    """The closest known area name: fewest edits (a swap of two letters counts as one), then most letters
    in common, so "Vejel" suggests Vejle rather than Vejen."""
    folded = _fold(name)
    if not folded:
        return None
    best, best_key = None, None
    for choice in names() + [NATIONWIDE]:
        c = choice.casefold()
        sim = OSA.normalized_similarity(folded, c)
        key = (sim, fuzz.ratio("".join(sorted(folded)), "".join(sorted(c))))
        if best_key is None or key > best_key:
            best, best_key = choice, key
    return best if best_key and best_key[0] >= 0.6 else None


def canonical_area(name: str) -> str:
    """Canonical area name for `name`, or UnknownMunicipality with a suggestion."""
    if _fold(name) == NATIONWIDE.casefold():
        return NATIONWIDE
    m = get(name)
    if m is None:
        raise UnknownMunicipality(name, suggest(name))
    return m.name
