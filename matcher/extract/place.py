"""Place: the family's municipality from a free text.

The gazetteer (``matcher/data/places.csv``) knows the 98 municipalities, their everyday forms, towns,
postal districts and neighbourhoods; postcodes count with a cue ("bor i 2300", "8000 Aarhus C").
Ordinary words that are also place names ("Beder", "Mørke" at a sentence start) count only when
written as places, a number's unit is no town ("i 3 års tid" is not Års), and a place the family only
passes through ("vi var på ferie i Skagen") is not where it lives. Misspellings of capitalised words
or words after a cue are corrected fuzzily when nothing else is found.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..places import AMBIGUOUS, CUES, DIRECTIONS, STRONG_CUES, Gazetteer, Place, default_gazetteer
from ..text import STOP_WORDS
from .common import NUMBER_WORDS, Text, sentence_start

_SUFFIX = ("kommune", "kommunes", "området", "omegn", "egnen")
_KIND_PENALTY = {"kommune": 0, "alias": 0, "postdistrikt": 1, "bydel": 1, "by": 2}
_AMOUNT_WORDS = frozenset({"kr", "kroner", "krone", "dkk", "euro", "om", "mdr", "md", "mnd", "måned", "måneden",
                           "år", "timer", "km", "gange", "personer", "familier", "børn"})
_YEAR_BEFORE = frozenset({"siden", "år", "året", "i", "fra", "til", "efter", "før", "inden", "sommer", "sommeren",
                          "foråret", "efteråret", "vinteren", "januar", "februar", "marts", "april", "maj", "juni",
                          "juli", "august", "september", "oktober", "november", "december"})
_LIVE_BEFORE_POSTCODE = ("bor", "boende", "bosat", "bosiddende", "bo", "flyttet", "flytter")
# words that make a place one the family only passes through ("på ferie i Skagen", "flygtede fra")
_PASSING = frozenset({"ferie", "ferien", "sommerferie", "sommerferien", "tur", "turen", "udflugt", "besøg",
                      "besøge", "besøger", "besøgte", "rejste", "rejse", "rejsen", "weekend", "opvokset",
                      "voksede", "født", "flygtede", "flygtet", "stammer", "hospitalet",
                      "sygehuset", "indlagt", "arbejder", "arbejde", "job", "studerer", "uddannelse"})
_HOME = frozenset({"bor", "boede", "boende", "bosat", "flyttet", "flytter", "hjemme"})
_COUNT_BEFORE = ("mange", "flere", "nogle", "par")


@dataclass
class PlaceReading:
    """The municipality read from a text.

    ``alternatives``: further municipalities the named postal district covers (an offer in any of them
    is eligible). ``others``: municipalities the same name can also mean (e.g. a small postal district
    elsewhere), for a clarifying question; they are not eligible. ``masked``: token indices used."""
    municipality: str | None = None
    source: str | None = None
    masked: set[int] = field(default_factory=set)
    alternatives: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)


@dataclass
class _Found:
    score: float
    pos: int
    cands: list[Place]
    source: str
    idx: set[int]


def in_passing(surf: list[str], i: int) -> bool:
    """A place named after a word of passing and no word of living, within the few words before it."""
    before = surf[max(0, i - 4):i]
    return any(w in _PASSING for w in before) and not any(w in _HOME for w in before)


class PlaceExtractor:
    def __init__(self, gazetteer: Gazetteer | None = None):
        self.gaz = gazetteer or default_gazetteer()

    def extract(self, t: Text, known: Callable[[str], bool] = lambda w: False) -> PlaceReading:
        """The family's municipality; ``known(word)``: a word of the vocabulary, never a misspelt place."""
        found = self._scan(t) or self._misspelt(t, known)
        if not found:
            return PlaceReading()
        return self._choose(found)

    # -- finding candidates ---------------------------------------------------
    def _scan(self, t: Text) -> list[_Found]:
        found: list[_Found] = []
        i, n = 0, len(t.surf)
        while i < n:
            hit = None
            for L in range(min(self.gaz.max_len, n - i), 0, -1):
                hit = self._candidate(t, i, L)
                if hit is not None:
                    break
            if hit is not None:
                f, j = hit
                found.append(f)
                i = j
                continue
            s = t.surf[i]
            if len(s) == 4 and s.isdigit() and postcode_cue(t, i):
                p = self.gaz.postcode(s)
                if p is not None:
                    found.append(_Found(9.0, i, [p], s, {i}))
            i += 1
        return found

    def _lookup(self, key: tuple[str, ...]) -> tuple[list[Place], bool]:
        """Candidates for a word sequence, also read as a genitive ("Vejles"): (candidates, genitive?)."""
        cands = self.gaz.candidates(key)
        if not cands and key[-1].endswith("s") and len(key[-1]) > 3:
            cands = self.gaz.candidates(key[:-1] + (key[-1][:-1],))
            return cands, bool(cands)
        return cands, False

    def _is_postcode(self, t: Text, k: int) -> bool:
        w = t.word(k)
        return len(w) == 4 and w.isdigit() and self.gaz.postcode(w) is not None

    def _candidate(self, t: Text, i: int, L: int) -> tuple[_Found, int] | None:
        """The place the L words from token i name, with the index after it, or None."""
        key = tuple(t.surf[i:i + L])
        cands, genitive = self._lookup(key)
        if not cands or not self._plausible(t, i, L, cands):
            return None
        n = len(t.surf)
        idx = set(range(i, i + L))
        j = i + L
        # "Vejle Kommune", "Kolding-området", "Aarhus V", "kbh NV"
        while j < n and (t.surf[j] in _SUFFIX or (t.surf[j] in DIRECTIONS and j == i + L)):
            idx.add(j)
            j += 1
        prev, nxt = t.word(i - 1), t.word(i + L)
        score = 10.0 - 2 * _KIND_PENALTY.get(cands[0].kind, 2)
        if prev in CUES or nxt in _SUFFIX:
            score += 3
        if genitive and nxt not in ("kommune", "kommunes"):
            score -= 2
        if self._is_postcode(t, i - 1):
            # "8000 Aarhus C", "2200 København N": the postcode says which reading is meant
            idx.add(i - 1)
            pc = self.gaz.postcode(t.surf[i - 1])
            agree = [p for p in cands if pc is not None and set(p.municipalities) & set(pc.municipalities)]
            if agree:
                cands = agree + [p for p in cands if p not in agree]
            score += 2
        src = " ".join(t.surf[k] for k in sorted(idx))
        return _Found(score, i, cands, src, idx), j

    def _plausible(self, t: Text, i: int, L: int, cands: list[Place]) -> bool:
        """Whether the words are meant as a place here (see the module docstring)."""
        word = " ".join(t.surf[i:i + L])
        cap = t.toks[i][3]
        mid = cap and not sentence_start(t.norm, t.toks[i][1])
        prev, nxt = t.word(i - 1), t.word(i + L)
        cue = prev in CUES or nxt in _SUFFIX
        kommune_next = nxt in ("kommune", "kommunes")
        if L == 1:
            if word in STOP_WORDS or (word in AMBIGUOUS and not (mid or kommune_next)):
                return False
            # an ordinary word ("beder", "løsning", "Mørke" at a sentence start) is a
            # place only when written as one: "bor i Beder", "8330 Beder", "Gram Kommune"
            written_as_place = (mid and prev in STRONG_CUES) or kommune_next or self._is_postcode(t, i - 1)
            if (self.gaz.is_common_word(word) and not any(p.kind == "kommune" for p in cands)
                    and not written_as_place):
                return False
            if cands[0].kind in ("by", "bydel") and not cap and not cue:
                return False
        if word == "års" and (prev.isdigit() or prev in NUMBER_WORDS or prev in _COUNT_BEFORE):
            return False  # "i 3 års tid", "ti års ægteskab": a number's unit, not the town
        return not in_passing(t.surf, i)  # "vi var på ferie i Skagen": not where the family lives

    def _misspelt(self, t: Text, known: Callable[[str], bool]) -> list[_Found]:
        """Misspellings: capitalised words, or words next to a cue."""
        found: list[_Found] = []
        for i, (s, a, _b, cap) in enumerate(t.toks):
            if len(s) < 5 or s in STOP_WORDS or not s.isalpha():
                continue
            nxt = t.word(i + 1)
            cue = t.word(i - 1) in CUES or nxt in ("kommune", "kommunes", "området")
            if not ((cap and not sentence_start(t.norm, a)) or cue) or known(s):
                continue
            place = self.gaz.fuzzy(s)
            if place is None:
                continue
            idx = {i}
            if nxt in ("kommune", "kommunes", "området"):
                idx.add(i + 1)
            found.append(_Found(5.0 + (3 if cue else 0), i, [place], s, idx))
        return found

    # -- choosing -------------------------------------------------------------
    @staticmethod
    def _choose(found: list[_Found]) -> PlaceReading:
        found.sort(key=lambda f: (-f.score, f.pos))
        best = found[0]
        masked: set[int] = set()
        for f in found:
            masked |= f.idx
        # other places named in the text decide between readings ("Hasle, Aarhus")
        named = {m for f in found[1:] for m in f.cands[0].municipalities[:1]}
        cands = best.cands
        confirmed = [p for p in cands if set(p.municipalities) & named]
        place = confirmed[0] if confirmed else cands[0]
        muni = place.municipalities[0]
        if confirmed and muni not in named:
            muni = next(m for m in place.municipalities if m in named)
        alternatives: list[str] = []
        others: list[str] = []
        if not confirmed:
            if place.kind in ("postdistrikt", "by"):
                alternatives = [m for m in place.municipalities if m != muni]
            for p in cands[1:]:
                m = p.municipalities[0]
                if m != muni and m not in alternatives and m not in others:
                    others.append(m)
        return PlaceReading(muni, best.source, masked, alternatives, others)


def postcode_cue(t: Text, i: int) -> bool:
    """A lone four-digit number is a postcode only with a cue: "postnr. 2200",
    "bor i 2300", or a capitalised word right after it that is not a sentence
    start ("2300 S"), and never when it reads as a year or an amount."""
    prev, prev2, nxt = t.word(i - 1), t.word(i - 2), t.word(i + 1)
    if prev in ("postnr", "postnummer", "postnummeret"):
        return True
    if nxt in _AMOUNT_WORDS:
        return False
    if prev == "i" and prev2 in _LIVE_BEFORE_POSTCODE:
        return True
    if prev in _YEAR_BEFORE:
        return False
    if i + 1 < len(t.surf) and t.toks[i + 1][3] and not sentence_start(t.norm, t.toks[i + 1][1]) and len(nxt) <= 3:
        return not (1900 <= int(t.surf[i]) <= 2099) or nxt in DIRECTIONS
    return False


__all__ = ["PlaceExtractor", "PlaceReading", "in_passing", "postcode_cue"]
