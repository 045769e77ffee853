"""Inverted index and scoring.

Scoring formula (per eligible offer d, for a need with analysed terms T and
concepts C):

    text(d)    = sum_{t in T} q_t * idf(t) * s(t, d)
                 s(t, d)  = tf~ / (k1 + tf~),   tf~ = sum_f w_f * tf_f(t, d) / (1 - b_f + b_f * len_f(d) / avglen_f)
                 idf(t)   = ln(1 + (N - df_t + 0.5) / (df_t + 0.5))
                 fields f = title (w 3.0), tags (2.5), target_group (1.5), description (1.0);
                 q_t = 1 for whole words, 0.5 for compound parts, 0.7 for typo-corrected index terms
    concept(d) = CONCEPT_WEIGHT * sum_{c in C} max( q_c * cidf(c) * a(c, d),
                                                    min(q_c * cidf(c), max_{r related to c, r not in C}
                                                                         q_c * rel(c, r) * cidf(r) * a(r, d)) )
                 (per need concept, the better of the offer's direct match and its best related match:
                  a related topic never adds on top of a direct one, so an offer about two topics does not
                  collect twice; q_c is first raised to q_c' * rel(c', c) where another need concept c' is
                  related to c)
                 a(c, d)  = a0(c, d) * (1 - F + F * x_c / x_max) / (1 - B + B * max(M_d, M0) / M0)
                            focus F = 0.5: a topic the offer only touches in passing counts less than its
                            main one (x = raw evidence below); breadth B = 0.25, M0 = 2: an offer about many
                            needs is a weaker answer to each (M_d = sum_c of the focused a0)
                 a0(c, d) = 1 - exp(-x_c),  x_c = sum over thesaurus hits of c in d of field weight * term
                            weight (title 1.0, tags 1.0, target_group 0.7, description 0.4); a hit in an
                            enumeration of 3+ different needs has half its term weight (matcher.analysis.damp_lists)
                 q_c      = evidence strength of concept c in the need (noisy-or of its hits)
                 rel      = the thesaurus' related-concept weight (< 1)
                 cidf(c)  = 0.5 + 0.5 * min(1, ln(N / cdf_c) / ln(N / 1))   (common concepts count a bit less)
    relevance(d) = w_T * text(d) + concept(d)       (offers with relevance 0 are never returned)
                 w_T      = need.word_weight = min(1, sqrt(8 / |T|)): a long story's many words are scaled
                            down so its needs carry it; a short text's words count fully (matcher.focus)
                 q_c      is focused on the main need (matcher.focus): the main need weighs >= 0.85 in a
                            story, another need keeps 1 - s * 0.8 * (1 - r^2) of its weight (s: 0 for a
                            caseworker line, 1 for a story of 50+ content words; r: its salience relative
                            to the main need's); ``need.concepts`` lists the main need first
    score(d)     = relevance(d) * prefs(d) * prior(d)
                 prefs: wanted format met x1.15; only excluded formats x0.5, some excluded x0.9;
                        free wanted: gratis x1.1 else x0.7; wanted language offered x1.15
                 prior  = 1 + 0.04 * elements_count / 11 + 0.03 * freshness,
                          freshness = 1 for confirmed today, falling linearly to 0 at 2 years
Eligibility (hard, before ranking): the offer's areas contain the need's
municipality or "Hele landet" (no municipality: no area filter; a postal district
spanning several municipalities: any of ``need.municipality_alternatives`` too,
with offers only there x0.9), and when the
need names children, at least one child's age lies in [age_min, age_max]
(None bounds are open). Ties are broken by offer id ascending.
"""
from __future__ import annotations

import math
import os
from functools import lru_cache
from array import array
from datetime import UTC, datetime
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any, NamedTuple

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from .analysis import CHit, FieldAnalysis, analyse_fields, field_analysis
from .places import NATIONWIDE
from .text import normalize
from .thesaurus import CONCEPTS, CONCEPTS_BY_KEY

FIELDS = ("title", "tags", "target_group", "description")
FIELD_W = {"title": 3.0, "tags": 2.5, "target_group": 1.5, "description": 1.0}
FIELD_B = {"title": 0.5, "tags": 0.5, "target_group": 0.6, "description": 0.75}
CONCEPT_FIELD_W = {"title": 1.0, "tags": 1.0, "target_group": 0.7, "description": 0.4}
K1 = 1.2
CONCEPT_WEIGHT = 6.0
FORMAT_BITS = {f: 1 << i for i, f in enumerate(
    ("gruppe", "individuel", "hjemmebesøg", "online", "telefon", "chat", "aktivitet", "ferie", "materiel hjælp"))}
