"""Shared analysis pipeline: the same analyser and concept tagger are applied to
queries and to offer texts, so caseworker words and NGO words meet in the
same concept space."""
from __future__ import annotations

import threading
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple
from itertools import pairwise
from functools import lru_cache

import numpy as np

from .text import (CLAUSE_MARK, CLAUSE_WORDS, COMMA, END_MARK, MARKS, NEGATIONS, STOP_WORDS, Analyzer, WordInfo,
                   clause_split, normalize, split_many, split_piece, stem)
from .thesaurus import CONCEPTS, CONCEPTS_BY_KEY, all_terms

# A compound part evokes a concept a little more weakly than a whole word.
PART_FACTOR = 0.8
# Only clear concept words evoke their concept from inside a compound ("aftensmad" is no food aid).
PART_MIN_WEIGHT = 0.6
# Words that may stand between a negation and the concept word ("ikke tale om vold").
_NEG_FILLERS = frozenset({"tale", "om", "er", "der", "noget", "nogen", "tegn", "på", "har", "et", "en",
                          "mere", "spor", "af", "nogle", "problemer", "med",
                          "været", "siddet", "blevet"})
# Postposed negation in a main clause: subject + finite verb + "ikke" ("mor drikker
# ikke", "han slår aldrig"). The subject must stand right before the verb; a few
# adverbs may stand between the verb and the negation ("drikker heller ikke").
_SUBJECTS = frozenset({
    "jeg", "du", "han", "hun", "vi", "i", "de", "man", "mor", "far", "moren", "faren", "forældrene",
    "forælderen", "barnet", "børnene", "drengen", "pigen", "sønnen", "datteren", "familien", "manden",
    "kvinden", "kæresten", "partneren", "stedfaren", "stedmoren", "bonusfar", "bonusmor", "mormor",
    "morfar", "farmor", "farfar", "storebror", "lillebror", "storesøster", "lillesøster", "ingen",
})
_POST_NEG_ADVERBS = frozenset({"heller", "længere", "mere", "slet", "overhovedet", "jo", "nu", "dog",
                               "rigtig", "rigtigt", "altid", "så"})
_POST_NEGATIONS = frozenset({"ikke", "aldrig"})
# Coordinations that carry a negation on to the next need word ("ingen vold eller misbrug").
_COORD = frozenset({"og", "eller", "samt", "el"})
# A word after one of these may be negated or be a negated verb (see ConceptTagger.tag).
_BEFORE_A_RULE = NEGATIONS | _NEG_FILLERS | _SUBJECTS


@dataclass(frozen=True, slots=True)
class ATok:
    surface: str          # normalised word as written
    info: WordInfo | None  # None for numbers / masked tokens
    stop: bool


class CHit(NamedTuple):
    key: str
    weight: float
    start: int            # token span in the analysed token list
    end: int              # exclusive


