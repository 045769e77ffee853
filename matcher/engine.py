"""MatchEngine: the public, thread-safe entry point (see docs/DESIGN.md).

The scoring formula is documented in :mod:`matcher.rank`.

Concurrency: every mutation and every search runs under one RLock, so a search
always sees one consistent state of the index (a mutation never interleaves with
a search). Searches are short (milliseconds) and CPython runs Python code on
one core at a time anyway, so this costs no throughput. ``upsert``/``remove``
are incremental: a removed or replaced offer's slot is tombstoned and its
document statistics are subtracted; the index is compacted by a rebuild when a
third of the slots are dead.
"""
from __future__ import annotations

import heapq
import threading
from typing import Any, Iterable

from .analysis import analyse_field, concept_label, default_analyzer
from .models import Hit, MatchResult, Need
from .rank import (CONCEPT_POSTING_MIN, FIELDS, FORMAT_BITS, NO_MAX, NO_MIN, Index, analyse_offer, concept_plan,
                   concept_score, field_texts, related_concepts)
from .text import STOP_WORDS, normalize, stem
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


def _quote(ws: Iterable[str], n: int = 2) -> str:
    out: list[str] = []
    for w in ws:
        if w not in out:
            out.append(w)
        if len(out) >= n:
            break
    return ", ".join(f"'{w}'" for w in out)


