"""Plans: theme names, the theme's gentle bias and the combined ranking of several goals."""
from __future__ import annotations

import pytest

from matcher import ConceptHit, Hit, MatchEngine, Need
from matcher.plans import (ALLOWED_THEMES, THEMES, apply_theme, canonical_theme, combine, goals_reason,
                           merge_left_out)
from matcher.thesaurus import CONCEPTS_BY_KEY


def _rec(i, title, description, **kw):
    base = {"id": i, "external_id": None, "title": title, "description": description, "target_group": "",
            "age_min": None, "age_max": None, "audience": [], "areas": ["Hele landet"], "formats": [],
            "cost": "gratis", "schedule": "", "tags": [], "organisation": "Org", "elements_count": 5,
            "assured_at": None, "languages": []}
    base.update(kw)
    return base


@pytest.mark.parametrize("given, expected", [
    ("Socialt netværk", "Socialt netværk"),
    ("socialt NETVÆRK", "Socialt netværk"),
    ("Bolig/beskæftigelse og økonomi", "Bolig, beskæftigelse og økonomi"),
    ("Dagtilbud/skoleforhold og læring", "Dagtilbud, skoleforhold og læring"),
    ("  skoleforhold ", "Skoleforhold"),
    ("Familieforhold", "Familieforhold"),
    ("Familieforhold og baggrund", "Familieforhold og baggrund"),
])
def test_both_theme_lists_are_accepted_case_insensitively(given, expected):
    assert canonical_theme(given) == expected


def test_unknown_theme_is_none():
    assert canonical_theme("Fodbold") is None
    assert canonical_theme("") is None


def test_every_theme_maps_to_known_concepts():
    assert set(ALLOWED_THEMES) == set(THEMES)
    for concepts in THEMES.values():
        assert all(key in CONCEPTS_BY_KEY for key in concepts)


def test_theme_adds_concepts_with_lower_weight_and_keeps_text_concepts():
    need = Need(concepts=[ConceptHit("lektiehjaelp_skole", "Lektier", ["lektier"], 1.0)])
    apply_theme(need, "skoleforhold")
    weights = {c.key: c.weight for c in need.concepts}
    assert weights["lektiehjaelp_skole"] == 1.0       # the text's own evidence is not weakened
    assert 0 < weights["mobning"] < 1.0
    assert [c.words for c in need.concepts if c.key == "mobning"] == [["tema: Skoleforhold"]]
    need = apply_theme(Need(), "Skoleforhold")
    assert {c.key for c in need.concepts} >= {"lektiehjaelp_skole"}
    assert all(c.weight < 1.0 for c in need.concepts)


def test_theme_biases_ranking_towards_its_concepts():
    engine = MatchEngine([
        _rec(1, "Lektiecafé", "Frivillige hjælper med lektier og læsning. Vi mødes hver uge."),
        _rec(2, "Gældsrådgivning", "Hjælp til budget og gæld. Vi mødes hver uge."),
    ])
    def scores(theme):
        need = apply_theme(engine.understand("Vi mødes hver uge"), theme)
        return {h.offer_id: h.score for h in engine.search(need, limit=2).results}

    plain, school, money = scores(None), scores("Skoleforhold"), scores("Bolig, beskæftigelse og økonomi")
    assert set(plain) == {1, 2}
    assert school[1] > school[2] and school[1] > plain[1]
    assert money[2] > money[1] and money[2] > plain[2]


def test_offer_serving_two_goals_ranks_above_single_goal_offers():
    per_goal = [
        ("g1", [Hit(10, 9.0, ["a"]), Hit(30, 8.0, ["b"])]),
        ("g2", [Hit(20, 5.0, ["c"]), Hit(30, 4.0, ["d"])]),
    ]
    out = combine(per_goal, limit=10)
    assert out[0].offer_id == 30
    assert out[0].goals == ["g1", "g2"]
    assert out[0].reasons[0] == "Passer til mål g1 og g2"
    assert {c.offer_id for c in out[1:]} == {10, 20}
    assert all(len(c.goals) == 1 for c in out[1:])


def test_combine_normalises_per_goal_and_limits():
    per_goal = [("g1", [Hit(1, 100.0, []), Hit(2, 50.0, [])]), ("g2", [Hit(3, 1.0, [])])]
    out = combine(per_goal, limit=2)
    assert [c.offer_id for c in out] == [1, 3]        # each goal's best counts 1.0, whatever its raw score
    assert combine([("g1", [])]) == []


def test_goals_reason_in_danish():
    assert goals_reason(["g1"]) == "Passer til mål g1"
    assert goals_reason(["1", "2", "3"]) == "Passer til mål 1, 2 og 3"


def test_merge_left_out_takes_largest_count_per_reason():
    merged = merge_left_out([[{"count": 2, "reason": "dækker ikke Vejle"}],
                             [{"count": 3, "reason": "dækker ikke Vejle"}, {"count": 1, "reason": "kun for 13–17 år"}]])
    assert merged == [{"count": 3, "reason": "dækker ikke Vejle"}, {"count": 1, "reason": "kun for 13–17 år"}]


def test_combined_reasons_name_each_goals_main_reason_once():
    per_goal = [("g1", [Hit(1, 2.0, ["Netværk", "Dækker Vejle"])]),
                ("g2", [Hit(1, 3.0, ["Lektier", "Dækker Vejle"])])]
    (hit,) = combine(per_goal)
    assert hit.reasons == ["Passer til mål g1 og g2", "Mål g1: Netværk", "Mål g2: Lektier", "Dækker Vejle"]
    (single,) = combine([("g1", [Hit(1, 2.0, ["Netværk", "Dækker Vejle"])])])
    assert single.reasons == ["Passer til mål g1", "Netværk", "Dækker Vejle"]