NO_MIN, NO_MAX = -1, 999
# Concept postings (candidate generation) keep only clear evidence; weaker
# evidence still counts for candidates found otherwise (via Index.concepts_of).
CONCEPT_POSTING_MIN = 0.2
# Concept breadth normalisation (like BM25's length normalisation, over concepts):
# a(c, d) is divided by 1 - b + b * max(M_d, M0) / M0, M_d = the offer's summed concept strengths.
CONCEPT_B = 0.25
CONCEPT_MASS0 = 2.0
# Focus: a(c, d) is also multiplied by 1 - F + F * x_c / x_max (x = the offer's raw evidence per concept), so a
# topic the offer only touches in passing counts less than its main topic.
CONCEPT_FOCUS = 0.5


def field_texts(rec: dict[str, Any]) -> dict[str, str]:
    tags = rec.get("tags") or []
    if isinstance(tags, str):
        tags = [tags]
    return {
        "title": str(rec.get("title") or ""),
        "tags": ", ".join(str(t) for t in tags),
        "target_group": str(rec.get("target_group") or ""),
        "description": str(rec.get("description") or ""),
    }


def is_free(cost: Any) -> bool:
    c = normalize(str(cost or ""))
    return "gratis" in c or c.strip() in ("0", "0 kr", "0 kr.", "ingen", "ingen betaling")


def _freshness(assured_at: Any, now: datetime | None = None) -> float:
    if not isinstance(assured_at, datetime):
        return 0.0
    now = now or datetime.now(UTC)
    a = assured_at if assured_at.tzinfo else assured_at.replace(tzinfo=UTC)
    days = (now - a).total_seconds() / 86400
    return max(0.0, min(1.0, 1 - days / 730))


_float_cache: dict[float, float] = {}


def _q(x: float) -> float:
    """Round and intern a float (clones share the same objects)."""
    r = round(x, 4)
    v = _float_cache.get(r)
    if v is None:
        if len(_float_cache) < 200_000:
            _float_cache[r] = r
        v = r
    return v


@lru_cache(maxsize=1)
def _language_words() -> frozenset[str]:
    """Every word _languages may take for a language ("arabisk", "arabisktalende")."""
    from .understand import LANGUAGES
    return frozenset(LANGUAGES) | frozenset(k + "talende" for k in LANGUAGES)


def _languages(given: Iterable[Any], words_: Iterable[str]) -> frozenset[str]:
    from .understand import LANGUAGES
    out = {LANGUAGES.get(normalize(str(x)), normalize(str(x))) for x in given}
    for w in _language_words().intersection(words_):
        base = w[:-7] if w.endswith("talende") else w
        if base in LANGUAGES:
            out.add(LANGUAGES[base])
    return frozenset(out)


class Doc:
    """One offer's analysis; the index copies what it needs into its arrays and drops the Doc."""

    __slots__ = ("terms", "concepts", "lens", "surfaces", "langs")

    def __init__(self, terms: dict[str, dict[str, float]], concepts: dict[str, float], lens: dict[str, int],
                 surfaces: frozenset[str] = frozenset(), langs: frozenset[str] = frozenset()):
        self.terms = terms
        self.concepts = concepts
        self.lens = lens
        self.surfaces = surfaces
        self.langs = langs


def analyse_offer(rec: dict[str, Any]) -> Doc:
    texts = field_texts(rec)
    langs = tuple(str(x) for x in (rec.get("languages") or ()))
    return _analyse_texts(texts["title"], texts["tags"], texts["target_group"], texts["description"], langs)


# Bounded: with 100,000 distinct offers a large cache only holds analyses that are never asked for again.
@lru_cache(maxsize=2048)
def _analyse_texts(title: str, tags: str, target_group: str, description: str, langs: tuple[str, ...]) -> Doc:
    """Analysis of one offer's texts (cached: identical texts share one immutable Doc)."""
    fas = [field_analysis(title), field_analysis(tags), field_analysis(target_group), field_analysis(description)]
    per_term: dict[str, dict[str, float]] = {}
    for f, fa in zip(FIELDS, fas):
        for t, v in fa.terms.items():
            per_term.setdefault(t, {})[f] = v
    concepts, surfaces = _offer_concepts([fa.hits for fa in fas]), _offer_words(fas)
    return Doc(per_term, concepts, {f: fa.length for f, fa in zip(FIELDS, fas)}, surfaces,
               _languages(langs, surfaces))


def _offer_words(fas: list[FieldAnalysis]) -> frozenset[str]:
    return fas[0].words.union(fas[1].words, fas[2].words, fas[3].words)


