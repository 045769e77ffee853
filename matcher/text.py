"""Danish text analysis: normalisation, tokenising, stop words, stemming,
compound splitting and typo tolerance.

Everything here is a pure function of its input (plus the static lexicon
given to :class:`Analyzer`), so results are cached per unique token.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from collections.abc import Iterable, Sequence

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

_stemmer = Stemmer.Stemmer("danish")

# Snowball's Danish stop-word list plus a few chat fillers.
STOP_WORDS = frozenset(
    """
    og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi min
    havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle vil
    blev kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit også under
    have dig anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange ad bliver
    hendes været thi jer sådan
    kan får fik nok lidt godt gerne evt ca fx mv osv helt bare rigtig virkelig også
    """.split()
)

NEGATIONS = frozenset({"ikke", "ingen", "intet", "uden", "aldrig", "hverken"})

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)

# Conjunctions that open a new clause (a negation's scope ends before them).
CLAUSE_WORDS = frozenset({"men", "fordi", "selvom", "mens", "når", "hvis", "eftersom", "skønt", "så"})
CLAUSE_PUNCT = frozenset(".,;:!?()[]\n–—")


def clause_starts(text: str, spans: list[tuple[int, int]], surfaces: list[str]) -> frozenset[int]:
    """Indices of the tokens that begin a new clause: after punctuation or at a
    clause-opening conjunction ("men", "fordi", ...). ``spans`` are the tokens'
    (start, end) offsets in ``text``."""
    out = set()
    for k in range(1, len(spans)):
        gap = text[spans[k - 1][1]:spans[k][0]]
        if surfaces[k] in CLAUSE_WORDS or any(ch in CLAUSE_PUNCT for ch in gap):
            out.add(k)
    return frozenset(out)


_PUNCT = "".join(sorted(CLAUSE_PUNCT - {"\n"}))

# Many texts at once (see split_many): the texts are joined by TEXT_END, a line break becomes BREAK, each clause
# punctuation mark a piece of its own, and the common separators that are neither a word nor clause punctuation
# become spaces.
TEXT_END, BREAK = "\ue000", "\ue001"
COMMA, CLAUSE_MARK, END_MARK = 1, 2, 3
MARKS = {**{c: CLAUSE_MARK for c in _PUNCT}, ",": COMMA, BREAK: CLAUSE_MARK, TEXT_END: END_MARK}
_SEPARATORS = "".join(c for c in map(chr, range(0x21, 0x7f)) if not c.isalnum() and c not in CLAUSE_PUNCT) + "«»“”„‘’•"
_WORD_OR_MARK = re.compile(r"[^\W_]+|[" + re.escape(_PUNCT) + "]")


def split_many(norms: Sequence[str]) -> list[str]:
    """The pieces of many normalised texts: their words and clause punctuation marks (MARKS), each text ended
    by TEXT_END, in order; a piece that is neither (it holds another character) must be split by ``split_piece``.
    Together the pieces give each text's words and clauses as ``clause_split`` does."""
    if any(TEXT_END in t or BREAK in t for t in norms):
        # the markers are private characters, and as such separate words
        norms = [t.replace(TEXT_END, " ").replace(BREAK, " ") for t in norms]
    big = f" {TEXT_END} ".join(norms) + f" {TEXT_END}"
    for c in _SEPARATORS:
        if c in big:
            big = big.replace(c, " ")
    for c in _PUNCT:
        if c in big:
            big = big.replace(c, f" {c} ")
    if "\n" in big:
        big = big.replace("\n", f" {BREAK} ")
    return big.split()


def split_piece(piece: str) -> list[str]:
    """The words and clause punctuation marks of a piece."""
    return _WORD_OR_MARK.findall(piece)


def clause_split(norm: str) -> tuple[list[str], list[int], list[int]]:
    """The words of a normalised text (as ``words`` finds them), the indices of the words that begin a clause
    after punctuation (as ``clause_starts`` finds them, without the clause words), and of those that follow a
    comma; from the pieces of ``split_many``, as a build reads many texts at once."""
    surfaces: list[str] = []
    clauses: list[int] = []
    commas: list[int] = []
    gap = False    # clause punctuation since the last word
    comma = False  # a comma among it
    for piece in split_many([norm]):
        for p in (piece,) if piece.isalnum() or piece in MARKS else split_piece(piece):
            kind = MARKS.get(p)
            if kind is None:      # a word
                if gap and surfaces:
                    clauses.append(len(surfaces))
                    if comma:
                        commas.append(len(surfaces))
                gap = comma = False
                surfaces.append(p)
            elif kind != END_MARK:
                gap = True
                comma = comma or kind == COMMA
    return surfaces, clauses, commas


