"""Reasons a caseworker can read, and the conditions that hide offers (matcher/reasons.py)."""
from matcher import MatchEngine
from matcher.reasons import same_word


def rec(i, title, description, formats=("gruppe",), cost="gratis", areas=("Hele landet",), age_min=None,
        age_max=None):
    return {"id": i, "title": title, "description": description, "target_group": "", "age_min": age_min,
            "age_max": age_max, "audience": [], "areas": list(areas), "formats": list(formats), "cost": cost,
            "schedule": "", "tags": [], "organisation": "Forening", "elements_count": 0, "assured_at": None,
            "languages": []}


def test_a_shared_short_stem_is_no_reason():
    assert not same_word("far", "fare", "far")
    assert same_word("far", "fars", "far")
    assert same_word("økonomien", "økonomiske", "økonom")
    engine = MatchEngine([rec(1, "Hjælp i fare", "Når en familie er i fare for at miste boligen.")])
    for hit in engine.match("far er arbejdsløs").results:
        assert not any("nævner fare" in r for r in hit.reasons)


def test_reasons_are_plain_sentences_about_the_family():
    engine = MatchEngine([rec(1, "Gældsrådgivning for enlige forsørgere", "Rådgivning om gæld og budget.",
                              areas=["Odense"], age_min=6, age_max=14)])
    hit = engine.match("Enlig mor i Odense med gæld, barnet er 9 år").results[0]
    assert 1 <= len(hit.reasons) <= 2
    assert hit.reasons[-1] == "Dækker Odense; for børn 6–14 år, og barnet er 9."
    for reason in hit.reasons:
        assert reason.endswith(".") and not any(ch in reason for ch in "'↔»«\"")


def test_not_online_hides_only_offers_that_are_only_online():
    engine = MatchEngine([rec(1, "Netværk online", "Netværk for ensomme forældre.", formats=["online"]),
                          rec(2, "Netværk", "Netværk for ensomme forældre.", formats=["gruppe", "online"]),
                          rec(3, "Netværkscafé", "Netværk for ensomme forældre.", formats=["gruppe"])])
    res = engine.match("ensom mor har brug for netværk, ikke online")
    assert sorted(h.offer_id for h in res.results) == [2, 3]
    assert {"count": 1, "reason": "kun online", "filter": True} in res.left_out
    assert res.total_eligible == 2


def test_wanted_home_visits_hide_other_offers():
    engine = MatchEngine([rec(1, "Familieven", "Frivillig kommer hjem til familien.", formats=["hjemmebesøg"]),
                          rec(2, "Familiecafé", "Frivillige støtter familien.", formats=["gruppe"])])
    res = engine.match("frivillig støtte til familien, kun hjemmebesøg")
    assert [h.offer_id for h in res.results] == [1]
    assert {"count": 1, "reason": "ikke hjemmebesøg", "filter": True} in res.left_out