def _offer_concepts(hits: list[tuple[CHit, ...]]) -> dict[str, float]:
    """An offer's concept strengths from its fields' hits (FIELDS order)."""
    cx: dict[str, float] = {}
    for f, field_hits in zip(FIELDS, hits):
        fw = CONCEPT_FIELD_W[f]
        for h in field_hits:
            cx[h.key] = cx.get(h.key, 0.0) + fw * h.weight
    xmax = max(cx.values(), default=0.0)
    concepts = {k: (1 - math.exp(-x)) * (1 - CONCEPT_FOCUS + CONCEPT_FOCUS * x / xmax)
                for k, x in cx.items() if x > 0}
    # breadth normalisation: an offer about many needs is a weaker answer to each one
    mass = sum(concepts.values())
    nf = 1.0 / (1 - CONCEPT_B + CONCEPT_B * max(mass, CONCEPT_MASS0) / CONCEPT_MASS0)
    return {k: _q(v * nf) for k, v in concepts.items()}


# -- analysis in batches (a build) ------------------------------------------------------------------------------

BATCH = 500                 # offers per batch
PARALLEL_MIN = 20_000       # a catalogue this large is analysed by worker processes (when there is more than one CPU)


class Batch(NamedTuple):
    """The analysis of a batch of offers, in arrays (cheap to send from a worker process)."""
    terms: list[str]            # the batch's words; ``rows`` index into it
    rows: np.ndarray            # one entry per (word, offer, field), the fields of one (word, offer) together
    offsets: np.ndarray         # the offer's position in the batch
    fields: np.ndarray          # FIELDS index
    tfs: np.ndarray             # term frequency in that field
    lens: list[tuple[int, ...]]  # per offer: field lengths in FIELDS order
    concepts: list[dict[str, float]]
    langs: list[frozenset[str]]
    words: frozenset[str]       # words written in the batch's offers
    slots: list[tuple[int, int, int, bool, float]]  # per offer: slot_values
    concept_names: list[str]    # the batch's concepts, with the number of its offers that have each
    concept_counts: list[int]
    concept_postings: tuple[np.ndarray, np.ndarray, np.ndarray]   # (concept, offer, strength) >= CONCEPT_POSTING_MIN
    area_names: list[str]       # the batch's areas
    area_postings: tuple[np.ndarray, np.ndarray]                  # (area, offer)


def slot_values(rec: dict[str, Any], now: datetime | None = None) -> tuple[int, int, int, bool, float]:
    """An offer's eligibility and prior columns: age_min, age_max, format bits, free, prior."""
    amin, amax = rec.get("age_min"), rec.get("age_max")
    bits = 0
    for f in rec.get("formats") or ():
        bits |= FORMAT_BITS.get(normalize(str(f)), 0)
    return (NO_MIN if amin is None else max(-1, min(int(amin), 998)),
            NO_MAX if amax is None else max(-1, min(int(amax), 998)),
            bits, is_free(rec.get("cost")), _prior(rec, now))


_SLOT_FIELDS = ("age_min", "age_max", "formats", "cost", "elements_count", "assured_at")


class AnalysisInput(NamedTuple):
    """What a build worker needs of one offer: its field texts (FIELDS order first), languages, slot facts, areas."""
    title: str
    tags: str
    target_group: str
    description: str
    languages: tuple[str, ...]
    facts: dict[str, Any]        # _SLOT_FIELDS
    areas: tuple[str, ...]


def _analysis_input(rec: dict[str, Any]) -> AnalysisInput:
    texts = field_texts(rec)
    return AnalysisInput(texts["title"], texts["tags"], texts["target_group"], texts["description"],
                         tuple(str(x) for x in (rec.get("languages") or ())), {k: rec.get(k) for k in _SLOT_FIELDS},
                         tuple(rec.get("areas") or ()))


def _postings(per_offer: Iterable[Iterable[Any]]) -> tuple[list[Any], np.ndarray, np.ndarray]:
    """(the distinct keys, then per (offer, key) in order: the key's number and the offer's position)."""
    number: dict[Any, int] = {}
    keys: list[int] = []
    offers: list[int] = []
    for k, these in enumerate(per_offer):
        before = len(keys)
        keys += [number.setdefault(x, len(number)) for x in these]
        offers += [k] * (len(keys) - before)
    return list(number), np.array(keys, np.int32), np.array(offers, np.int32)


