"""MatchEngine: the public, thread-safe entry point (see docs/DESIGN.md).

The scoring formula is documented in :mod:`matcher.rank`.

Concurrency: every mutation and every search runs under one RLock, so a search
always sees one consistent state of the index (a mutation never interleaves with
a search). Searches are short (milliseconds) and CPython runs Python code on
one core at a time anyway, so this costs no throughput. ``upsert``/``remove``
are incremental: a removed or replaced offer's slot is tombstoned and its
document statistics are subtracted; when a third of the slots are dead (or a
third of the postings sit outside the build's arrays) a new index is built in
a background thread from the live records, the edits made meanwhile are
replayed on it, and it replaces the old one, which serves until then.

A search: eligibility as boolean masks; stage 1 adds up the query's word and
concept postings with one numpy bincount; stage 2 (Python) scores only the
shortlist of the POOL best; reasons for the results shown.
"""
from __future__ import annotations

import heapq
import threading
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

import numpy as np

from .analysis import default_analyzer
from .models import Hit, MatchResult, Need
from .places import NATIONWIDE
from .reasons import NOT_FREE, count_left_out, explain, ineligible
from .rank import (CONCEPT_POSTING_MIN, FIELDS, FORMAT_BITS, NO_MAX, NO_MIN, Index, analyse_offer, concept_plan,
                   concept_score, field_texts, related_concepts)
from .text import STOP_WORDS, stem
from .understand import default_parser

LEFT_OUT_SHARE = 0.25
COMMON_TERM_SHARE = 0.3  # in large catalogues, words in more than 30 % of the offers are not scored
COMMON_TERM_MIN_N = 1000  # (a speed measure; small catalogues score every word)
ALTERNATIVE_AREA_FACTOR = 0.9  # an offer only in another municipality of the named postal district
POOL = 300             # stage-2 re-ranking pool size   # an excluded offer counts in left_out if its relevance >= 25 % of the best


def _age_range(amin: int, amax: int) -> str:
    if amin != NO_MIN and amax != NO_MAX:
        return f"{amin}–{amax} år"
    if amin != NO_MIN:
        return f"fra {amin} år"
    if amax != NO_MAX:
        return f"op til {amax} år"
    return "alle aldre"


@dataclass
class _Eligibility:
    """Hard filters as boolean masks over the index's slots (None: no filter of that kind)."""
    ok: np.ndarray | None
    area_ok: np.ndarray | None
    primary_ok: np.ndarray | None
    alts: list[str]


def _eligibility(idx: Index, need: Need) -> _Eligibility:
    muni = need.municipality
    ages = tuple(sorted({int(a) for a in need.child_ages}))
    area_ok = idx.area_mask(muni) if muni else None
    # a postal district spanning several municipalities: offers in any of them are
    # eligible (unless the municipality was given explicitly); the first is preferred
    alts = [m for m in need.municipality_alternatives if m and m != muni] \
        if muni and need.municipality_source != "angivet" else []
    primary_ok = area_ok
    for m in alts:
        area_ok = idx.union(area_ok, idx.area_mask(m))
    age_ok = idx.age_mask(ages) if ages else None
    return _Eligibility(idx.combine(area_ok, age_ok), area_ok, primary_ok, alts)


def _word_postings(idx: Index, need: Need) -> tuple[list[tuple[np.ndarray, np.ndarray, float]], Any]:
    """Per query word (or its typo correction): its postings and multiplier idf * query weight; and the
    postings of the rarest scored word (for left_out)."""
    qterms = dict(need.term_weights) if need.term_weights else {}
    for t in need.terms:
        qterms.setdefault(t, 1.0)
    n_alive = max(1, idx.n_alive)
    word_weight = need.word_weight   # the multiplier of plain-word evidence (a long story's words count less)
    out = []
    rarest: tuple[int, Any] | None = None
    for t, qw in qterms.items():
        qw = min(qw, 1.5)
        p = idx.post.get(t)
        if p is None or idx.df.get(t, 0) <= 0:
            ft = idx.fuzzy_term(t)
            if ft is None:
                continue
            t, qw = ft, qw * 0.7
            p = idx.post.get(t)
            if p is None:
                continue
        df = idx.df.get(t, 0)
        if n_alive >= COMMON_TERM_MIN_N and df > COMMON_TERM_SHARE * n_alive:
            continue  # a word in most offers says little about any of them
        if rarest is None or df < rarest[0]:
            rarest = (df, p)
        out.append((p[0], p[1], idx.idf(t) * qw * word_weight))
    return out, (rarest[1] if rarest else None)


