"""Matching quality on civilmatch's own narrative set (tests/matcher/data/own_stories.json).

First-person texts written for the project the way parents and young people write to an advice line: the
background first, other people and past events on the way, the ask somewhere in the middle. Graded against the
demo catalogue like the caseworker set (tests/matcher/test_quality.py), whose harness this reuses::

    .venv/bin/python -m tests.matcher.test_stories          # prints the metrics and the weakest stories
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from tests.matcher.test_quality import (
    K,
    engine,
    grades_for,
    load_set,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
)

STORIES = Path(__file__).parent / "data" / "own_stories.json"

# Floors a little below what the matcher reaches when they were set (ndcg@10 0.892, recall@10 0.984, MRR 0.922,
# main need first in 91 %; before the focus on the main need: 0.816, 0.931, 0.841, 71 %): a change that reads
# stories clearly worse fails here.
NDCG_FLOOR = 0.86
RECALL_FLOOR = 0.95
MAIN_FIRST_FLOOR = 0.85


@lru_cache(maxsize=1)
def stories() -> list[dict]:
    return json.loads(STORIES.read_text(encoding="utf-8"))["queries"]


def evaluate() -> dict:
    offers, themes, _ = load_set()
    rows = []
    for q in stories():
        g = grades_for(q, offers, themes)
        need = engine().understand(q["text"])
        ranked = [h.offer_id for h in engine().search(need, limit=K).results]
        rows.append({"id": q["id"], "text": q["text"], "primary": q["primary"], "ranked": ranked, "grades": g,
                     "main": need.concepts[0].key if need.concepts else None,
                     "ndcg": ndcg_at_k(ranked, g), "recall": recall_at_k(ranked, g), "mrr": reciprocal_rank(ranked, g)})
    n = len(rows)
    return {"ndcg": sum(r["ndcg"] for r in rows) / n, "recall": sum(r["recall"] for r in rows) / n,
            "mrr": sum(r["mrr"] for r in rows) / n,
            "main_right": sum(r["main"] == r["primary"] for r in rows) / n, "rows": rows}


@pytest.fixture(scope="module")
def result() -> dict:
    return evaluate()


def test_the_set_is_long_first_person_stories_each_with_a_right_answer():
    offers, themes, _ = load_set()
    qs = stories()
    assert len(qs) >= 40
    for q in qs:
        assert len(q["text"].split()) >= 45, q["id"]
        assert 2 in grades_for(q, offers, themes).values(), q["id"]
    assert len({q["primary"] for q in qs}) == 24


def test_ndcg_and_recall_on_stories_stay_above_floor(result):
    weakest = sorted(result["rows"], key=lambda r: r["ndcg"])[:5]
    detail = "; ".join(f"{r['id']} {r['ndcg']:.2f} {r['text'][:50]}" for r in weakest)
    assert result["ndcg"] >= NDCG_FLOOR, f"ndcg@10 {result['ndcg']:.3f} < {NDCG_FLOOR} (weakest: {detail})"
    assert result["recall"] >= RECALL_FLOOR, f"recall@10 {result['recall']:.3f} < {RECALL_FLOOR} (weakest: {detail})"


def test_the_main_need_is_read_first_in_most_stories(result):
    assert result["main_right"] >= MAIN_FIRST_FLOOR


if __name__ == "__main__":
    r = evaluate()
    for row in sorted(r["rows"], key=lambda x: x["ndcg"])[:8]:
        print(f"{row['id']} ndcg={row['ndcg']:.2f} rec={row['recall']:.2f} [{row['primary']}] main={row['main']} "
              f"{row['text'][:90]}")
        print("    got", [(o, row["grades"].get(o, 0)) for o in row["ranked"][:6]])
    print(f"stories={len(r['rows'])} ndcg@10={r['ndcg']:.3f} recall@10={r['recall']:.3f} mrr={r['mrr']:.3f} "
          f"main_need_first={r['main_right']:.2f}")
