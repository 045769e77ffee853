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

from .analysis import default_analyzer
from .text import STOP_WORDS, normalize

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

# Place names (towns, postal districts, neighbourhoods) that are also ordinary
# Danish words, inflected forms or common first names. General Danish vocabulary,
# written for the gazetteer; words of the thesaurus and stop words are checked too
# (see :meth:`Gazetteer.is_common_word`). Such a name only counts as a place with
# a strong cue (see ``STRONG_CUES``) or next to "Kommune" or a postcode.
COMMON_WORDS = frozenset("""
beder løsning mørke gesten henne stege rude gram vig balle vandel humble them tim fur lemming flemming
ørsted give ringe hals tarm vrå ry brande tune lejre vejen stilling visse friheden sorgenfri overlade
bække vinge vrist knebel nøjsomhed holmen hampen borre glud lind skive odder greve ans listed bov
elling dalby store lille nye nord syd vest øst vester øster strand skov bakke dal borg mark enge
lunde havn centrum bryggen holme høje
""".split())

# Words right before a common-word place name that make it a place ("bor i
# Beder", "fra Mørke", "i nærheden af Stege"); the name must also be capitalised.
STRONG_CUES = frozenset({"i", "fra", "ved", "nær", "omkring", "af", "mod", "til"})

# Copenhagen's street-level postcodes (the gazetteer keeps one row per range).
POSTCODE_RANGES: tuple[tuple[int, int, str], ...] = (
    (1000, 1499, "1050"),   # København K
    (1500, 1799, "1550"),   # København V
    (1800, 1999, "1800"),   # Frederiksberg C
)

# Municipalities with at least this many neighbourhoods in the gazetteer are
# "big cities": a neighbourhood of one of them is a likelier reading of a name
# than an equally named small postal district elsewhere ("Hasle": Aarhus, not Bornholm).
BIG_CITY_MIN_BYDELE = 8
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
        self.all_by_key: dict[tuple[str, ...], list[Place]] = {}
        self.by_postcode: dict[str, Place] = {}
        self.municipalities: set[str] = set()
        bydele: dict[str, int] = {}
        for p in rows:
            if p.kind == "bydel" and len(p.municipalities) == 1:
                bydele[p.municipalities[0]] = bydele.get(p.municipalities[0], 0) + 1
            if p.kind == "kommune":
                self.municipalities.update(p.municipalities)
        self.big_cities = frozenset(m for m, c in bydele.items() if c >= BIG_CITY_MIN_BYDELE)
        for p in rows:
            k = _key(p.name)
            if not k:
                continue
            lst = self.all_by_key.setdefault(k, [])
            if not any(q.municipalities == p.municipalities and q.kind == p.kind for q in lst):
                lst.append(p)
            if p.postcode and p.postcode not in self.by_postcode:
                self.by_postcode[p.postcode] = p
        for alias, munis in BUILTIN_ALIASES.items():
            k = _key(alias)
            if k not in self.all_by_key and all(m in self.municipalities for m in munis):
                self.all_by_key[k] = [Place(alias, munis, "alias", None)]
        for k, lst in self.all_by_key.items():
            lst.sort(key=self._preference)
            self.by_key[k] = lst[0]
        self.max_len = max((len(k) for k in self.by_key), default=1)
        # Fuzzy candidates: municipality names and aliases (towns are too many and too short).
        self._fuzzy: dict[str, Place] = {
            " ".join(k): p for k, p in self.by_key.items()
            if p.kind in ("kommune", "alias") and len(" ".join(k)) >= 5
        }
        self._fuzzy_names = sorted(self._fuzzy)

    def _preference(self, p: Place) -> tuple[int, int]:
        """Which reading of a name comes first: municipalities and aliases, then a
        neighbourhood of a big city, then postal districts, other neighbourhoods, towns."""
        if p.kind == "bydel" and p.municipalities[0] in self.big_cities:
            return (KIND_RANK["alias"], 1)
        return (KIND_RANK.get(p.kind, 9), 0)

    def lookup(self, key: tuple[str, ...]) -> Place | None:
        """The preferred reading of a name (see :meth:`candidates` for all of them)."""
        return self.by_key.get(key)

    def candidates(self, key: tuple[str, ...]) -> list[Place]:
        """Every reading of a name, the preferred first."""
        return self.all_by_key.get(key, [])

    def postcode(self, code: str) -> Place | None:
        """The postal district of a four-digit postcode, incl. Copenhagen's ranges."""
        p = self.by_postcode.get(code)
        if p is not None or not (len(code) == 4 and code.isdigit()):
            return p
        n = int(code)
        for lo, hi, rep in POSTCODE_RANGES:
            if lo <= n <= hi:
                return self.by_postcode.get(rep)
        return None

    @lru_cache(maxsize=4096)  # noqa: B019 (one gazetteer per process, kept for its lifetime anyway)
    def is_common_word(self, word: str) -> bool:
        """A (normalised, one-word) place name that is also an ordinary word."""
        if word in COMMON_WORDS or word in STOP_WORDS:
            return True
        return word in default_analyzer().surface_vocab

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