class ConceptTagger:
    def __init__(self, analyzer: Analyzer):
        self.analyzer = analyzer
        self.single: dict[str, list[tuple[str, float]]] = {}
        self.phrases: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
        self.exact: dict[str, list[tuple[str, float]]] = {}
        for c in CONCEPTS:
            for raw in c.terms:
                text, w = raw, 1.0
                if ":" in raw:
                    text, ws = raw.rsplit(":", 1)
                    w = float(ws)
                if text.startswith("="):  # exact surface word (its stem is ambiguous)
                    self.exact.setdefault(text[1:].casefold(), []).append((c.key, w))
                    continue
                ws_ = text.replace("-", " ").split()
                stems = tuple(self._term_stem(x) for x in ws_)
                if len(stems) == 1:
                    self._add_single(stems[0], c.key, w)
                else:
                    self.phrases.setdefault(stems[0], []).append((stems, c.key, w))
        self._seconds = {st: frozenset(p[0][1] for p in ps) for st, ps in self.phrases.items()}
        # start -> second word -> (number in the start's list, phrase)
        self._by_second: dict[str, dict[str, list[tuple[int, tuple[str, ...], str, float]]]] = {}
        for st, ps in self.phrases.items():
            for k, (stems, key, w) in enumerate(ps):
                self._by_second.setdefault(st, {}).setdefault(stems[1], []).append((k, stems, key, w))
        # the same as a table (for analyse_fields): follows[start_row[st], second_index[s2]] says s2 is the second
        # word of a phrase that starts with st
        self.second_index = {s2: j for j, s2 in enumerate(sorted(frozenset().union(*self._seconds.values())))}
        self.start_row = {st: r for r, st in enumerate(self._seconds)}
        self.follows = np.zeros((len(self.start_row), len(self.second_index)), bool)
        for st, r in self.start_row.items():
            self.follows[r, [self.second_index[s2] for s2 in self._seconds[st]]] = True
        self._starts = frozenset(self.single) | frozenset(self.phrases)
        self._strong_parts = frozenset(st for st, kw in self.single.items() if any(w >= PART_MIN_WEIGHT for _k, w in kw))

    def _term_stem(self, word: str) -> str:
        return stem(word.casefold())

    def _add_single(self, st: str, key: str, w: float) -> None:
        lst = self.single.setdefault(st, [])
        for i, (k, old) in enumerate(lst):
            if k == key:
                lst[i] = (k, max(old, w))
                return
        lst.append((key, w))

    def could_evoke(self, info: WordInfo) -> bool:
        """Whether a word can start a concept hit (its stem, its surface, a strong compound part or the first
        word of a phrase); most words cannot, and ``tag`` looks only at those that can."""
        return (info.stem in self._starts or info.word in self.exact
                or (bool(info.parts) and not self._strong_parts.isdisjoint(info.parts)))

    def base(self, info: WordInfo) -> tuple[tuple[str, float], ...]:
        """The concepts a word evokes by itself (its stem, its surface, else its strong compound parts), with
        their weights; phrases starting at the word come on top (see ``tag``)."""
        found: dict[str, float] = {}
        single = self.single
        for key, w in single.get(info.stem, ()):
            found[key] = w
        for key, w in self.exact.get(info.word, ()):
            found[key] = w
        if info.parts and not found:  # a word listed as a whole has its own meaning ("selvmordstanker")
            for p in info.parts:
                for key, w in single.get(p, ()):
                    if w < PART_MIN_WEIGHT:
                        continue  # a weak, context-dependent word is weaker still inside a compound
                    pw = w * PART_FACTOR
                    if key not in found or found[key] < pw:
                        found[key] = pw
        return tuple(found.items())

    def tag(self, toks: Sequence[ATok], clauses: frozenset[int] | set[int] = frozenset(),
            negated: list[tuple[int, int]] | None = None,
            at: list[tuple[int, tuple[tuple[str, float], ...]]] | None = None, quiet: bool | None = None,
            going_on: set[int] | None = None) -> list[CHit]:
        """Concept hits in a token sequence (negated hits are dropped).

        ``clauses``: indices of tokens that begin a new clause; a negation does
        not reach across a clause boundary. ``negated`` (optional): receives the
        token spans (start, end) of the dropped, negated hits. ``at`` (optional): the tokens that
        ``could_evoke`` a concept, as (index, ``base``) pairs, when the caller knows them already (it may leave
        out a word that evokes nothing by itself and starts no phrase here). ``quiet`` (optional): whether the
        tokens hold no negation, when the caller knows it. ``going_on`` (optional): the tokens from which a phrase
        may go on (see _second_near), when the caller knows them."""
        hits: list[CHit] = []
        phrases = self.phrases
        seconds = self._seconds
        if at is None:
            could, base = self.could_evoke, self.base
            at = [(i, base(t.info)) for i, t in enumerate(toks) if t.info is not None and could(t.info)]
        n = len(toks)
        neg_end = 0  # tokens inside a negated term stay negated ("aldrig siddet i fængsel")
        kept_end = 0  # end of the kept hits so far (a kept term may include the negation: "ikke råd")
        new = tuple.__new__
        if quiet is None:   # no negation rule can apply
            quiet = NEGATIONS.isdisjoint([t.surface for t in toks])
        for i, evoked in at:
            t = toks[i]
            info = t.info
            assert info is not None
            st = info.stem
            i1 = i + 1
            cands = phrases.get(st)
            if cands is not None and not (i in going_on if going_on is not None
                                          else self._second_near(toks, i, seconds[st])):
                cands = None     # no phrase can go on from here (most phrase starts are common words)
            if cands is None and (quiet or not neg_end or i - neg_end > 2):
                # the common case, in short: no phrase starts here, and no negation, filler or subject stands
                # before the word (or the text has no negation at all), so no rule below applies and each
                # evoked concept is a hit
                prev = toks[i - 1].surface if i and i not in clauses else ""
                if quiet or prev not in _BEFORE_A_RULE:
                    for key, w in evoked:
                        hits.append(new(CHit, (key, w, i, i1)))
                    if evoked and i1 > kept_end:
                        kept_end = i1
                    continue
            found = {key: (w, i1) for key, w in evoked}
            if cands and i1 < n:
                # a phrase's second word stands next, or one word further on (see _match_phrase)
                nxt = toks[i1].info
                if nxt is not None:
                    near = {nxt.stem, *nxt.parts}
                    far = None
                    if i + 2 < n and toks[i1].surface not in NEGATIONS:
                        far = toks[i + 2].info
                        if far is not None:
                            near.add(far.stem)
                            near.update(far.parts)
                    both = near.intersection(seconds[st])
                    if both:
                        # the phrases whose second word is near, in the order they are listed
                        by_second = self._by_second[st]
                        tried = [p for s2 in both for p in by_second[s2]]
                        if len(both) > 1:
                            tried.sort()
                        for _n, stems, key, w in tried:
                            if len(stems) == 2:   # _match_phrase, inline for a two-word phrase
                                s2 = stems[1]
                                end = (i + 2 if s2 == nxt.stem or s2 in nxt.parts else
                                       i + 3 if far is not None and (s2 == far.stem or s2 in far.parts) else 0)
                            else:
                                end = self._match_phrase(toks, i, stems)
                            if end and (key not in found or found[key][0] <= w):
                                found[key] = (w, end)
            if not found:
                continue
            # (the first tests of _negated and _post_negated inline: most words have neither before them)
            prev = toks[i - 1].surface if i and i not in clauses else ""
            if (i < neg_end or (neg_end and self._continues(toks, neg_end, i, clauses))
                    or ((prev in NEGATIONS or prev in _NEG_FILLERS) and t.surface not in NEGATIONS
                        and self._negated(toks, i, clauses))):
                end_ = max(end for _w, end in found.values())
                if i >= kept_end:
                    neg_end = max(neg_end, end_)
                if negated is not None:
                    negated.append((i, end_))
                continue
            post = self._post_negated(toks, i, clauses) if prev in _SUBJECTS else 0
            for key, (w, end) in found.items():
                if post and end <= post:
                    if negated is not None:
                        negated.append((i, end))
                    continue  # "drikker ikke" (but a term that includes the negation, "trives ikke", stays)
                hits.append(new(CHit, (key, w, i, end)))
                if end > kept_end:
                    kept_end = end
        return hits

    @staticmethod
    def _second_near(toks: Sequence[ATok], i: int, second: frozenset[str]) -> bool:
        """Whether a phrase with one of these second words may go on from token i (see _match_phrase)."""
        n = len(toks)
        if i + 1 >= n:
            return False
        nxt = toks[i + 1].info
        if nxt is None:
            return False
        if nxt.stem in second or (nxt.parts and not second.isdisjoint(nxt.parts)):
            return True
        if i + 2 >= n or toks[i + 1].surface in NEGATIONS:
            return False
        far = toks[i + 2].info
        return far is not None and (far.stem in second or bool(far.parts and not second.isdisjoint(far.parts)))

    @staticmethod
    def _match_phrase(toks: Sequence[ATok], i: int, stems: tuple[str, ...]) -> int:
        """End index if ``stems`` match from token i (one extra token allowed)."""
        j = i + 1
        skipped = 0
        n = len(toks)
        for s in stems[1:]:
            while True:
                if j >= n:
                    return 0
                info = toks[j].info
                if info is not None and (info.stem == s or s in info.parts):
                    j += 1
                    break
                if skipped >= 1 or info is None or toks[j].surface in NEGATIONS:
                    return 0  # a phrase never skips a negation ("slår aldrig børnene")
                skipped += 1
                j += 1
        return j

    @staticmethod
    def _post_negated(toks: Sequence[ATok], i: int, clauses) -> int:
        """Index of a negation that follows token i as its finite verb in a main
        clause ("mor drikker ikke"), else 0."""
        if i == 0 or i in clauses or toks[i - 1].surface not in _SUBJECTS:
            return 0
        n = len(toks)
        j = i + 1
        while j < n and j not in clauses and j - i <= 3:
            s = toks[j].surface
            if s in _POST_NEGATIONS:
                return j
            if s not in _POST_NEG_ADVERBS:
                return 0
            j += 1
        return 0

    @staticmethod
    def _continues(toks: Sequence[ATok], a: int, i: int, clauses) -> bool:
        """Tokens a..i-1 only link token i to the negated term that ends at a
        ("ingen vold eller misbrug", "ingen tegn på misbrug af alkohol")."""
        if i <= a or i - a > 2:
            return False
        for k in range(a, i + 1):
            if k in clauses:
                return False
        return all(toks[k].surface in _NEG_FILLERS or toks[k].surface in _COORD for k in range(a, i))

    @staticmethod
    def _negated(toks: Sequence[ATok], i: int, clauses=frozenset()) -> bool:
        j = i - 1
        gap = 0
        while j >= 0 and gap <= 3:
            if j + 1 in clauses:
                return False
            s = toks[j].surface
            if s in NEGATIONS:
                return True
            if s not in _NEG_FILLERS:
                return False
            gap += 1
            j -= 1
        return False


