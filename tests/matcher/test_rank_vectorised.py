"""The vectorised first stage ranks exactly as the formula in matcher/rank.py says.

The reference below scores every offer one by one in plain Python, straight from the module docstring
(field-weighted BM25 with the index's rounding, concept evidence, eligibility, the stage-1 shortlist,
preferences and prior), and the engine's order must be the same: on the demo catalogue for the project's own
queries, and on a generated catalogue large enough for the shortlist and the common-word rule to matter.
"""
from __future__ import annotations

import math
import struct
import sys
from pathlib import Path

import pytest

from matcher import MatchEngine
from matcher.places import NATIONWIDE
from matcher.rank import is_free
from matcher.reasons import ineligible
from matcher.rank import (CONCEPT_POSTING_MIN, FIELD_B, FIELD_W, FIELDS, FORMAT_BITS, K1, _prior, analyse_offer,
                          concept_plan, concept_score, is_free)
from tests.matcher.test_quality import engine as demo_engine
from tests.matcher.test_quality import load_set, records

ROOT = Path(__file__).resolve().parents[2]


def f32(x: float) -> float:
    """The index keeps values as 32-bit floats."""
    return struct.unpack("f", struct.pack("f", x))[0]


class Reference:
    """One offer at a time, in plain Python."""

    def __init__(self, recs: list[dict], fuzzy) -> None:
        self.recs = recs
        self.docs = [analyse_offer(r) for r in recs]
        self.n = len(recs)
        self.fuzzy = fuzzy
        self.avg = {f: round(max(1.0, sum(d.lens.get(f, 0) for d in self.docs) / self.n), 2) for f in FIELDS}
        self.df: dict[str, int] = {}
        self.cdf: dict[str, int] = {}
        for d in self.docs:
            for t in d.terms:
                self.df[t] = self.df.get(t, 0) + 1
            for c in d.concepts:
                self.cdf[c] = self.cdf.get(c, 0) + 1

    def idf(self, t: str) -> float:
        df = self.df.get(t, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def cidf(self, c: str) -> float:
        df, n = self.cdf.get(c, 0), max(2, self.n)
        return 1.0 if df <= 0 else 0.5 + 0.5 * min(1.0, math.log(n / df) / math.log(n))

    def saturation(self, doc, t: str) -> float:
        tfn = 0.0
        for f, tf in doc.terms[t].items():
            tfn += FIELD_W[f] * tf / (1 - FIELD_B[f] + FIELD_B[f] * doc.lens.get(f, 0) / self.avg[f])
        return f32(round(tfn / (K1 + tfn), 4))

    def query_terms(self, need) -> list[tuple[str, float]]:
        q = dict(need.term_weights or {})
        for t in need.terms:
            q.setdefault(t, 1.0)
        out = []
        for t, w in q.items():
            w = min(w, 1.5)
            if self.df.get(t, 0) <= 0:
                t, w = self.fuzzy(t), w * 0.7
                if t is None:
                    continue
            if self.n >= 1000 and self.df[t] > 0.3 * self.n:
                continue
            out.append((t, w * getattr(need, "word_weight", 1.0)))
        return out

    def eligible(self, rec: dict, need) -> bool:
        areas = rec.get("areas") or []
        muni = need.municipality
        if muni:
            alts = need.municipality_alternatives if need.municipality_source != "angivet" else []
            if NATIONWIDE not in areas and muni not in areas and not any(a in areas for a in alts):
                return False
        lo = -1 if rec.get("age_min") is None else rec["age_min"]
        hi = 999 if rec.get("age_max") is None else rec["age_max"]
        return not need.child_ages or any(lo <= a <= hi for a in need.child_ages)

    def preferences(self, rec: dict, doc, need) -> float:
        bits = 0
        for f in rec.get("formats") or ():
            bits |= FORMAT_BITS.get(f, 0)
        want = sum(FORMAT_BITS.get(f, 0) for f in set(need.formats))
        excl = sum(FORMAT_BITS.get(f, 0) for f in set(need.excluded_formats))
        p = 1.0
        if want and bits & want:
            p *= 1.15
        if excl and bits & excl:
            p *= 0.5 if (bits & ~excl) == 0 else 0.9
        if need.free_only:
            p *= 1.1 if is_free(rec.get("cost")) else 0.7
        if set(need.languages) & doc.langs:
            p *= 1.15
        muni = need.municipality
        areas = rec.get("areas") or []
        if muni and need.municipality_source != "angivet" and any(a != muni for a in need.municipality_alternatives) \
                and muni not in areas and NATIONWIDE not in areas:
            p *= 0.9
        return p

    def search(self, need, limit: int = 10, pool: int = 300) -> list[tuple]:
        terms = self.query_terms(need)
        plan = concept_plan(need.concepts, self.cidf)
        stage1 = []
        for i, (rec, doc) in enumerate(zip(self.recs, self.docs)):
            if not self.eligible(rec, need) or (need.free_only and not is_free(rec.get("cost"))):
                continue
            text = sum(self.idf(t) * w * self.saturation(doc, t) for t, w in terms if t in doc.terms)
            clear = sum(wc * f32(doc.concepts[c]) for c, wc, _ in plan
                        if doc.concepts.get(c, 0.0) >= CONCEPT_POSTING_MIN)
            if text + clear > 0:
                stage1.append((text + clear, i, text))
        shortlist = sorted(stage1, reverse=True)[:max(pool, 4 * limit)]
        scored = []
        for _s1, i, text in shortlist:
            rec, doc = self.recs[i], self.docs[i]
            if ineligible(need, rec, free=is_free(rec.get("cost"))):  # the other conditions, on the shortlist
                continue
            full = text + concept_score(doc.concepts, plan)
            scored.append((full * self.preferences(rec, doc, need) * f32(_prior(rec)), rec["id"]))
        scored.sort(key=lambda x: (-x[0], x[1]))
        return scored[:limit]


def same_ranking(engine: MatchEngine, ref: Reference, text: str) -> None:
    need = engine.understand(text)
    got = [(h.score, h.offer_id) for h in engine.search(need, limit=10).results]
    want = ref.search(need, limit=10)
    assert [oid for _s, oid in got] == [oid for _s, oid in want], text
    assert [s for s, _ in got] == pytest.approx([s for s, _ in want], rel=1e-6), text


def test_the_demo_catalogue_ranks_as_the_formula_says_for_every_own_query():
    offers, _themes, queries = load_set()
    eng = demo_engine()
    ref = Reference(records(offers), eng._index.fuzzy_term)
    assert len(queries) > 50
    for q in queries:
        same_ranking(eng, ref, q["text"])


@pytest.fixture(scope="module")
def generated():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    recs = list(generate.records(1500, seed=3))
    eng = MatchEngine(recs)
    return eng, Reference(recs, eng._index.fuzzy_term), generate


def test_a_larger_catalogue_ranks_as_the_formula_says_through_the_shortlist(generated):
    eng, ref, generate = generated
    texts = generate.short_queries(12, seed=5) + generate.stories(3, seed=5)
    for text in texts:
        same_ranking(eng, ref, text)


def test_left_out_counts_the_excluded_offers_about_the_need(generated):
    eng, ref, _ = generated
    need = eng.understand("sorggruppe til en pige på 3 i Vejle")
    result = eng.search(need)
    plan = concept_plan(need.concepts, ref.cidf)
    main = plan[0][0]
    about = [(r, d) for r, d in zip(ref.recs, ref.docs) if d.concepts.get(main, 0) >= CONCEPT_POSTING_MIN]
    not_here = sum(1 for r, _ in about if "Vejle" not in r["areas"] and NATIONWIDE not in r["areas"])
    assert not_here and {"count": not_here, "reason": "dækker ikke Vejle"} in result.left_out
    too_young = sum(1 for r, _ in about if ("Vejle" in r["areas"] or NATIONWIDE in r["areas"])
                    and not ref.eligible(r, need))
    assert sum(x["count"] for x in result.left_out if x["reason"].startswith("kun for")) == too_young


def test_dead_slots_are_compacted_in_the_background_and_edits_made_meanwhile_survive():
    offers, _themes, _queries = load_set()
    base = records(offers)
    recs = [{**r, "id": f"{r['id']}-{k}"} for k in range(12) for r in base]
    eng = MatchEngine(recs)
    keep = recs[:400]
    for r in recs[400:]:
        eng.remove(r["id"])               # the 1,001st dead slot starts the background rebuild
    late = {**base[0], "id": "late", "title": "Kajakklub for søskende"}
    eng.upsert(late)                      # while it may still run: replayed on the new index
    eng.wait_for_rebuild(60)
    assert eng.stats()["dead_slots"] < 1000 and len(eng) == len(keep) + 1    # 1,160 without compaction
    fresh = MatchEngine(keep + [late])
    for q in ["kajakklub for søskende", "sorggruppe til pige på 10 i Aarhus", "gæld og rykkere, Odense"]:
        assert [h.offer_id for h in eng.match(q).results] == [h.offer_id for h in fresh.match(q).results]


def test_eligible_counts_equal_a_search_for_each_concept_alone():
    """The coverage map's count per need (one mask per concept) is what a search for that need alone finds."""
    import dataclasses
    import json
    from pathlib import Path

    from matcher import MatchEngine

    demo = json.loads((Path(__file__).parents[2] / "catalog/data/demo_catalogue.json").read_text())
    records = []
    for i, o in enumerate(demo["offers"], start=1):
        records.append({"id": i, "title": o["title"], "description": o.get("description", ""),
                        "target_group": o.get("target_group", ""), "age_min": o.get("age_min"),
                        "age_max": o.get("age_max"), "areas": o.get("areas", []), "formats": o.get("formats", []),
                        "cost": o.get("cost", ""), "tags": o.get("tags", []), "elements_count": 0,
                        "assured_at": None, "languages": o.get("languages", [])})
    engine = MatchEngine(records)
    checked = 0
    for text in ("Mor med fødselsdepression i Aarhus, baby på 3 mdr",
                 "Dreng på 9 i Odense, far sidder i fængsel, familien har gæld",
                 "Pige på 14 bliver mobbet og er ensom, bor i København",
                 "Familie i Vejle med sorg efter mors død, børn på 6 og 10"):
        need = engine.understand(text)
        counts = engine.eligible_counts(need)
        for c in need.concepts:
            alone = dataclasses.replace(need, concepts=[c], terms=[], term_weights={})
            assert counts[c.key] == engine.search(alone, limit=1).total_eligible, (text, c.key)
            checked += 1
    assert checked >= 6
    assert any(counts.values())