class MatchEngine:
    def __init__(self, records: Iterable[dict[str, Any]] | None = None):
        self._lock = threading.RLock()
        self._index = Index()
        if records is not None:
            self.rebuild(records)

    # -- mutation -----------------------------------------------------------
    def rebuild(self, records: Iterable[dict[str, Any]]) -> None:
        recs: dict[Any, dict[str, Any]] = {}
        for r in records:
            recs[r.get("id")] = r
        idx = Index()
        docs = []
        for r in recs.values():
            d = analyse_offer(r)
            idx.add_stats(d, +1)
            docs.append((r, d))
        for r, d in docs:
            idx.add(r, d, stats=False)
        with self._lock:
            self._index = idx

    def upsert(self, record: dict[str, Any]) -> None:
        doc = analyse_offer(record)
        with self._lock:
            self._index.add(record, doc)
            self._maybe_compact()

    def remove(self, offer_id: Any) -> None:
        with self._lock:
            self._index.remove(offer_id)
            self._maybe_compact()

    def _maybe_compact(self) -> None:
        if self._index.needs_compaction():
            self.rebuild(self._index.live_records())

    def __len__(self) -> int:
        return self._index.n_alive

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
              child_ages: list[int] | None = None, formats: list[str] | None = None) -> MatchResult:
        need = self.understand(text)
        if municipality is not None:
            need.municipality = municipality or None
            need.municipality_source = "angivet" if municipality else None
        if child_ages is not None:
            need.child_ages = [int(a) for a in child_ages]
        if formats is not None:
            need.formats = list(formats)
            need.excluded_formats = [f for f in need.excluded_formats if f not in need.formats]
        return self.search(need, limit=limit)

    def search(self, need: Need, limit: int = 10, offset: int = 0) -> MatchResult:
        limit = max(0, int(limit))
        offset = max(0, int(offset))
        with self._lock:
            idx = self._index
            acc: dict[int, float] = {}
            get = acc.get
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
            ok = idx.combine(area_ok, age_ok)

            def accumulate(slots, vals, m: float) -> None:
                if ok is None:
                    for s, v in zip(slots, vals):
                        acc[s] = get(s, 0.0) + v * m
                else:
                    for s, v in zip(slots, vals):
                        if ok[s]:
                            acc[s] = get(s, 0.0) + v * m

            qterms = dict(need.term_weights) if need.term_weights else {}
            for t in need.terms:
                qterms.setdefault(t, 1.0)
            n_alive = max(1, idx.n_alive)
            rarest: tuple[int, Any] | None = None
            for t, qw in qterms.items():
                qw = min(qw, 1.5)
                p = idx.post.get(t)
                if p is None or idx.df.get(t, 0) <= 0:
                    ft = idx.fuzzy_term(t)
                    if ft is None:
                        continue
                    t, qw = ft, qw * 0.7
                    p = idx.post[t]
                df = idx.df.get(t, 0)
                if n_alive >= COMMON_TERM_MIN_N and df > COMMON_TERM_SHARE * n_alive:
                    continue  # a word in most offers says little about any of them
                if rarest is None or df < rarest[0]:
                    rarest = (df, p)
                accumulate(p[0], p[1], idx.idf(t) * qw)
            cq = related_concepts((c.key, c.weight) for c in need.concepts)
            plan = concept_plan(need.concepts, idx.cidf)
            # stage 1: clear evidence of the need's own concepts (postings), weighted as direct matches
            cw1 = {c: wc for c, wc, _rel in plan}
            main_posting = None
            for c, wc, _rel in plan:
                p = idx.cpost.get(c)
                if p is None:
                    continue
                if main_posting is None:
                    main_posting = p
                accumulate(p[0], p[1], wc)

            # left_out: offers about the need's main concept (or rarest word) that are excluded
            alive = idx.alive
            amin_a, amax_a = idx.age_min, idx.age_max
            area_out = 0
            age_out: dict[tuple[int, int], int] = {}
            probe = main_posting or (rarest[1] if rarest else None)
            if ok is not None and probe is not None:
                for s in probe[0]:
                    if ok[s] or not alive[s]:
                        continue
                    if area_ok is not None and not area_ok[s]:
                        area_out += 1
                    else:
                        key = (amin_a[s], amax_a[s])
                        age_out[key] = age_out.get(key, 0) + 1
            eligible = [(rel, s) for s, rel in acc.items() if rel > 0 and alive[s]]
            total = len(eligible)
            pool = heapq.nlargest(max(POOL, 4 * (offset + limit)), eligible) if len(eligible) > POOL else eligible

            # stage 2 (the pool only): related concepts and weak evidence, preferences, priors
            want_bits = 0
            for f in need.formats:
                want_bits |= FORMAT_BITS.get(f, 0)
            excl_bits = 0
            for f in need.excluded_formats:
                excl_bits |= FORMAT_BITS.get(f, 0)
            langs = set(need.languages)
            concepts_of = idx.concepts_of
            scored: list[tuple[float, Any, int]] = []
            for rel, s in pool:
                cs = concepts_of[s]
                # replace stage 1's concept part by the full concept score (see matcher.rank)
                for c, a in cs.items():
                    w = cw1.get(c)
                    if w is not None and a >= CONCEPT_POSTING_MIN:
                        rel -= w * a
                rel += concept_score(cs, plan)
                f = 1.0
                fb = idx.fmt[s]
                if want_bits and fb & want_bits:
                    f *= 1.15
                if excl_bits and fb & excl_bits:
                    f *= 0.5 if (fb & ~excl_bits) == 0 else 0.9
                if need.free_only:
                    f *= 1.1 if idx.free[s] else 0.7
                if langs and langs & idx.langs[s]:
                    f *= 1.15
                if alts and not primary_ok[s]:
                    f *= ALTERNATIVE_AREA_FACTOR
                scored.append((rel * f * idx.prior[s], idx.ids[s], s))
            top = heapq.nsmallest(offset + limit, scored, key=lambda x: (-x[0], x[1]))[offset:]
            chosen = [(sc, oid, idx.records[s], s in idx.national, idx.langs[s]) for sc, oid, s in top]
            left_out: list[dict[str, Any]] = []
            if area_out:
                where = " eller ".join([muni, *alts]) if alts else muni
                left_out.append({"count": area_out, "reason": f"dækker ikke {where}"})
            for (lo, hi), cnt in sorted(age_out.items(), key=lambda kv: (-kv[1], kv[0])):
                left_out.append({"count": cnt, "reason": f"kun for {_age_range(lo, hi)}"})
        hits = [Hit(oid, float(sc), self._reasons(need, cq, rec, nat, lg))
                for sc, oid, rec, nat, lg in chosen]
        return MatchResult(need=need, results=hits, left_out=left_out, total_eligible=total)

    # -- explanations ---------------------------------------------------------
    def _reasons(self, need: Need, cq: dict, rec: dict[str, Any], national: bool,
                 langs: frozenset[str]) -> list[str]:
        reasons: list[str] = []
        texts = field_texts(rec)
        offer_words: dict[str, list[str]] = {}
        stem_words: dict[str, list[str]] = {}
        for f in FIELDS:
            toks, hits = analyse_field(texts[f])
            for h in hits:
                offer_words.setdefault(h.key, []).append(
                    " ".join(toks[k].surface for k in range(h.start, h.end)))
            for t in toks:
                if t.info is not None and not t.stop:
                    stem_words.setdefault(t.info.stem, []).append(t.surface)
                    for p in t.info.parts:
                        stem_words.setdefault(p, []).append(t.surface)
        qwords = {c.key: c.words for c in need.concepts}
        contrib = []
        for c, (w, src, direct) in cq.items():
            if c in offer_words:
                contrib.append((w * (1.0 if direct else 0.8), c, src, direct))
        contrib.sort(key=lambda x: (-x[0], x[1]))
        for _w, c, src, direct in contrib[:3]:
            if direct:
                reasons.append(f"Matcher behovet '{concept_label(c)}': "
                               f"{_quote(qwords.get(c, []))} ↔ {_quote(offer_words[c])}")
            else:
                reasons.append(f"Beslægtet med behovet '{concept_label(src)}': tilbuddet handler om "
                               f"'{concept_label(c)}' ({_quote(offer_words[c])})")
        common = [stem_words[t][0] for t in need.terms if t in stem_words]
        if common:
            reasons.append("Fælles ord: " + _quote(sorted(set(common)), 4))
        # area
        if need.municipality:
            areas = rec.get("areas") or ()
            if national:
                reasons.append("Landsdækkende")
            elif need.municipality in areas:
                reasons.append(f"Dækker {need.municipality}")
            else:
                other = next((m for m in need.municipality_alternatives if m in areas), need.municipality)
                reasons.append(f"Dækker {other} (postdistriktet ligger også i {other})")
        else:
            reasons.append("Landsdækkende" if national else
                           "Lokalt tilbud i " + ", ".join(str(a) for a in (rec.get("areas") or [])))
        # age
        amin, amax = rec.get("age_min"), rec.get("age_max")
        lo = NO_MIN if amin is None else int(amin)
        hi = NO_MAX if amax is None else int(amax)
        if need.child_ages:
            fits = [a for a in need.child_ages if lo <= a <= hi]
            if amin is None and amax is None:
                reasons.append("Ingen aldersgrænse")
            elif fits:
                reasons.append(f"Passer til {', '.join(str(a) for a in fits)} år (tilbuddet: {_age_range(lo, hi)})")
        # preferences
        ofmts = [normalize(str(f)) for f in rec.get("formats") or ()]
        for f in need.formats:
            if f in ofmts:
                reasons.append(f"Foregår som ønsket: {f}")
            else:
                reasons.append(f"Ikke som ønsket: {f} (tilbuddet: {', '.join(ofmts) or 'ikke oplyst'})")
        for f in need.excluded_formats:
            if f in ofmts:
                reasons.append(f"Foregår {f}, som ikke ønskes")
        if need.free_only:
            cost = str(rec.get("cost") or "").strip()
            if "gratis" in normalize(cost):
                reasons.append("Gratis")
            else:
                reasons.append(f"Ikke gratis: {cost or 'pris ikke oplyst'}")
        for lang in need.languages:
            if lang in langs:
                reasons.append(f"Tilbydes på {lang}")
            else:
                reasons.append(f"Ikke oplyst på {lang}")
        return reasons