@lru_cache(maxsize=1)
def default_analyzer() -> Analyzer:
    return Analyzer(all_terms())


@lru_cache(maxsize=1)
def default_tagger() -> ConceptTagger:
    return ConceptTagger(default_analyzer())


def analyse_tokens(surfaces: list[str], masked: set[int] | frozenset[int] = frozenset(),
                   known=None) -> list[ATok]:
    """Analyse words; ``known(word)`` (optional) vetoes typo corrections of words
    that are known elsewhere (e.g. words that occur in the offers)."""
    an = default_analyzer().analyse
    out: list[ATok] = []
    for i, s in enumerate(surfaces):
        if i in masked or s.isdigit() or not s.isalpha():
            out.append(ATok(s, None, True))
        else:
            info = an(s)
            if info.corrected_from is not None and known is not None and known(s):
                info = WordInfo(s, stem(s), default_analyzer().split(s))
            out.append(ATok(s, info, s in STOP_WORDS))
    return out


# Words that say nothing about the need (besides Danish stop words).
TERM_STOP = frozenset("""
ingen intet uden to tre fire fem seks syv otte ni ti bor boende søger ønsker ønske brug behov kun
første fået får virker lige stadig siger fortæller mere rigtig hel hele gang gange lang længe nogen
hjælp hjælpe støtte tilbud kommune år gammel gl mdr uger uge dag dage
""".split())