def normalize(text: str) -> str:
    """NFKC + casefold; æ, ø, å are kept as they are."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", text.replace("½", ",5")).casefold()


@dataclass(frozen=True, slots=True)
class Token:
    surface: str      # normalised word as written
    start: int        # char offset in the normalised text
    end: int


def tokenize(text: str) -> list[Token]:
    """Words of the normalised text (hyphens and punctuation split words)."""
    norm = normalize(text)
    return [Token(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(norm)]


def words(text: str) -> list[str]:
    return WORD_RE.findall(normalize(text))


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def is_stop(word: str) -> bool:
    return word in STOP_WORDS


_LINKS = ("s", "e")
_MIN_PART = 3


@dataclass(frozen=True, slots=True)
class WordInfo:
    """Analysis of one surface word."""

    word: str                 # surface (after typo correction, if any)
    stem: str
    parts: tuple[str, ...]    # stems of compound parts ((), if not a compound)
    corrected_from: str | None = None


class Analyzer:
    """Stemming + compound splitting + typo correction against a static lexicon.

    ``lexicon`` is an iterable of surface words that are "known": compound
    parts must be known words (or their stems), and typo correction maps an
    unknown word onto the nearest known word.
    """

    def __init__(self, lexicon: Iterable[str]):
        surf = {w for w in (normalize(x).strip() for x in lexicon) if w and " " not in w}
        self.surface_vocab: frozenset[str] = frozenset(surf)
        self.stem_vocab: frozenset[str] = frozenset(stem(w) for w in surf)
        # Compound parts: a known surface form or a known stem (first parts appear
        # as "lekti"/"lektie", "sorg", "fødsel" ...).
        banned = STOP_WORDS | NEGATIONS | {stem(w) for w in STOP_WORDS | NEGATIONS}
        self._part_vocab = frozenset(
            w for w in (self.surface_vocab | self.stem_vocab) if len(w) >= _MIN_PART and w not in banned
        )
        # Buckets by first letter for fast typo search.
        buckets: dict[str, list[str]] = {}
        for w in sorted(self.surface_vocab):
            if len(w) >= 4 and w.isalpha():
                buckets.setdefault(w[0], []).append(w)
        self._buckets = buckets
        self.analyse = lru_cache(maxsize=200_000)(self._analyse)

    # -- compound splitting ------------------------------------------------
    def split(self, word: str) -> tuple[str, ...]:
        """Split ``word`` into stems of known parts (fewest parts wins).

        Danish linking letters (-s-, -e-) between parts are allowed. Returns ()
        when no split into >= 2 known parts exists.
        """
        n = len(word)
        if n < 2 * _MIN_PART or not word.isalpha():
            return ()
        pv = self._part_vocab
        sv = self.stem_vocab
        # best[i] = (parts_count, links, parts) for a split of word[:i]
        best: list[tuple[int, int, tuple[str, ...]] | None] = [None] * (n + 1)
        best[0] = (0, 0, ())
        for i in range(n):
            cur = best[i]
            if cur is None:
                continue
            for j in range(i + _MIN_PART, n + 1):
                seg = word[i:j]
                if j == n:
                    if i == 0:  # the whole word is not a split
                        continue
                    st = stem(seg)
                    ok = seg in pv or (st in sv and st in pv)
                    ends = [(n, 0)] if ok else []
                    piece = st
                else:
                    if seg not in pv:
                        continue
                    piece = stem(seg)
                    ends = [(j, 0)]
                    if word[j] in _LINKS and j + 1 < n:
                        ends.append((j + 1, 1))
                for end, link in ends:
                    cand = (cur[0] + 1, cur[1] + link, cur[2] + (piece,))
                    old = best[end]
                    if old is None or cand[:2] < old[:2]:
                        best[end] = cand
        res = best[n]
        if res is None or res[0] < 2:
            return ()
        return res[2]

    # -- typo correction ---------------------------------------------------
    def correct(self, word: str) -> str | None:
        """Nearest known word within a small edit distance (OSA), or None.

        5–8 letters: distance 1; 9+ letters: distance 2; shorter words are not
        corrected. The first letter must agree (typos rarely hit it, and it
        keeps the search fast).
        """
        n = len(word)
        if n < 5 or not word.isalpha():
            return None
        maxd = 1 if n <= 8 else 2
        bucket = self._buckets.get(word[0])
        if not bucket:
            return None
        hit = process.extractOne(word, bucket, scorer=OSA.distance, score_cutoff=maxd)
        if hit is None:
            return None
        return hit[0]

    def _analyse(self, word: str) -> WordInfo:
        st = stem(word)
        known = word in self.surface_vocab or st in self.stem_vocab
        parts = () if known and len(word) < 9 else self.split(word)
        if known or parts:
            return WordInfo(word, st, parts)
        fixed = self.correct(word)
        if fixed is not None and fixed != word:
            return WordInfo(fixed, stem(fixed), self.split(fixed), corrected_from=word)
        # a compound whose last part has a typo: "budgethjæp" -> budget + hjælp
        n = len(word)
        for i in range(n - 4, 2, -1):
            head = word[:i]
            if head not in self._part_vocab or len(head) < 4:
                continue
            tail = word[i:]
            for t in (tail, tail[1:] if tail[:1] in _LINKS else None):
                if t and len(t) >= 4:
                    fx = self._correct_part(t)
                    if fx is not None:
                        fixed = head + word[i:i + (len(tail) - len(t))] + fx
                        return WordInfo(fixed, stem(fixed), (stem(head), stem(fx)), corrected_from=word)
        return WordInfo(word, st, ())

    def _correct_part(self, part: str) -> str | None:
        if part in self._part_vocab:
            return None
        bucket = self._buckets.get(part[0])
        if not bucket:
            return None
        hit = process.extractOne(part, bucket, scorer=OSA.distance, score_cutoff=1)
        return hit[0] if hit is not None and len(hit[0]) >= 4 else None