def analyse_batch(inputs: list[AnalysisInput]) -> Batch:
    """``analyse_offer`` and ``slot_values`` for a batch of offers (given as ``_analysis_input``), flattened
    into arrays. Each distinct field text is analysed once (matcher.analysis.analyse_fields)."""
    now = datetime.now(UTC)
    slots = [slot_values(inp.facts, now) for inp in inputs]
    nf = len(FIELDS)
    distinct: dict[str, int] = {}
    texts: list[str] = []
    of: list[int] = []          # per (offer, field): its distinct text
    for inp in inputs:
        for text in (inp.title, inp.tags, inp.target_group, inp.description):   # FIELDS order
            k = distinct.get(text)
            if k is None:
                k = distinct[text] = len(texts)
                texts.append(text)
            of.append(k)
    fb = analyse_fields(texts, _language_words())
    n = len(inputs)
    which = np.array(of, np.int64)
    counts = fb.ptr[which + 1] - fb.ptr[which]
    entry = np.repeat(np.arange(len(which)), counts)          # (offer, field) of each entry
    pos = fb.ptr[which][entry] + np.arange(len(entry)) - np.repeat(np.cumsum(counts) - counts, counts)
    offsets, fields = (entry // nf).astype(np.int32), (entry % nf).astype(np.int8)
    rows = fb.rows[pos]
    order = np.lexsort((fields, rows, offsets))     # the fields of one (word, offer) together, in FIELDS order
    lens = [tuple(x) for x in fb.lengths[which].reshape(n, nf).tolist()]
    per_offer = [of[i:i + nf] for i in range(0, len(of), nf)]
    concepts = [_offer_concepts([fb.hits[k] for k in ks]) for ks in per_offer]
    langs = [_languages(inp.languages, frozenset().union(*[fb.marked[k] for k in ks]))
             for inp, ks in zip(inputs, per_offer)]
    names, cs, offers = _postings(concepts)
    counts = np.bincount(cs, minlength=len(names)).tolist()
    strength = np.array([v for c in concepts for v in c.values()], np.float32)
    clear = strength >= CONCEPT_POSTING_MIN
    areas, area_rows, area_offers = _postings(inp.areas for inp in inputs)
    return Batch(fb.terms, rows[order], offsets[order], fields[order], fb.tfs[pos][order], lens, concepts, langs,
                 fb.words, slots, names, counts, (cs[clear], offers[clear], strength[clear]), areas,
                 (area_rows, area_offers))


def _chunks(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def build_processes(records: Iterable[Any]) -> int:
    """Worker processes for a build: one per CPU (at most 4) for a large catalogue, else none (1: in process).
    ``CIVILMATCH_BUILD_PROCESSES`` sets the number for a large catalogue (1: never use worker processes)."""
    n = len(records) if isinstance(records, Sized) else 0
    if n < PARALLEL_MIN:
        return 1
    try:
        return max(1, int(os.environ.get("CIVILMATCH_BUILD_PROCESSES", "")))
    except ValueError:
        return min(os.cpu_count() or 1, 4)


def analysed_batches(records: Iterable[dict[str, Any]], processes: int | None = None
                     ) -> Iterator[tuple[list[dict[str, Any]], Batch]]:
    """(records, their Batch) in order. With more than one process the batches are analysed by worker
    processes (matcher.workers), one batch ahead of the caller each, so memory stays bounded."""
    if processes is None:
        processes = build_processes(records)
    chunks = _chunks(records, BATCH)
    if processes <= 1:
        for recs in chunks:
            yield recs, analyse_batch([_analysis_input(r) for r in recs])
        return
    from .workers import Workers
    try:
        workers = Workers(processes)
    except OSError:   # no interpreter to start (an embedded Python): analyse in process
        for recs in chunks:
            yield recs, analyse_batch([_analysis_input(r) for r in recs])
        return
    with workers:
        yield from workers.map("analyse_batch", chunks, lambda recs: [_analysis_input(r) for r in recs])


_FW = np.array([FIELD_W[f] for f in FIELDS])
_FB = np.array([FIELD_B[f] for f in FIELDS])
_FIELD_NO = {f: i for i, f in enumerate(FIELDS)}


class Column:
    """A growable numpy column (one value per slot)."""

    __slots__ = ("a", "n")

    def __init__(self, dtype, capacity: int = 1024) -> None:
        self.a = np.zeros(capacity, dtype)
        self.n = 0

    def append(self, value) -> None:
        if self.n == len(self.a):
            self.a = np.concatenate([self.a, np.zeros(max(1024, len(self.a)), self.a.dtype)])
        self.a[self.n] = value
        self.n += 1

    def extend(self, values) -> None:
        values = np.asarray(values, self.a.dtype)
        need = self.n + len(values)
        if need > len(self.a):
            self.a = np.concatenate([self.a[:self.n], np.zeros(max(need, 2 * len(self.a)) - self.n, self.a.dtype)])
        self.a[self.n:need] = values
        self.n = need

    def view(self) -> np.ndarray:
        return self.a[:self.n]

    def trim(self) -> None:
        self.a = self.a[:self.n].copy()


class Postings:
    """Posting lists ``key -> (slots int32, values float32)``.

    A build loads all postings at once into one CSR block (row pointers, slots, values: three flat arrays);
    postings appended later (edits) go to small per-key arrays that ``get`` concatenates until the next build.
    """

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.names: list[str] = []
        self.indptr = np.zeros(1, np.int64)
        self.slots = np.zeros(0, np.int32)
        self.vals = np.zeros(0, np.float32)
        self.extra: dict[int, tuple[array, array]] = {}
        self.n_extra = 0

    def row(self, key: str) -> int:
        r = self.rows.get(key)
        if r is None:
            r = self.rows[key] = len(self.names)
            self.names.append(key)
        return r

    def rows_of(self, keys: list[str]) -> np.ndarray:
        """``row`` of each key, as an array (a batch's local numbers -> this block's rows)."""
        return np.array([self.row(k) for k in keys], np.int32)

    def load(self, rows: np.ndarray, slots: np.ndarray, vals: np.ndarray) -> None:
        """Replace the block by these postings (given in slot order per row)."""
        order = np.argsort(rows, kind="stable")
        counts = np.bincount(rows, minlength=len(self.names))
        self.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.slots = slots[order].astype(np.int32)
        self.vals = vals[order].astype(np.float32)
        self.extra.clear()
        self.n_extra = 0

    def append(self, key: str, slot: int, val: float) -> None:
        r = self.row(key)
        e = self.extra.get(r)
        if e is None:
            e = self.extra[r] = (array("i"), array("f"))
        e[0].append(slot)
        e[1].append(val)
        self.n_extra += 1

    def get(self, key: str) -> tuple[np.ndarray, np.ndarray] | None:
        r = self.rows.get(key)
        if r is None:
            return None
        if r + 1 < len(self.indptr):
            a, b = self.indptr[r], self.indptr[r + 1]
            s, v = self.slots[a:b], self.vals[a:b]
        else:
            s, v = self.slots[:0], self.vals[:0]
        e = self.extra.get(r)
        if e:
            s = np.concatenate([s, np.frombuffer(e[0], np.int32)])
            v = np.concatenate([v, np.frombuffer(e[1], np.float32)])
        return s, v

    def __contains__(self, key: str) -> bool:
        return key in self.rows

    def nbytes(self) -> int:
        return self.indptr.nbytes + self.slots.nbytes + self.vals.nbytes


def _columns(parts: Sequence[tuple[np.ndarray, ...]], dtypes: tuple[Any, ...]) -> list[np.ndarray]:
    """Staged parts (tuples of columns) joined column by column; empty columns of these types if none."""
    return [np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, dtype) for k, dtype in enumerate(dtypes)]


class _Staging:
    """Word postings of a build, kept per field until the average field lengths are known: one entry per
    (word, offer, field), the entries of one (word, offer) next to each other."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def extend(self, rows: np.ndarray, slots: np.ndarray, fields: np.ndarray, tfs: np.ndarray) -> None:
        self.parts.append((rows.astype(np.int32), slots.astype(np.int32), fields.astype(np.int8),
                           tfs.astype(np.float32)))

    def values(self, lens: np.ndarray, avg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, slots, BM25 saturation values) with one entry per (word, offer); see the module docstring."""
        rows, slots, fields, tfs = _columns(self.parts, (np.int32, np.int32, np.int8, np.float32))
        self.parts = []
        parts = np.empty(len(rows))
        step = 1 << 20   # in blocks, so the temporaries stay small
        for a in range(0, len(rows), step):
            f, s = fields[a:a + step], slots[a:a + step]
            parts[a:a + step] = _FW[f] * tfs[a:a + step] / (1 - _FB[f] + _FB[f] * lens[s, f] / avg[f])
        del fields, tfs
        if len(rows) == 0:
            return rows, slots, np.zeros(0, np.float32)
        start = np.flatnonzero(np.concatenate([[True], (rows[1:] != rows[:-1]) | (slots[1:] != slots[:-1])]))
        tfn = np.add.reduceat(parts, start)
        return rows[start], slots[start], np.round(tfn / (K1 + tfn), 4).astype(np.float32)


class Index:
    """Slots with tombstones: per-slot numpy columns for eligibility and priors, array postings for words,
    concepts and areas. ``Index.build`` streams the records (each offer's analysis is dropped once its
    postings are staged); ``add``/``remove`` change one offer."""

    MASK_CACHE = 256

    def __init__(self) -> None:
        self.records: list[dict[str, Any] | None] = []
        self.ids: list[Any] = []
        self.slot_of: dict[Any, int] = {}
        self.alive = Column(np.bool_)
        self.age_min = Column(np.int16)
        self.age_max = Column(np.int16)
        self.fmt = Column(np.uint16)
        self.free = Column(np.bool_)
        self.prior = Column(np.float32)
        self.lens = Column(np.int32)        # 4 per slot (FIELDS order)
        self.langs: list[frozenset[str]] = []
        self.concepts_of: list[dict[str, float]] = []   # per slot: concept -> strength
        self.post = Postings()     # words -> BM25 saturation values
        self.cpost = Postings()    # concepts -> strength (clear evidence only)
        self.areas = Postings()    # municipality or "Hele landet" -> slots
        self.df: dict[str, int] = {}
        self.cdf: dict[str, int] = {}
        self.len_sum = {f: 0 for f in FIELDS}
        self.n_alive = 0
        self.dead = 0
        self.vocab_version = 0
        self.surface_vocab: set[str] = set()   # words written in offers (vetoes typo corrections)
        self._staging: _Staging | None = None
        self._fuzzy_cache: dict[str, str | None] = {}
        self._buckets: dict[str, list[str]] | None = None
        self._lang_intern: dict[frozenset[str], frozenset[str]] = {}
        self._masks: dict[str, np.ndarray] = {}

    # -- building -----------------------------------------------------------
    @classmethod
    def build(cls, records: Iterable[dict[str, Any]], processes: int | None = None) -> Index:
        """An index of the records. Their texts are analysed in batches, by ``processes`` worker processes
        (default: one per CPU for a large catalogue, none for a small one); each batch is staged as arrays and
        dropped."""
        idx = cls()
        idx._staging = _Staging()
        staged_areas: list[tuple[np.ndarray, np.ndarray]] = []
        staged_concepts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for recs, batch in analysed_batches(records, processes):
            base = len(idx.records)
            idx._new_slots(recs, batch)
            cs, offers, strength = batch.concept_postings
            staged_concepts.append((idx.cpost.rows_of(batch.concept_names)[cs], offers + base, strength))
            a_rows, a_offers = batch.area_postings
            staged_areas.append((idx.areas.rows_of(batch.area_names)[a_rows], a_offers + base))
            idx.surface_vocab.update(batch.words)
            idx._staging.extend(idx.post.rows_of(batch.terms)[batch.rows], batch.offsets + base, batch.fields,
                                batch.tfs)
        idx._finish_build(staged_areas, staged_concepts)
        return idx

    def _new_slots(self, recs: list[dict[str, Any]], batch: Batch) -> None:
        """``_new_slot`` for each record of a batch, in a few array operations."""
        ids = [rec.get("id") for rec in recs]
        if len(set(ids)) < len(ids) or not self.slot_of.keys().isdisjoint(ids):   # a repeated id replaces
            for k, rec in enumerate(recs):
                self._new_slot(rec, batch.lens[k], batch.concepts[k], batch.langs[k], batch.slots[k])
            return
        base = len(self.records)
        self.records.extend(recs)
        self.ids.extend(ids)
        self.slot_of.update(zip(ids, range(base, base + len(ids))))
        self.alive.extend([True] * len(ids))
        for column, values in zip((self.age_min, self.age_max, self.fmt, self.free, self.prior), zip(*batch.slots)):
            column.extend(values)
        lens = np.array(batch.lens, np.int32).reshape(len(ids), len(FIELDS))
        self.lens.extend(lens.ravel())
        for f, total in zip(FIELDS, lens.sum(axis=0).tolist()):
            self.len_sum[f] += total
        self.n_alive += len(ids)
        intern = self._lang_intern.setdefault
        self.langs.extend([intern(langs, langs) for langs in batch.langs])
        self.concepts_of.extend(batch.concepts)
        cdf = self.cdf
        for c, m in zip(batch.concept_names, batch.concept_counts):
            cdf[c] = cdf.get(c, 0) + m
        self._masks.clear()

    def _finish_build(self, staged_areas, staged_concepts) -> None:
        n = len(self.ids)
        avg = np.array([self.avglen(f) for f in FIELDS])
        lens = self.lens.view().reshape(n, len(FIELDS)) if n else np.zeros((0, len(FIELDS)), np.int32)
        assert self._staging is not None
        rows, slots, vals = self._staging.values(lens, avg)
        self._staging = None
        live = self.alive.view()[slots]
        counts = np.bincount(rows[live], minlength=len(self.post.names))
        self.df = {t: int(c) for t, c in zip(self.post.names, counts.tolist())}
        self.post.load(rows, slots, vals)
        del rows, slots, vals
        ar, asl = _columns(staged_areas, (np.int32, np.int32))
        self.areas.load(ar, asl, np.ones(len(ar), np.float32))
        self.cpost.load(*_columns(staged_concepts, (np.int32, np.int32, np.float32)))
        for c in (self.alive, self.age_min, self.age_max, self.fmt, self.free, self.prior, self.lens):
            c.trim()
        self.vocab_version += 1

    def avglen(self, f: str) -> float:
        return round(max(1.0, self.len_sum[f] / max(1, self.n_alive)), 2)

    def _add_slot(self, rec: dict[str, Any], doc: Doc) -> int:
        """An edit: a new slot with its postings at the current average field lengths."""
        slot = self._new_slot(rec, tuple(doc.lens.get(f, 0) for f in FIELDS), doc.concepts, doc.langs)
        self.surface_vocab.update(doc.surfaces)
        self._post(slot, rec, doc)
        return slot

    def _new_slot(self, rec: dict[str, Any], lens: tuple[int, ...], concepts: dict[str, float],
                  langs: frozenset[str], values: tuple[int, int, int, bool, float] | None = None) -> int:
        """A slot for the record (a previous slot of the same id is tombstoned), without its postings."""
        oid = rec.get("id")
        if oid in self.slot_of:
            self.remove(oid)
        slot = len(self.records)
        self.records.append(rec)
        self.ids.append(oid)
        self.slot_of[oid] = slot
        self.alive.append(True)
        amin, amax, bits, free, prior = values or slot_values(rec)
        self.age_min.append(amin)
        self.age_max.append(amax)
        self.fmt.append(bits)
        self.free.append(free)
        self.prior.append(prior)
        for f, n in zip(FIELDS, lens):
            self.lens.append(n)
            self.len_sum[f] += n
        self.n_alive += 1
        self.langs.append(self._lang_intern.setdefault(langs, langs))
        self.concepts_of.append(concepts)
        for c in concepts:
            self.cdf[c] = self.cdf.get(c, 0) + 1
        self._masks.clear()
        return slot

    def _post(self, slot: int, rec: dict[str, Any], doc: Doc) -> None:
        """An edit's postings, with the BM25 values of the current average field lengths."""
        avg = {f: self.avglen(f) for f in FIELDS}
        new_vocab = False
        for t, fields in doc.terms.items():
            tfn = 0.0
            for f, tf in fields.items():
                tfn += FIELD_W[f] * tf / (1 - FIELD_B[f] + FIELD_B[f] * doc.lens.get(f, 0) / avg[f])
            if t not in self.post:
                new_vocab = True
            self.post.append(t, slot, _q(tfn / (K1 + tfn)))
            self.df[t] = self.df.get(t, 0) + 1
        for a in rec.get("areas") or ():
            self.areas.append(a, slot, 1.0)
        for c, a in doc.concepts.items():
            if a >= CONCEPT_POSTING_MIN:
                self.cpost.append(c, slot, a)
        if new_vocab:
            self.vocab_version += 1
            self._buckets = None
            self._fuzzy_cache.clear()

    def add(self, rec: dict[str, Any], doc: Doc | None = None) -> None:
        self._add_slot(rec, doc or analyse_offer(rec))

    def remove(self, oid: Any) -> bool:
        slot = self.slot_of.pop(oid, None)
        if slot is None:
            return False
        rec = self.records[slot]
        self.alive.a[slot] = False
        self.records[slot] = None
        for c in self.concepts_of[slot]:
            self.cdf[c] = self.cdf.get(c, 1) - 1
        self.concepts_of[slot] = {}
        for i, f in enumerate(FIELDS):
            self.len_sum[f] -= int(self.lens.a[slot * len(FIELDS) + i])
        self.n_alive -= 1
        if self._staging is None and rec is not None:
            for t in analyse_offer(rec).terms:
                self.df[t] = self.df.get(t, 1) - 1
        self.dead += 1
        self._masks.clear()
        return True

    # -- eligibility ----------------------------------------------------------
    def area_mask(self, muni: str) -> np.ndarray:
        """True for live slots whose areas include ``muni`` or the whole country."""
        m = self._masks.get(muni)
        if m is None:
            m = np.zeros(len(self.ids), np.bool_)
            for key in (muni, NATIONWIDE):
                p = self.areas.get(key)
                if p is not None:
                    m[p[0]] = True
            m &= self.alive.view()
            if len(self._masks) >= self.MASK_CACHE:
                self._masks.clear()
            self._masks[muni] = m
        return m

    def age_mask(self, ages: tuple[int, ...]) -> np.ndarray:
        """True for live slots where at least one of ``ages`` fits the age range."""
        lo, hi = self.age_min.view(), self.age_max.view()
        m = np.zeros(len(self.ids), np.bool_)
        for a in ages:
            m |= (lo <= a) & (a <= hi)
        return m & self.alive.view()

    @staticmethod
    def union(a: np.ndarray | None, b: np.ndarray) -> np.ndarray:
        return b if a is None else a | b

    @staticmethod
    def combine(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
        if a is None or b is None:
            return a if b is None else b
        return a & b

    def needs_compaction(self) -> bool:
        """Dead slots or edits' postings outside the CSR block are a third of the index (and many)."""
        n = len(self.ids)
        return (self.dead > 1000 and self.dead > n // 3) or \
            (self.post.n_extra > 50_000 and self.post.n_extra > len(self.post.slots) // 3)

    def live_records(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r is not None]

    def nbytes(self) -> int:
        """Bytes in the index's numpy arrays (postings and columns)."""
        cols = (self.alive, self.age_min, self.age_max, self.fmt, self.free, self.prior, self.lens)
        return sum(p.nbytes() for p in (self.post, self.cpost, self.areas)) + sum(c.a.nbytes for c in cols)

    # -- query helpers -------------------------------------------------------
    def idf(self, t: str) -> float:
        df = self.df.get(t, 0)
        n = self.n_alive
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def cidf(self, c: str) -> float:
        df = self.cdf.get(c, 0)
        n = max(2, self.n_alive)
        if df <= 0:
            return 1.0
        return 0.5 + 0.5 * min(1.0, math.log(n / df) / math.log(n))

    def fuzzy_term(self, t: str) -> str | None:
        """Nearest index term for a query term missing from the index."""
        if t in self._fuzzy_cache:
            return self._fuzzy_cache[t]
        res = None
        n = len(t)
        if n >= 5 and t.isalpha():
            if self._buckets is None:
                b: dict[str, list[str]] = {}
                for term, df in self.df.items():
                    if df > 0 and len(term) >= 4:
                        b.setdefault(term[0], []).append(term)
                for v in b.values():
                    v.sort()
                self._buckets = b
            bucket = self._buckets.get(t[0])
            if bucket:
                hit = process.extractOne(t, bucket, scorer=OSA.distance, score_cutoff=1 if n <= 8 else 2)
                if hit is not None:
                    res = hit[0]
        if len(self._fuzzy_cache) > 50_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[t] = res
        return res


def _prior(rec: dict[str, Any], now: datetime | None = None) -> float:
    ec = rec.get("elements_count") or 0
    try:
        ec = max(0, min(11, int(ec)))
    except (TypeError, ValueError):
        ec = 0
    return 1 + 0.04 * ec / 11 + 0.03 * _freshness(rec.get("assured_at"), now)


def related_concepts(concepts: Iterable[tuple[str, float]]) -> dict[str, tuple[float, str, bool]]:
    """Query concept weights incl. related concepts: key -> (weight, source key, direct?)."""
    out: dict[str, tuple[float, str, bool]] = {}
    cs = list(concepts)
    for k, w in cs:
        old = out.get(k)
        if old is None or old[0] < w:
            out[k] = (w, k, True)
    for k, w in cs:
        c = CONCEPTS_BY_KEY.get(k)
        if c is None:
            continue
        for r, rw in c.related.items():
            v = w * rw
            old = out.get(r)
            if old is None or old[0] < v:
                out[r] = (v, k, False)
    return out


def concept_plan(need_concepts, cidf) -> list[tuple[str, float, list[tuple[str, float]]]]:
    """Per need concept, strongest first: (key, weight of a direct match, [(related key, weight)]).

    A concept the need names itself is never also counted as another named concept's relative."""
    q: dict[str, float] = {}
    for c in need_concepts:
        if c.weight > q.get(c.key, 0.0):
            q[c.key] = c.weight
    q0 = dict(q)
    for k, w in q0.items():
        c = CONCEPTS_BY_KEY.get(k)
        for r, rw in (c.related.items() if c else ()):
            if r in q and w * rw > q[r]:
                q[r] = w * rw
    plan = []
    for k, w in sorted(q.items(), key=lambda kv: (-kv[1], kv[0])):
        c = CONCEPTS_BY_KEY.get(k)
        rel = [(r, CONCEPT_WEIGHT * w * rw * cidf(r)) for r, rw in (c.related.items() if c else ()) if r not in q]
        plan.append((k, CONCEPT_WEIGHT * w * cidf(k), rel))
    return plan


def concept_score(cs: dict[str, float], plan) -> float:
    """An offer's concept score: per need concept the better of its direct match and its best related match
    (a related match never adds on top of a direct one, so an offer about two topics doesn't collect twice)."""
    total = 0.0
    for k, wc, rel in plan:
        direct = cs.get(k, 0.0) * wc
        related = 0.0
        for r, wr in rel:
            a = cs.get(r)
            if a:
                related = max(related, a * wr)
        total += max(direct, min(related, wc))
    return total


__all__ = ["Index", "analyse_offer", "related_concepts", "field_texts", "is_free", "CONCEPTS"]