def terms_of(toks: list[ATok]) -> dict[str, float]:
    """BM25 terms of a token sequence: whole-word stems (1.0) and compound parts (0.5)."""
    tf: dict[str, float] = {}
    for t in toks:
        info = t.info
        if info is None or t.stop or len(t.surface) < 2 or t.surface in TERM_STOP:
            continue
        tf[info.stem] = tf.get(info.stem, 0.0) + 1.0
        for p in info.parts:
            if p != info.stem and p not in STOP_WORDS:
                tf[p] = tf.get(p, 0.0) + 0.5
    return tf


Evoked = tuple[tuple[str, float], ...]


class _Word(NamedTuple):
    """What the analysis of an offer needs to know of one distinct word."""
    tok: ATok
    evoked: Evoked | None            # ConceptTagger.base, if the word could evoke a concept
    term: str | None                 # its BM25 term (its stem), as terms_of counts it
    part_terms: tuple[str, ...]      # its compound parts' terms (counted half)
    counted: bool                    # counts towards the field length (a word, not a stop word)
    is_word: bool                    # a word, not a number
    seconds: frozenset[str] | None   # if a phrase starts with the word: the second words of such phrases


class FieldAnalysis(NamedTuple):
    toks: tuple[ATok, ...]
    hits: tuple[CHit, ...]
    terms: dict[str, float]          # terms_of(toks)
    length: int                      # words that are not stop words
    words: frozenset[str]            # the field's words (not numbers)


# Per distinct word of the offers. Bounded: cleared when full (a national catalogue has a few hundred thousand
# distinct words; the analyser's own cache keeps the rest).
_WORDS_MAX = 300_000
_words: dict[str, _Word] = {}


