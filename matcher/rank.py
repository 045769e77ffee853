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
from functools import lru_cache
from array import array
from datetime import UTC, datetime
from collections.abc import Iterable
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .analysis import analyse_field, terms_of
from .places import NATIONWIDE
from .text import normalize, words
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


def _freshness(assured_at: Any) -> float:
    if not isinstance(assured_at, datetime):
        return 0.0
    now = datetime.now(UTC)
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


def offer_languages(rec: dict[str, Any]) -> frozenset[str]:
    """Languages from the record plus language words in its texts ("på arabisk")."""
    from .understand import LANGUAGES
    out = {LANGUAGES.get(normalize(str(x)), normalize(str(x))) for x in (rec.get("languages") or ())}
    for w in words(" ".join(field_texts(rec).values())):
        base = w[:-7] if w.endswith("talende") else w
        if base in LANGUAGES:
            out.add(LANGUAGES[base])
    return frozenset(out)


class Doc:
    """What the index keeps per offer (analysis is redone lazily for reasons)."""

    __slots__ = ("terms", "concepts", "lens", "surfaces", "langs", "vals_key", "vals")

    def __init__(self, terms: dict[str, dict[str, float]], concepts: dict[str, float], lens: dict[str, int],
                 surfaces: frozenset[str] = frozenset(), langs: frozenset[str] = frozenset()):
        self.terms = terms
        self.concepts = concepts
        self.lens = lens
        self.surfaces = surfaces
        self.langs = langs
        self.vals_key: tuple | None = None     # avglens the cached posting values were computed with
        self.vals: list[tuple[str, float]] = []


def analyse_offer(rec: dict[str, Any]) -> Doc:
    texts = field_texts(rec)
    langs = tuple(str(x) for x in (rec.get("languages") or ()))
    return _analyse_texts(texts["title"], texts["tags"], texts["target_group"], texts["description"], langs)


@lru_cache(maxsize=20_000)
def _analyse_texts(title: str, tags: str, target_group: str, description: str, langs: tuple[str, ...]) -> Doc:
    """Analysis of one offer's texts (cached: identical texts share one immutable Doc)."""
    texts = {"title": title, "tags": tags, "target_group": target_group, "description": description}
    per_term: dict[str, dict[str, float]] = {}
    lens: dict[str, int] = {}
    cx: dict[str, float] = {}
    surfaces: set[str] = set()
    for f in FIELDS:
        toks, hits = analyse_field(texts[f])
        surfaces.update(t.surface for t in toks if t.info is not None)
        tf = terms_of(list(toks))
        lens[f] = sum(1 for t in toks if t.info is not None and not t.stop)
        for t, v in tf.items():
            per_term.setdefault(t, {})[f] = v
        fw = CONCEPT_FIELD_W[f]
        for h in hits:
            cx[h.key] = cx.get(h.key, 0.0) + fw * h.weight
    xmax = max(cx.values(), default=0.0)
    concepts = {k: (1 - math.exp(-x)) * (1 - CONCEPT_FOCUS + CONCEPT_FOCUS * x / xmax)
                for k, x in cx.items() if x > 0}
    # breadth normalisation: an offer about many needs is a weaker answer to each one
    mass = sum(concepts.values())
    nf = 1.0 / (1 - CONCEPT_B + CONCEPT_B * max(mass, CONCEPT_MASS0) / CONCEPT_MASS0)
    concepts = {k: _q(v * nf) for k, v in concepts.items()}
    return Doc(per_term, concepts, lens, frozenset(surfaces),
               offer_languages({"languages": langs, **texts}))


