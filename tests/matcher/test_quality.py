"""Matching quality on civilmatch's own evaluation set (tests/matcher/data/own_queries.json).

The set is the project's own: caseworker queries written for civilmatch in varied Danish (keyword
notes, abbreviations, typos, narratives), independent of the shared dev set, graded against the demo
catalogue (catalog/data/demo_catalogue.json) the way the shared evaluation derives its grades: an
offer fits a query when it serves the query's municipality (or the whole country) and the child's
age; a fitting offer about the query's primary theme has grade 2, about a secondary theme grade 1.

The harness is reusable::

    .venv/bin/python -m tests.matcher.test_quality          # prints the metrics and the weakest queries
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

import pytest

from matcher import MatchEngine

ROOT = Path(__file__).resolve().parents[2]
OWN_SET = Path(__file__).parent / "data" / "own_queries.json"
DEMO_CATALOGUE = ROOT / "catalog" / "data" / "demo_catalogue.json"
NATIONWIDE = "Hele landet"
K = 10

# Floors a little below what the matcher reaches (ndcg@10 0.958, recall@10 1.000, mrr 0.957 when they were
# set): a change that makes matching clearly worse on the project's own set fails here.
NDCG_FLOOR = 0.91
RECALL_FLOOR = 0.95


# ---------- data ----------

@lru_cache(maxsize=1)
def load_set() -> tuple[list[dict], dict, list[dict]]:
    """(demo offers, offer themes, queries)."""
    catalogue = json.loads(DEMO_CATALOGUE.read_text(encoding="utf-8"))
    own = json.loads(OWN_SET.read_text(encoding="utf-8"))
    themes = {oid: set(v["themes"]) for oid, v in own["offers"].items()}
    return catalogue["offers"], themes, own["queries"]


def records(offers: list[dict]) -> list[dict]:
    """Matcher records for catalogue offers (the fields web.matching.load_records gives the engine)."""
    return [{
        "id": o["external_id"], "title": o["title"], "description": o.get("description") or "",
        "target_group": o.get("target_group") or "", "age_min": o.get("age_min"), "age_max": o.get("age_max"),
        "areas": list(o.get("areas") or []), "formats": list(o.get("formats") or []), "cost": o.get("cost") or "",
        "tags": list(o.get("tags") or []), "elements_count": 0, "assured_at": None,
        "languages": list(o.get("languages") or []),
    } for o in offers]


@lru_cache(maxsize=1)
def engine() -> MatchEngine:
    offers, _, _ = load_set()
    return MatchEngine(records(offers))


def fits(offer: dict, q: dict) -> bool:
    town = q.get("municipality")
    areas = offer.get("areas") or []
    if town and town not in areas and NATIONWIDE not in areas:
        return False
    age = q.get("child_age")
    if age is None:
        return True
    lo, hi = offer.get("age_min"), offer.get("age_max")
    return (lo is None or lo <= age) and (hi is None or age <= hi)


def grades_for(q: dict, offers: list[dict], themes: dict[str, set[str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for o in offers:
        oid = o["external_id"]
        if not fits(o, q):
            continue
        t = themes[oid]
        if q["primary"] in t:
            out[oid] = 2
        elif t & set(q.get("secondary") or ()):
            out[oid] = 1
    return out


# ---------- metrics (as /work/shared/eval/evaluate.py computes them) ----------

def dcg(gains) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))


def ndcg_at_k(ranked: list, grades: dict, k: int = K) -> float:
    ideal = dcg(sorted(grades.values(), reverse=True)[:k])
    return dcg([grades.get(o, 0) for o in ranked[:k]]) / ideal if ideal else 0.0


def recall_at_k(ranked: list, grades: dict, k: int = K) -> float:
    want = {o for o, g in grades.items() if g == 2}
    return len(want & set(ranked[:k])) / len(want) if want else 0.0


def reciprocal_rank(ranked: list, grades: dict) -> float:
    for i, o in enumerate(ranked):
        if grades.get(o) == 2:
            return 1 / (i + 1)
    return 0.0


def evaluate(eng: MatchEngine | None = None) -> dict:
    """Mean ndcg@10, recall@10 and MRR over the own set, plus per-query rows."""
    eng = eng or engine()
    offers, themes, queries = load_set()
    rows = []
    for q in queries:
        g = grades_for(q, offers, themes)
        ranked = [h.offer_id for h in eng.match(q["text"], limit=K).results]
        rows.append({"id": q["id"], "text": q["text"], "primary": q["primary"], "ranked": ranked, "grades": g,
                     "ndcg": ndcg_at_k(ranked, g), "recall": recall_at_k(ranked, g),
                     "mrr": reciprocal_rank(ranked, g)})
    n = len(rows)
    return {"ndcg": sum(r["ndcg"] for r in rows) / n, "recall": sum(r["recall"] for r in rows) / n,
            "mrr": sum(r["mrr"] for r in rows) / n, "rows": rows}


@pytest.fixture(scope="module")
def result() -> dict:
    return evaluate()


# ---------- the set itself ----------

def test_every_theme_is_asked_several_times_and_every_query_has_a_right_answer():
    offers, themes, queries = load_set()
    assert {o["external_id"] for o in offers} == set(themes)
    per_theme: dict[str, int] = {}
    for q in queries:
        per_theme[q["primary"]] = per_theme.get(q["primary"], 0) + 1
        assert 2 in grades_for(q, offers, themes).values(), q["id"]
    assert len(per_theme) == 24
    assert min(per_theme.values()) >= 2


# ---------- quality floors ----------

def test_ndcg_and_recall_on_own_set_stay_above_floor(result):
    weakest = sorted(result["rows"], key=lambda r: r["ndcg"])[:5]
    detail = "; ".join(f"{r['id']} {r['ndcg']:.2f} {r['text'][:50]}" for r in weakest)
    assert result["ndcg"] >= NDCG_FLOOR, f"ndcg@10 {result['ndcg']:.3f} < {NDCG_FLOOR} (weakest: {detail})"
    assert result["recall"] >= RECALL_FLOOR, f"recall@10 {result['recall']:.3f} < {RECALL_FLOOR} (weakest: {detail})"


def test_a_right_offer_comes_first_for_most_queries(result):
    firsts = sum(1 for r in result["rows"] if r["mrr"] == 1.0)
    assert firsts / len(result["rows"]) >= 0.8


# ---------- behaviour: caseworker words meet NGO words ----------

def concepts(text: str) -> set[str]:
    return {c.key for c in engine().understand(text).concepts}


@pytest.mark.parametrize("text, concept", [
    ("mor er på kontanthjælp og har rykkere", "oekonomi_gaeld"),
    ("familien har svært ved at få økonomien til at hænge sammen", "oekonomi_gaeld"),
    ("inkasso", "oekonomi_gaeld"),
    ("far har et alkoholproblem", "misbrug_familie"),
    ("mor ryger meget hash", "misbrug_familie"),
    ("mor er efter fødslen helt flad og tom", "fodselsdepression"),
    ("forældrene er gået fra hinanden", "skilsmisse"),
    ("drengen går ikke til noget i fritiden", "fritid"),
    ("hun har fået delt nøgenbilleder", "mobning"),
    ("far sidder i fængsel", "faengsel_kriminalitet"),
    ("ung der har været i pleje skal flytte for sig selv", "anbragte_efterværn"),
    ("barnet har fået diagnosen autisme", "handicap_sygdom_barn"),
    ("mor er lige flyttet hertil og kender ingen", "netvaerk_foraeldre"),
    ("familien har intet bagland", "netvaerk_foraeldre"),
    ("hverdagen er kaotisk og barnet hører ikke efter", "foraeldrekompetencer"),
    ("barnet er blevet tvangsfjernet", "anbragte_efterværn"),
    ("familien er ny i landet og forstår ikke dansk", "sprog_integration"),
    ("sønnen er blevet anholdt", "faengsel_kriminalitet"),
    ("mor kan ikke knytte sig til babyen", "fodselsdepression"),
    ("drengen er under udredning", "handicap_sygdom_barn"),
])
def test_caseworker_phrasing_evokes_the_need(text, concept):
    assert concept in concepts(text)


@pytest.mark.parametrize("text, concept", [
    ("pigen spiser ikke og taber sig", "sorg"),                   # taber (loses weight) is no loss (tab)
    ("far har fuld forældremyndighed", "misbrug_familie"),        # fuld (full) is not drunk
    ("15-årig med selvmordstanker", "sorg"),                      # a whole word keeps its own meaning
    ("mor kan ikke betale regningerne", "lektiehjaelp_skole"),    # regninger (bills) is no arithmetic
    ("mor råber og har svært ved aftensmad og sengetider", "materiel_hjaelp"),
])
def test_look_alike_words_do_not_evoke_another_need(text, concept):
    assert concept not in concepts(text)




@pytest.mark.parametrize("text, offer", [
    # the caseworker's words, the NGO's words
    ("mor har gæld og rykkere fra inkasso, bor i Odder", "demo-039"),        # Økonomicafé: budget, gæld
    ("pigen på 11 bliver holdt udenfor og drillet, Helsingør", "demo-069"),   # trivselsgruppe, mobning
    ("far drikker hver dag, dreng 9 år, Viborg", "demo-057"),                 # børn af alkoholikere
    ("nybagt mor trist og tom, baby 2 mdr, Skanderborg", "demo-026"),         # efterfødselsreaktion
    ("far afsoner en dom, børnene på 4 og 8, Vejle", "demo-080"),            # pårørende til indsatte
])
def test_caseworker_words_find_the_ngo_offer_at_the_top(text, offer):
    ranked = [h.offer_id for h in engine().match(text, limit=3).results]
    assert offer in ranked, ranked


def test_benefits_and_reminders_find_debt_advice_before_material_help():
    ranked = [h.offer_id for h in engine().match("mor er på kontanthjælp og har rykkere, bor i Odder", limit=5).results]
    assert {"demo-002", "demo-039"} <= set(ranked)           # gælds- og økonomirådgivning, Økonomicafé
    assert {"demo-002", "demo-039"} & set(ranked[:2])


def test_a_pregnant_teenager_is_the_parent_not_the_child():
    need = engine().understand("17-årig pige er blevet gravid og vil beholde barnet, Svendborg")
    assert need.child_ages == [0] and need.parent_ages == [17]   # the coming baby is age 0, the girl the parent
    ranked = [h.offer_id for h in engine().match("17-årig pige er blevet gravid og vil beholde barnet, Svendborg",
                                                 limit=3).results]
    assert ranked[0] == "demo-027"                            # Ung mor-gruppe (0-3 år) is not filtered out


def test_a_negated_need_is_not_matched():
    # "ingen misbrug" must not pull the alcohol offers up for a homework question
    ranked = [h.offer_id for h in engine().match("lektiehjælp til dreng på 10 i Slagelse, der er ingen misbrug i "
                                                "familien", limit=3).results]
    assert ranked[0] == "demo-042"
    assert not {"demo-009", "demo-010", "demo-055", "demo-056", "demo-057"} & set(ranked)


if __name__ == "__main__":  # pragma: no cover - a developer's report
    res = evaluate()
    for r in sorted(res["rows"], key=lambda r: r["ndcg"])[:25]:
        want = sorted(o for o, g in r["grades"].items() if g == 2)
        print(f"{r['id']} ndcg={r['ndcg']:.2f} rec={r['recall']:.2f} [{r['primary']}] {r['text'][:80]}\n"
              f"    got {[x[5:] for x in r['ranked'][:6]]} want {[x[5:] for x in want]}")
    print(f"queries={len(res['rows'])} ndcg@10={res['ndcg']:.3f} recall@10={res['recall']:.3f} mrr={res['mrr']:.3f}")