def _word(s: str) -> _Word:
    got = _words.get(s)
    if got is None:
        if s.isdigit() or not s.isalpha():
            got = _Word(ATok(s, None, True), None, None, (), False, False, None)
        else:
            info = default_analyzer().analyse(s)
            tagger = default_tagger()
            tok = ATok(s, info, s in STOP_WORDS)
            term = info.stem if terms_of([tok]) else None
            got = _Word(tok, tagger.base(info) if tagger.could_evoke(info) else None, term,
                        tuple(p for p in info.parts if p != info.stem and p not in STOP_WORDS) if term else (),
                        not tok.stop, True, tagger._seconds.get(info.stem))
        if len(_words) >= _WORDS_MAX:
            _words.clear()
        _words[s] = got
    return got


def _clauses(norm: str) -> tuple[list[str], set[int], list[int]]:
    """The words of a normalised field, the indices of the words that begin a clause (after punctuation or a
    clause word, as text.clause_starts finds them) and of those that follow a comma (for damp_lists)."""
    surfaces, starts, commas = clause_split(norm)
    clauses = set(starts)
    if not CLAUSE_WORDS.isdisjoint(surfaces):
        clauses.update(k for k, x in enumerate(surfaces) if x in CLAUSE_WORDS and k)
    return surfaces, clauses, commas


def _tag(toks: tuple[ATok, ...], clauses: set[int], at: list[tuple[int, Evoked]], commas: list[int],
         quiet: bool | None = None, going_on: set[int] | None = None) -> tuple[CHit, ...]:
    """A field's concept hits, list-damped (see ConceptTagger.tag for the arguments)."""
    if not at:
        return ()
    hits = default_tagger().tag(toks, clauses, at=at, quiet=quiet, going_on=going_on)
    if len(hits) >= LIST_MIN:
        hits = damp_lists(hits, [t.surface for t in toks], set(commas))
    return tuple(hits)


@lru_cache(maxsize=8192)  # bounded: distinct offer texts are analysed once each
def field_analysis(text: str) -> FieldAnalysis:
    """Tokens, concept hits and BM25 terms of one offer field (cached: many fields repeat); the terms are counted
    per distinct word. ``analyse_fields`` gives the same for many fields at once."""
    surfaces, clauses, commas = _clauses(normalize(text))
    words = [_words.get(s) or _word(s) for s in surfaces]
    toks = tuple([w.tok for w in words])
    # the words that evoke a concept, and those that start a phrase that may go on here (most phrase starts
    # are common words, "i", "på", "har", that evoke nothing by themselves)
    near = default_tagger()._second_near
    at = [(i, w.evoked or ()) for i, w in enumerate(words)
          if w.evoked or (w.seconds is not None and near(toks, i, w.seconds))]
    hits = _tag(toks, clauses, at, commas)
    terms: dict[str, float] = Counter([w.term for w in words if w.term])  # type: ignore[assignment]
    for w in [w for w in words if w.part_terms]:
        for t in w.part_terms:
            terms[t] = terms.get(t, 0) + 0.5
    length = sum([w.counted for w in words])
    kept = frozenset([s for s in set(surfaces) if _words[s].is_word])
    return FieldAnalysis(toks, hits, dict(terms), length, kept)


# -- many fields at once (a build) -----------------------------------------------------------------------------

class FieldBatch(NamedTuple):
    """The analysis of many field texts (``analyse_fields``), the terms in arrays."""
    lengths: np.ndarray               # per text: words that are not stop words
    ptr: np.ndarray                   # per text k: its terms are rows[ptr[k]:ptr[k + 1]]
    rows: np.ndarray                  # index into ``terms``
    tfs: np.ndarray                   # term frequency (whole words 1, compound parts 0.5)
    terms: list[str]                  # in alphabetical order
    hits: list[tuple[CHit, ...]]      # per text, as field_analysis gives them
    marked: list[frozenset[str]]      # per text: its words of the ``marked`` set
    words: frozenset[str]             # the texts' words (not numbers)


_WEIRD = 4    # a piece that is neither a word nor a mark (see text.split_many)


