"""Gazetteer: place names -> canonical municipality names.

Reads ``matcher/data/places.csv`` (header ``name,municipalities,kind,postcode``;
``municipalities`` is one canonical name or several separated by ``|``; kind is
kommune, alias, by, postdistrikt or bydel). If that file is missing, the 98
municipality names of ``catalog/data/kommuner.csv`` are used (data only, the
catalog package is never imported). A few everyday forms are built in.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

from .text import normalize

DATA_DIR = Path(__file__).resolve().parent / "data"
PLACES_CSV = DATA_DIR / "places.csv"
KOMMUNER_CSV = Path(__file__).resolve().parent.parent / "catalog" / "data" / "kommuner.csv"

NATIONWIDE = "Hele landet"

KIND_RANK = {"kommune": 0, "alias": 1, "postdistrikt": 2, "bydel": 3, "by": 4}

# Everyday forms every Dane uses (kept small; the gazetteer file holds the rest).
BUILTIN_ALIASES: dict[str, tuple[str, ...]] = {
    "kbh": ("København",), "kbhs": ("København",), "cph": ("København",),
    "københavn": ("København",), "hovedstaden": ("København",),
    "århus": ("Aarhus",), "ålborg": ("Aalborg",), "åbenrå": ("Aabenraa",),
    "høje taastrup": ("Høje-Taastrup",), "taastrup": ("Høje-Taastrup",),
    "lyngby": ("Lyngby-Taarbæk",), "lyngby taarbæk": ("Lyngby-Taarbæk",),
    "ikast brande": ("Ikast-Brande",), "ringkøbing skjern": ("Ringkøbing-Skjern",),
    "faaborg midtfyn": ("Faaborg-Midtfyn",), "vesthimmerland": ("Vesthimmerlands",),
    "nordfyn": ("Nordfyns",), "frb": ("Frederiksberg",),
}

# Single words that are also ordinary Danish words: these only count as places
# when written with a capital letter (and not as the first word of a sentence).
AMBIGUOUS = frozenset({
    "vejen", "lejre", "skive", "odder", "greve", "varde", "ringe", "hals", "tarm", "lind", "ry",
    "sorø", "fanø", "nyborg", "solrød", "stevns", "assens", "rebild", "struer", "tåstrup", "ærø",
    "læsø", "samsø", "vester", "øster", "nord", "syd", "vest", "øst", "havn", "strand", "skov",
    "bakke", "dal", "borg", "mark", "enge", "lunde", "tune", "hørve", "store", "lille", "nye",
    "centrum", "midtby", "by", "bryggen", "holme", "høje", "brande", "give", "vrå", "ulfborg",
})

CUES = frozenset({"i", "fra", "bor", "boende", "på", "ved", "nær", "omkring", "kommune", "området"})
DIRECTIONS = frozenset({"c", "k", "n", "nv", "ø", "s", "sv", "v", "nø", "sø", "vest", "øst", "nord",
                        "syd", "centrum", "midtby"})

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Place:
    name: str
    municipalities: tuple[str, ...]
    kind: str
    postcode: str | None


def _key(name: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(normalize(name)))


class Gazetteer:
    def __init__(self, rows: list[Place]):
        self.by_key: dict[tuple[str, ...], Place] = {}
        self.by_postcode: dict[str, Place] = {}
        self.municipalities: set[str] = set()
        for p in rows:
            k = _key(p.name)
            if not k:
                continue
            old = self.by_key.get(k)
            if old is None or KIND_RANK.get(p.kind, 9) < KIND_RANK.get(old.kind, 9):
                self.by_key[k] = p
            if p.postcode and p.postcode not in self.by_postcode:
                self.by_postcode[p.postcode] = p
            if p.kind == "kommune":
                self.municipalities.update(p.municipalities)
        for alias, munis in BUILTIN_ALIASES.items():
            k = _key(alias)
            if k not in self.by_key and all(m in self.municipalities for m in munis):
                self.by_key[k] = Place(alias, munis, "alias", None)
        self.max_len = max((len(k) for k in self.by_key), default=1)
        # Fuzzy candidates: municipality names and aliases (towns are too many and too short).
        self._fuzzy: dict[str, Place] = {
            " ".join(k): p for k, p in self.by_key.items()
            if p.kind in ("kommune", "alias") and len(" ".join(k)) >= 5
        }
        self._fuzzy_names = sorted(self._fuzzy)

    def lookup(self, key: tuple[str, ...]) -> Place | None:
        return self.by_key.get(key)

    def fuzzy(self, word: str) -> Place | None:
        n = len(word)
        if n < 5:
            return None
        maxd = 1 if n <= 8 else 2
        hits = process.extract(word, self._fuzzy_names, scorer=OSA.distance, score_cutoff=maxd, limit=5)
        if not hits:
            return None
        # ties on edit distance: the most similar by Jaro-Winkler (favours transpositions)
        best = min(hits, key=lambda h: (h[1], -JaroWinkler.similarity(word, h[0]), h[0]))
        return self._fuzzy[best[0]]


def _read_places(path: Path) -> list[Place]:
    rows: list[Place] = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            name = (r.get("name") or "").strip()
            munis = tuple(m.strip() for m in (r.get("municipalities") or "").split("|") if m.strip())
            if not name or not munis:
                continue
            kind = (r.get("kind") or "by").strip() or "by"
            pc = (r.get("postcode") or "").strip() or None
            rows.append(Place(name, munis, kind, pc))
    return rows


def _read_kommuner(path: Path) -> list[Place]:
    rows: list[Place] = []
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            name = (r.get("kommune") or "").strip()
            if name:
                rows.append(Place(name, (name,), "kommune", None))
    return rows


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    rows: list[Place] = []
    if PLACES_CSV.exists():
        rows = _read_places(PLACES_CSV)
    if not any(p.kind == "kommune" for p in rows) and KOMMUNER_CSV.exists():
        rows = _read_kommuner(KOMMUNER_CSV) + rows
    return Gazetteer(rows)