def _first_stage(idx: Index, need: Need, plan, ok: np.ndarray | None) -> tuple[np.ndarray, Any]:
    """Stage 1 over array postings: word BM25 plus clear evidence of the need's own concepts, weighted as
    direct matches. Returns the score per slot (0 where ineligible) and the probe postings for left_out."""
    parts, rarest = _word_postings(idx, need)
    main_posting = None
    for c, wc, _rel in plan:
        p = idx.cpost.get(c)
        if p is None:
            continue
        if main_posting is None:
            main_posting = p
        parts.append((p[0], p[1], wc))
    n = len(idx.ids)
    if parts:
        slots = np.concatenate([s for s, _v, _m in parts])
        weights = np.concatenate([v.astype(np.float64) * m for _s, v, m in parts])
        scores: np.ndarray = np.bincount(slots, weights=weights, minlength=n)
    else:
        scores = np.zeros(n)
    keep = idx.alive.view() if ok is None else ok
    scores[~keep] = 0.0
    return scores, main_posting or rarest


def _shortlist(scores: np.ndarray, k: int) -> tuple[np.ndarray, int]:
    """Slots with a positive score, at most ``k`` of them (highest score, then highest slot), and how many
    there were."""
    cand = np.flatnonzero(scores > 0)
    if len(cand) <= POOL or len(cand) <= k:
        return cand, len(cand)
    sc = scores[cand]
    kth = sc[np.argpartition(-sc, k - 1)[k - 1]]
    sure = cand[sc > kth]
    ties = cand[sc == kth][::-1][:k - len(sure)]
    return np.concatenate([sure, ties]), len(cand)


def _left_out(idx: Index, need: Need, probe, elig: _Eligibility) -> list[dict[str, Any]]:
    """Offers about the need's main concept (or rarest word) that the hard filters excluded, by reason."""
    if elig.ok is None or probe is None:
        return []
    slots = probe[0]
    slots = slots[~elig.ok[slots] & idx.alive.view()[slots]]
    area_out = 0
    if elig.area_ok is not None:
        inside = elig.area_ok[slots]
        area_out = int(len(slots) - inside.sum())
        slots = slots[inside]
    age_out: dict[tuple[int, int], int] = {}
    if len(slots):
        pairs, counts = np.unique(np.stack([idx.age_min.view()[slots], idx.age_max.view()[slots]]),
                                  axis=1, return_counts=True)
        age_out = {(int(lo), int(hi)): int(c) for (lo, hi), c in zip(pairs.T, counts)}
    left_out: list[dict[str, Any]] = []
    if area_out:
        muni = need.municipality or ""
        where = " eller ".join([muni, *elig.alts]) if elig.alts else muni
        left_out.append({"count": area_out, "reason": f"dækker ikke {where}"})
    for (lo, hi), cnt in sorted(age_out.items(), key=lambda kv: (-kv[1], kv[0])):
        left_out.append({"count": cnt, "reason": f"kun for {_age_range(lo, hi)}"})
    return left_out


@dataclass
class _Preferences:
    want_bits: int
    excl_bits: int
    free_only: bool
    langs: set[str]

    @classmethod
    def of(cls, need: Need) -> _Preferences:
        want = excl = 0
        for f in need.formats:
            want |= FORMAT_BITS.get(f, 0)
        for f in need.excluded_formats:
            excl |= FORMAT_BITS.get(f, 0)
        return cls(want, excl, bool(need.free_only), set(need.languages))

    def factor(self, idx: Index, s: int) -> float:
        f = 1.0
        fb = int(idx.fmt.a[s])
        if self.want_bits and fb & self.want_bits:
            f *= 1.15
        if self.excl_bits and fb & self.excl_bits:
            f *= 0.5 if (fb & ~self.excl_bits) == 0 else 0.9
        if self.free_only:
            f *= 1.1 if idx.free.a[s] else 0.7
        if self.langs and self.langs & idx.langs[s]:
            f *= 1.15
        return f


def _free_only(idx: Index, need: Need, scores: np.ndarray, filtered: dict[str, int]) -> None:
    """"Kun gratis" is a condition, over the whole catalogue at once: a paid offer scores nothing."""
    if not need.free_only:
        return
    paid = (scores > 0) & ~idx.free.view().astype(bool)
    n = int(paid.sum())
    if n:
        scores[paid] = 0.0
        filtered[NOT_FREE] = filtered.get(NOT_FREE, 0) + n