class _Lexicon:
    """Every distinct piece (word or punctuation mark, see text.split_many) that ``analyse_fields`` has met, by id,
    with what it needs of each in arrays."""

    COLUMNS = ("kind", "term", "counted", "is_word", "evokes", "starts", "negation", "clause_word", "n_parts",
               "start_row", "n_seconds")
    FLAGS = ("counted", "is_word", "evokes", "starts", "negation", "clause_word")

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.toks: list[ATok] = []
        self.evoked: list[Evoked] = []      # what each word evokes by itself (ConceptTagger.base)
        self.surfaces: list[str] = []
        self.term_ids: dict[str, int] = {}
        self.term_names: list[str] = []
        self.cols = {c: array("i") for c in self.COLUMNS}
        self.part_ptr = array("i", [0])
        self.part_terms = array("i")
        self.second_ptr = array("i", [0])   # the second words of phrases that the word is or holds (ConceptTagger
        self.seconds = array("i")           # .second_index)
        self._arrays: dict[str, np.ndarray] | None = None

    def id(self, s: str) -> int:
        k = self.ids.get(s)
        return self.add(s) if k is None else k

    def add(self, s: str) -> int:
        kind = MARKS.get(s, 0 if s.isalnum() else _WEIRD)
        w = _word(s) if kind == 0 else _Word(ATok(s, None, True), None, None, (), False, False, None)
        k = self.ids[s] = len(self.surfaces)
        self.toks.append(w.tok)
        self.evoked.append(w.evoked or ())
        self.surfaces.append(s)
        info = w.tok.info
        tagger = default_tagger()
        c = self.cols
        c["kind"].append(kind)
        c["term"].append(self._term(w.term) if w.term else -1)
        c["counted"].append(w.counted)
        c["is_word"].append(w.is_word)
        c["evokes"].append(bool(w.evoked))
        c["starts"].append(w.seconds is not None)
        c["negation"].append(s in NEGATIONS)
        c["clause_word"].append(s in CLAUSE_WORDS)
        c["n_parts"].append(len(w.part_terms))
        c["start_row"].append(tagger.start_row.get(info.stem, -1) if info is not None else -1)
        index = tagger.second_index
        is_second = sorted({index[x] for x in (info.stem, *info.parts) if x in index}) if info else []
        c["n_seconds"].append(len(is_second))
        self.seconds.extend(is_second)
        self.second_ptr.append(len(self.seconds))
        self.part_terms.extend(self._term(t) for t in w.part_terms)
        self.part_ptr.append(len(self.part_terms))
        self._arrays = None
        return k

    def _term(self, t: str) -> int:
        k = self.term_ids.get(t)
        if k is None:
            k = self.term_ids[t] = len(self.term_names)
            self.term_names.append(t)
        return k

    def arrays(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            a = {c: np.array(col, np.int32) for c, col in self.cols.items()}
            for c in self.FLAGS:
                a[c] = a[c].astype(bool)
            a["part_ptr"] = np.array(self.part_ptr, np.int64)
            a["part_terms"] = np.array(self.part_terms, np.int32)
            a["second_ptr"] = np.array(self.second_ptr, np.int64)
            a["seconds"] = np.array(self.seconds, np.int32)
            self._arrays = a
        return self._arrays

    def pieces(self, pieces: list[str]) -> np.ndarray:
        """The ids of these pieces (new ones are added)."""
        try:
            return np.fromiter(map(self.ids.get, pieces), np.int32, len(pieces))
        except TypeError:   # a piece met for the first time (None)
            for p in dict.fromkeys(pieces):     # in order, so ids do not depend on hashing
                if p not in self.ids:
                    self.add(p)
            return np.fromiter(map(self.ids.get, pieces), np.int32, len(pieces))


_lexicon = _Lexicon()
_lexicon_lock = threading.Lock()


def analyse_fields(texts: Sequence[str], marked: frozenset[str] = frozenset()) -> FieldBatch:
    """``field_analysis`` for many texts at once: the texts are split by a few string operations over all of
    them (text.split_many), the word-by-word work is a dictionary lookup per word, the rest array operations over
    all the texts' words, and only the words that could evoke a concept go to the tagger. ``marked``: words to
    report per text (FieldBatch.marked)."""
    global _lexicon
    with _lexicon_lock:
        if len(_lexicon.surfaces) >= _WORDS_MAX:
            _lexicon = _Lexicon()
        return _analyse_fields(_lexicon, texts, marked)


def _going_on(a: dict[str, np.ndarray], tok: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """The positions of the words that start a phrase that may go on (ConceptTagger._second_near, for all the
    texts' words at once): the next word, or (unless the next is a number or a negation) the one after it, is or
    holds a second word of a phrase that starts with the word."""
    n = len(tok)
    pos = np.flatnonzero(a["starts"][tok])
    if not len(pos):
        return pos
    rows = a["start_row"][tok[pos]]
    follows = default_tagger().follows

    def holds_a_second(at: np.ndarray, valid: np.ndarray) -> np.ndarray:
        words = tok[np.minimum(at, n - 1)]
        counts = np.where(valid, a["n_seconds"][words], 0)
        entry = np.repeat(np.arange(len(at)), counts)
        within = np.arange(len(entry)) - np.repeat(np.cumsum(counts) - counts, counts)
        second = a["seconds"][a["second_ptr"][words[entry]] + within]
        return np.bincount(entry[follows[rows[entry], second]], minlength=len(at)) > 0

    nxt = pos + 1
    valid = nxt < n
    valid[valid] &= seg[nxt[valid]] == seg[pos[valid]]
    near = holds_a_second(nxt, valid)
    far = pos + 2
    ok = valid & ~near & (far < n)
    ok[ok] &= (seg[far[ok]] == seg[pos[ok]]) & a["is_word"][tok[nxt[ok]]] & ~a["negation"][tok[nxt[ok]]]
    return pos[near | holds_a_second(far, ok)]


def _analyse_fields(lex: _Lexicon, texts: Sequence[str], marked: frozenset[str]) -> FieldBatch:
    pieces = split_many([normalize(t) for t in texts])
    pid = lex.pieces(pieces)
    kind = lex.arrays()["kind"][pid]
    if (kind == _WEIRD).any():
        out: list[str] = []
        start = 0
        for k in np.flatnonzero(kind == _WEIRD).tolist():
            out += pieces[start:k]
            out += split_piece(pieces[k])
            start = k + 1
        out += pieces[start:]
        pid = lex.pieces(out)
        kind = lex.arrays()["kind"][pid]
    a = lex.arrays()
    n_texts = len(texts)
    is_word = kind == 0
    tok = pid[is_word]                          # the texts' words, one text after the other
    before = np.cumsum(is_word) - is_word       # words before each piece
    ends = np.flatnonzero(kind == END_MARK)     # one per text
    bounds = np.concatenate([[0], before[ends]]).astype(np.int64)   # text k's words: bounds[k]:bounds[k + 1]
    seg = np.repeat(np.arange(n_texts, dtype=np.int64), np.diff(bounds))
    # clauses begin after punctuation within a text (the word after the mark), and at a clause word
    at = np.flatnonzero((kind == COMMA) | (kind == CLAUSE_MARK))
    nxt = before[at]
    text_of = np.searchsorted(ends, at)
    inside = (nxt > bounds[text_of]) & (nxt < bounds[text_of + 1])
    by_word = np.flatnonzero(a["clause_word"][tok])
    by_word = by_word[by_word > bounds[seg[by_word]]]
    clauses = np.unique(np.concatenate([nxt[inside], by_word]))
    commas = np.unique(nxt[inside & (kind[at] == COMMA)])
    lengths = np.bincount(seg, weights=a["counted"][tok], minlength=n_texts).astype(np.int64)

    # terms: a word's stem counts 1, each of its compound parts 0.5; summed per (text, term)
    stem_terms = a["term"][tok]
    has = stem_terms >= 0
    n_parts = a["n_parts"][tok]
    at_word = np.repeat(np.arange(len(tok)), n_parts)
    within = np.arange(len(at_word)) - np.repeat(np.cumsum(n_parts) - n_parts, n_parts)
    part_terms = a["part_terms"][a["part_ptr"][tok[at_word]] + within]
    n_terms = max(1, len(lex.term_names))
    keys = np.concatenate([seg[has] * n_terms + stem_terms[has], seg[at_word] * n_terms + part_terms])
    weights = np.concatenate([np.ones(int(has.sum())), np.full(len(at_word), 0.5)])
    ukeys, inverse = np.unique(keys, return_inverse=True)
    tfs = np.bincount(inverse, weights=weights, minlength=len(ukeys))
    used, term_of = np.unique(ukeys % n_terms, return_inverse=True)
    ptr = np.searchsorted(ukeys // n_terms, np.arange(n_texts + 1))
    # the batch's terms in alphabetical order, so that they do not depend on the order in which this process
    # met them (a worker's lexicon and the building process's differ)
    terms = [lex.term_names[t] for t in used.tolist()]
    alphabetical = sorted(range(len(terms)), key=terms.__getitem__)
    place = np.empty(len(terms), np.int32)
    place[alphabetical] = np.arange(len(terms), dtype=np.int32)
    rows = place[term_of]
    terms = [terms[i] for i in alphabetical]

    # concept hits: the tagger looks only at the words that evoke a concept, and at the phrase starts from which
    # the phrase may go on (ConceptTagger._second_near)
    going = _going_on(a, tok, seg)
    candidates = np.union1d(np.flatnonzero(a["evokes"][tok]), going)
    negated = np.bincount(seg, weights=a["negation"][tok], minlength=n_texts) > 0
    hits: list[tuple[CHit, ...]] = [()] * n_texts
    if len(candidates):
        # per text, as lists: its words, and the local indices of its candidates, clauses, commas and phrase starts
        local = [(x - bounds[seg[x]]).tolist() for x in (candidates, clauses, commas, going)]
        ptrs = [np.searchsorted(x, bounds).tolist() for x in (candidates, clauses, commas, going)]
        (cand, clause, comma, go), (cand_p, clause_p, comma_p, go_p) = local, ptrs
        words, bl = tok.tolist(), bounds.tolist()
        toks_of, evoked_of, quiet = lex.toks.__getitem__, lex.evoked, (~negated).tolist()
        for k in np.unique(seg[candidates]).tolist():
            ids = words[bl[k]:bl[k + 1]]
            hits[k] = _tag(tuple(map(toks_of, ids)), set(clause[clause_p[k]:clause_p[k + 1]]),
                           [(i, evoked_of[ids[i]]) for i in cand[cand_p[k]:cand_p[k + 1]]],
                           comma[comma_p[k]:comma_p[k + 1]], quiet[k], set(go[go_p[k]:go_p[k + 1]]))

    distinct = np.unique(tok)
    marks: list[frozenset[str]] = [frozenset()] * n_texts
    flagged = [i for i in distinct.tolist() if lex.surfaces[i] in marked]
    if flagged:
        where = np.flatnonzero(np.isin(tok, flagged))
        for k in np.unique(seg[where]).tolist():
            in_k = where[seg[where] == k]
            marks[k] = frozenset(lex.surfaces[i] for i in tok[in_k].tolist())
    distinct = distinct[a["is_word"][distinct]]
    return FieldBatch(lengths, ptr, rows, tfs.astype(np.float32),
                      terms, hits, marks,
                      frozenset([lex.surfaces[i] for i in distinct.tolist()]))


def analyse_field(text: str) -> tuple[tuple[ATok, ...], tuple[CHit, ...]]:
    """Tokens and concept hits of one offer field."""
    fa = field_analysis(text)
    return fa.toks, fa.hits


# An offer that lists everything it touches ("samtaler om skilsmisse, sorg, mobning og angst") is about each
# listed need less than one that names its topic: a hit in a list of LIST_MIN or more different needs keeps
# LIST_FACTOR of its weight.
LIST_MIN = 3
LIST_FACTOR = 0.5
_LIST_LINKS = frozenset({"og", "eller", "samt", "el", "for", "om", "med", "af", "ved"})


def damp_lists(hits: list[CHit], surfaces: list[str], commas: set[int]) -> list[CHit]:
    """Weaken the hits of an enumeration of needs (see LIST_MIN). ``commas``: indices of the tokens that
    follow a comma."""
    if len(hits) < LIST_MIN:
        return hits
    spans = [h[2:] for h in hits]     # (start, end)
    order = sorted(range(len(hits)), key=spans.__getitem__)
    damped: set[int] = set()
    run = [order[0]]
    for a, b in pairwise(order):
        prev_end, cur_start = spans[a][1], spans[b][0]
        if cur_start <= prev_end or (
                cur_start - prev_end <= 1 and all(surfaces[k] in _LIST_LINKS for k in range(prev_end, cur_start))
                and (any(k in commas for k in range(prev_end, cur_start + 1))
                     or any(surfaces[k] in ("og", "eller", "samt") for k in range(prev_end, cur_start)))):
            run.append(b)
            continue
        if len(run) >= LIST_MIN and len({hits[k].key for k in run}) >= LIST_MIN:
            damped.update(run)
        run = [b]
    if len(run) >= LIST_MIN and len({hits[k].key for k in run}) >= LIST_MIN:
        damped.update(run)
    if not damped:
        return hits
    return [CHit(h.key, h.weight * LIST_FACTOR, h.start, h.end) if k in damped else h for k, h in enumerate(hits)]


def concept_label(key: str) -> str:
    c = CONCEPTS_BY_KEY.get(key)
    return c.label if c else key