class Index:
    """Append-only slots with tombstones; postings are parallel arrays."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any] | None] = []
        self.ids: list[Any] = []
        self.slot_of: dict[Any, int] = {}
        self.alive = bytearray()
        self.age_min = array("h")
        self.age_max = array("h")
        self.fmt = array("H")
        self.free = bytearray()
        self.prior = array("f")
        self.langs: list[frozenset[str]] = []
        self.national: set[int] = set()
        self.muni: dict[str, set[int]] = {}
        self.post: dict[str, tuple[array, array]] = {}
        self.df: dict[str, int] = {}
        self.cpost: dict[str, tuple[array, array]] = {}
        self.cdf: dict[str, int] = {}
        self.len_sum = {f: 0 for f in FIELDS}
        self.n_alive = 0
        self.dead = 0
        self.vocab_version = 0
        self._fuzzy_cache: dict[str, str | None] = {}
        self._buckets: dict[str, list[str]] | None = None
        self._lang_intern: dict[frozenset[str], frozenset[str]] = {}
        self.concepts_of: list[dict[str, float]] = []   # per slot: concept -> strength
        self.surface_vocab: set[str] = set()
        self._masks: dict[str, bytearray] = {}
        self._age_masks: dict[int, bytearray] = {}   # words written in offers (vetoes typo corrections)

    # -- building -----------------------------------------------------------
    def avglen(self, f: str) -> float:
        return max(1.0, self.len_sum[f] / max(1, self.n_alive))

    def add_stats(self, doc: Doc, sign: int) -> None:
        for f in FIELDS:
            self.len_sum[f] += sign * doc.lens.get(f, 0)
        self.n_alive += sign

    def add(self, rec: dict[str, Any], doc: Doc | None = None, stats: bool = True) -> None:
        oid = rec.get("id")
        if oid in self.slot_of:
            self.remove(oid)
        doc = doc or analyse_offer(rec)
        if stats:
            self.add_stats(doc, +1)
        slot = len(self.records)
        self.records.append(rec)
        self.ids.append(oid)
        self.slot_of[oid] = slot
        self.alive.append(1)
        amin, amax = rec.get("age_min"), rec.get("age_max")
        self.age_min.append(NO_MIN if amin is None else max(-1, min(int(amin), 998)))
        self.age_max.append(NO_MAX if amax is None else max(-1, min(int(amax), 998)))
        bits = 0
        for f in rec.get("formats") or ():
            bits |= FORMAT_BITS.get(normalize(str(f)), 0)
        self.fmt.append(bits)
        self.free.append(1 if is_free(rec.get("cost")) else 0)
        ec = rec.get("elements_count") or 0
        try:
            ec = max(0, min(11, int(ec)))
        except (TypeError, ValueError):
            ec = 0
        self.prior.append(1 + 0.04 * ec / 11 + 0.03 * _freshness(rec.get("assured_at")))
        self.langs.append(self._lang_intern.setdefault(doc.langs, doc.langs))
        self.concepts_of.append(doc.concepts)
        areas = rec.get("areas") or ()
        for a in areas:
            if a == NATIONWIDE:
                self.national.add(slot)
            else:
                self.muni.setdefault(a, set()).add(slot)
        self.surface_vocab.update(doc.surfaces)
        for m_name, mask in self._masks.items():
            mask.append(1 if (slot in self.national or m_name in areas) else 0)
        lo, hi = self.age_min[slot], self.age_max[slot]
        for a, mask in self._age_masks.items():
            mask.append(1 if lo <= a <= hi else 0)
        # postings
        new_vocab = False
        key = tuple(round(self.avglen(f), 2) for f in FIELDS)
        if doc.vals_key != key:
            avg = dict(zip(FIELDS, key))
            vals = []
            for t, fields in doc.terms.items():
                tfn = 0.0
                for f, tf in fields.items():
                    tfn += FIELD_W[f] * tf / (1 - FIELD_B[f] + FIELD_B[f] * doc.lens.get(f, 0) / avg[f])
                vals.append((t, _q(tfn / (K1 + tfn))))
            doc.vals, doc.vals_key = vals, key
        df = self.df
        post = self.post
        for t, val in doc.vals:
            p = post.get(t)
            if p is None:
                p = self.post[t] = (array("i"), array("f"))
                new_vocab = True
            p[0].append(slot)
            p[1].append(val)
            df[t] = df.get(t, 0) + 1
        for c, a in doc.concepts.items():
            if a < CONCEPT_POSTING_MIN:
                continue
            p = self.cpost.get(c)
            if p is None:
                p = self.cpost[c] = (array("i"), array("f"))
            p[0].append(slot)
            p[1].append(a)
        for c in doc.concepts:
            self.cdf[c] = self.cdf.get(c, 0) + 1
        if new_vocab:
            self.vocab_version += 1
            self._buckets = None
            self._fuzzy_cache.clear()

    def remove(self, oid: Any) -> bool:
        slot = self.slot_of.pop(oid, None)
        if slot is None:
            return False
        rec = self.records[slot]
        doc = analyse_offer(rec) if rec is not None else None
        self.alive[slot] = 0
        self.records[slot] = None
        self.concepts_of[slot] = {}
        if doc is not None:
            self.add_stats(doc, -1)
            for t in doc.terms:
                self.df[t] = self.df.get(t, 1) - 1
            for c in doc.concepts:
                self.cdf[c] = self.cdf.get(c, 1) - 1
        self.national.discard(slot)
        for a in (rec or {}).get("areas") or ():
            s = self.muni.get(a)
            if s is not None:
                s.discard(slot)
        self.dead += 1
        for mask in self._masks.values():
            mask[slot] = 0
        for mask in self._age_masks.values():
            mask[slot] = 0
        return True

    def area_mask(self, muni: str) -> bytearray:
        """1 for live slots whose areas include ``muni`` or the whole country.
        Masks are built once and kept up to date by add/remove."""
        m = self._masks.get(muni)
        if m is None:
            m = bytearray(len(self.records))
            for s in self.national:
                m[s] = 1
            for s in self.muni.get(muni, ()):
                m[s] = 1
            if len(self._masks) > 200:
                self._masks.clear()
            self._masks[muni] = m
        return m

    def _age_mask1(self, a: int) -> bytearray:
        m = self._age_masks.get(a)
        if m is None:
            lo, hi, al = self.age_min, self.age_max, self.alive
            m = bytearray(1 if (al[s] and lo[s] <= a <= hi[s]) else 0 for s in range(len(self.records)))
            self._age_masks[a] = m
        return m

    def age_mask(self, ages: tuple[int, ...]) -> bytearray:
        """1 for live slots where at least one of ``ages`` fits the age range."""
        if len(ages) == 1:
            return self._age_mask1(ages[0])
        acc = 0
        n = len(self.records)
        for a in ages:
            acc |= int.from_bytes(self._age_mask1(a), "little")
        return bytearray(acc.to_bytes(n, "little"))

    @staticmethod
    def union(a: bytearray | None, b: bytearray) -> bytearray:
        if a is None:
            return b
        n = len(a)
        return bytearray((int.from_bytes(a, "little") | int.from_bytes(b, "little")).to_bytes(n, "little"))

    @staticmethod
    def combine(a: bytearray | None, b: bytearray | None) -> bytearray | None:
        if a is None or b is None:
            return a if b is None else b
        n = len(a)
        return bytearray((int.from_bytes(a, "little") & int.from_bytes(b, "little")).to_bytes(n, "little"))

    def needs_compaction(self) -> bool:
        return self.dead > 1000 and self.dead > len(self.records) // 3

    def live_records(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r is not None]

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