def _second_stage(idx: Index, need: Need, plan, pool: np.ndarray, scores: np.ndarray,
                  elig: _Eligibility, filtered: dict[str, int]) -> list[tuple[float, Any, int]]:
    """The shortlist only: the other conditions the caseworker set (matcher.reasons.ineligible; counted in
    ``filtered``), the full concept score (related concepts, weak evidence), preferences, prior."""
    cw1 = {c: wc for c, wc, _rel in plan}
    prefs = _Preferences.of(need)
    concepts_of, prior, ids = idx.concepts_of, idx.prior.a, idx.ids
    conditions = bool(need.excluded_formats or need.formats)
    scored: list[tuple[float, Any, int]] = []
    for s in pool.tolist():
        why = ineligible(need, idx.records[s], free=bool(idx.free.a[s])) if conditions else None
        if why:  # a condition the caseworker set (not online, only home visits): never shown
            filtered[why] = filtered.get(why, 0) + 1
            continue
        rel = float(scores[s])
        cs = concepts_of[s]
        # replace stage 1's concept part by the full concept score (see matcher.rank)
        for c, a in cs.items():
            w = cw1.get(c)
            if w is not None and a >= CONCEPT_POSTING_MIN:
                rel -= w * a
        rel += concept_score(cs, plan)
        f = prefs.factor(idx, s)
        if elig.alts and elig.primary_ok is not None and not elig.primary_ok[s]:
            f *= ALTERNATIVE_AREA_FACTOR
        scored.append((rel * f * float(prior[s]), ids[s], s))
    return scored


class MatchEngine:
    def __init__(self, records: Iterable[dict[str, Any]] | None = None):
        self._lock = threading.RLock()
        self._index = Index()
        self._journal: list[tuple[str, Any]] | None = None   # edits made while a background build runs
        self._builder: threading.Thread | None = None
        if records is not None:
            self.rebuild(records)

    # -- mutation -----------------------------------------------------------
    def rebuild(self, records: Iterable[dict[str, Any]]) -> None:
        """Build a new index from the records (streamed: each offer's analysis is dropped once staged);
        the old index serves until the new one is swapped in."""
        idx = Index.build(records)
        with self._lock:
            self._index = idx

    def rebuild_in_background(self, records: Iterable[dict[str, Any]] | None = None) -> threading.Thread:
        """Rebuild (by default from the live records, i.e. compaction) in a thread; edits made meanwhile are
        replayed on the new index before it replaces the old one, which keeps serving until then."""
        with self._lock:
            if self._builder is not None and self._builder.is_alive():
                return self._builder
            if records is None:
                records = self._index.live_records()
            self._journal = []
            self._builder = threading.Thread(target=self._build_and_swap, args=(records,), daemon=True,
                                             name="matcher-rebuild")
            self._builder.start()
            return self._builder

    def _build_and_swap(self, records: Iterable[dict[str, Any]]) -> None:
        idx = Index.build(records)
        with self._lock:
            for op, arg in self._journal or ():
                if op == "upsert":
                    idx.add(arg)
                else:
                    idx.remove(arg)
            self._index = idx
            self._journal = None

    def upsert(self, record: dict[str, Any]) -> None:
        doc = analyse_offer(record)
        with self._lock:
            self._index.add(record, doc)
            if self._journal is not None:
                self._journal.append(("upsert", record))
            self._maybe_compact()

    def remove(self, offer_id: Any) -> None:
        with self._lock:
            self._index.remove(offer_id)
            if self._journal is not None:
                self._journal.append(("remove", offer_id))
            self._maybe_compact()

    def _maybe_compact(self) -> None:
        if self._journal is None and self._index.needs_compaction():
            self.rebuild_in_background()

    def wait_for_rebuild(self, timeout: float | None = None) -> None:
        builder = self._builder
        if builder is not None:
            builder.join(timeout)

    def __len__(self) -> int:
        return self._index.n_alive

    def stats(self) -> dict[str, int]:
        """Size of the index: live offers, dead slots, bytes in its arrays."""
        idx = self._index
        return {"offers": idx.n_alive, "dead_slots": idx.dead, "array_bytes": idx.nbytes()}

    def concepts_of(self, offer_id: Any) -> dict[str, float]:
        """The need concepts the index found in one offer, with their strengths ({} if not indexed)."""
        idx = self._index
        slot = idx.slot_of.get(offer_id)
        return dict(idx.concepts_of[slot]) if slot is not None and idx.alive.view()[slot] else {}

    def offers_about(self, concept: str | None, min_strength: float = 0.0) -> tuple[list[Any], bool]:
        """Indexed offers with the concept (any concept when None) at `min_strength` or more, as
        (ids, False); when that is most of the index, the shorter (ids of the others, True)."""
        idx = self._index
        alive = idx.alive.view()
        about: list[Any] = []
        others: list[Any] = []
        for slot, cs in enumerate(idx.concepts_of):
            if not alive[slot]:
                continue
            hit = bool(cs) and (any(v >= min_strength for v in cs.values()) if concept is None
                                else cs.get(concept, 0.0) >= min_strength)
            (about if hit else others).append(idx.ids[slot])
        return (others, True) if len(about) > len(others) else (about, False)

    # -- reading ------------------------------------------------------------
    def understand(self, text: str) -> Need:
        """Parse a need. Words that occur in the indexed offers are never
        "typo-corrected" into another word (the catalogue widens the lexicon)."""
        vocab = self._index.surface_vocab
        return default_parser().parse(text, known=vocab.__contains__)

    def known_word(self, word: str) -> bool:
        """True when ``word`` (lowercase) is in the service's own vocabulary: the thesaurus lexicon, the stop
        words or a word written in an indexed offer."""
        an = default_analyzer()
        if word in an.surface_vocab or word in STOP_WORDS or word in self._index.surface_vocab:
            return True
        st = stem(word)  # an inflected form of a known word ("skilsmissen")
        return st in an.stem_vocab or st in self._index.df

    def known_term(self, term: str) -> str | None:
        """``term`` (an analysed term) if the index or the thesaurus knows it, else the index term a search
        would use in its place (typo tolerance), else None."""
        if term in self._index.df or term in default_analyzer().stem_vocab:
            return term
        with self._lock:
            return self._index.fuzzy_term(term)

    def match(self, text: str, limit: int = 10, municipality: str | None = None,
              child_ages: list[int] | None = None, formats: list[str] | None = None,
              offset: int = 0) -> MatchResult:
        need = self.understand(text).override(municipality=municipality, child_ages=child_ages, formats=formats)
        return self.search(need, limit=limit, offset=offset)

    def search(self, need: Need, limit: int = 10, offset: int = 0) -> MatchResult:
        limit = max(0, int(limit))
        offset = max(0, int(offset))
        with self._lock:
            idx = self._index
            elig = _eligibility(idx, need)
            plan = concept_plan(need.concepts, idx.cidf)
            scores, probe = _first_stage(idx, need, plan, elig.ok)
            left_out = _left_out(idx, need, probe, elig)
            filtered: dict[str, int] = {}
            _free_only(idx, need, scores, filtered)
            pool, total = _shortlist(scores, max(POOL, 4 * (offset + limit)))
            scored = _second_stage(idx, need, plan, pool, scores, elig, filtered)
            total -= sum(filtered.values()) - filtered.get(NOT_FREE, 0)
            left_out = count_left_out(filtered) + left_out
            top = heapq.nsmallest(offset + limit, scored, key=lambda x: (-x[0], x[1]))[offset:]
            chosen = [(sc, oid, idx.records[s] or {}, idx.langs[s]) for sc, oid, s in top]
        cq = related_concepts((c.key, c.weight) for c in need.concepts)
        hits = [Hit(oid, float(sc), self._reasons(need, cq, rec, NATIONWIDE in (rec.get("areas") or ()), lg))
                for sc, oid, rec, lg in chosen]
        return MatchResult(need=need, results=hits, left_out=left_out, total_eligible=total)


    def eligible_counts(self, need: Need) -> dict[str, int]:
        """Per concept of the need: how many offers the family could use (area, ages) carry clear evidence of
        it; 0 means that need met no offer at all (the coverage map). One mask and one posting per concept."""
        with self._lock:
            idx = self._index
            ok = _eligibility(idx, need).ok
            keep = idx.alive.view() if ok is None else ok
            out: dict[str, int] = {}
            for c in need.concepts:
                p = idx.cpost.get(c.key)
                out[c.key] = 0 if p is None else int(np.count_nonzero(keep[p[0]] & (p[1] > 0)))
        return out

    # -- explanations ---------------------------------------------------------
    def _reasons(self, need: Need, cq: dict, rec: dict[str, Any], national: bool,
                 langs: frozenset[str]) -> list[str]:
        return explain(need, cq, rec, national=national, langs=langs, fields=FIELDS, texts=field_texts(rec))

