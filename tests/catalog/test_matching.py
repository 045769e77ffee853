"""catalog.matching.match_offers, the one match path: overrides win over the text, pages follow the ranking,
and an offer hidden after the index was built never reaches an answer."""
from __future__ import annotations

import pytest

from catalog import services
from catalog.matching import Overrides, area_override, match_offers
from catalog.municipalities import UnknownMunicipality
from matcher import MatchEngine
from tests.helpers import OFFER_DATA
from web.matching import load_records

TEXT = "Familien har brug for lektiehjælp til sønnen på 11 år"


@pytest.fixture
def catalogue(session):
    org = services.create_organisation(session, {"name": "Familiehuset"}, verified=True)

    def offer(title, areas, **kw):
        return services.create_offer(session, org, {**OFFER_DATA, "title": title, "areas": areas, **kw},
                                     status="published").id

    ids = {
        "vejle": offer("Lektiecafé i Vejle", ["Vejle"]),
        "aarhus": offer("Lektiecafé i Aarhus", ["Aarhus"]),
        "land": offer("Lektiehjælp på nettet", ["Hele landet"], formats=["online"]),
        "small": offer("Lektiecafé for de små", ["Vejle"], age_min=6, age_max=8),
    }
    session.commit()
    return {"org": org.id, **ids}


def engine_for(session) -> MatchEngine:
    records, _ = load_records(session)
    return MatchEngine(records)


def test_results_are_visible_offers_in_rank_order_with_reasons(session, catalogue):
    found = match_offers(session, engine_for(session), TEXT + " i Vejle")
    ids = [r.offer.id for r in found.results]
    assert set(ids) == {catalogue["vejle"], catalogue["land"]}          # Aarhus: other area; small: too young
    assert [r.score for r in found.results] == sorted((r.score for r in found.results), reverse=True)
    assert all(r.reasons for r in found.results)
    assert found.need.municipality == "Vejle"
    assert found.total_eligible == 2
    assert {x["reason"] for x in found.left_out} >= {"dækker ikke Vejle"}


def test_an_offer_hidden_after_indexing_is_left_out(session, catalogue):
    engine = engine_for(session)
    services.update_offer(session, session.get(services.Offer, catalogue["land"]), {"status": "draft"},
                          partial=True, expected_version=1)
    session.commit()
    found = match_offers(session, engine, TEXT + " i Vejle")
    assert [r.offer.id for r in found.results] == [catalogue["vejle"]]


def test_overrides_win_over_the_text(session, catalogue):
    engine = engine_for(session)
    found = match_offers(session, engine, TEXT + " i Vejle", overrides=Overrides(municipality="Aarhus"))
    assert found.need.municipality == "Aarhus" and found.need.municipality_source == "angivet"
    assert {r.offer.id for r in found.results} == {catalogue["aarhus"], catalogue["land"]}

    found = match_offers(session, engine, TEXT + " i Vejle", overrides=Overrides(municipality="", child_ages=[7]))
    assert found.need.municipality is None and found.need.child_ages == [7]
    assert catalogue["small"] in {r.offer.id for r in found.results}


def test_pages_continue_the_ranking(session, catalogue):
    engine = engine_for(session)
    everything = [r.offer.id for r in match_offers(session, engine, TEXT, limit=10).results]
    pages = [r.offer.id for offset in range(len(everything))
             for r in match_offers(session, engine, TEXT, limit=1, offset=offset).results]
    assert len(everything) >= 3 and pages == everything


def test_a_custom_loader_decides_what_an_offer_is(session, catalogue):
    found = match_offers(session, engine_for(session), TEXT + " i Vejle",
                         load=lambda s, ids: {i: {"id": i} for i in ids if i != catalogue["land"]})
    assert [r.offer for r in found.results] == [{"id": catalogue["vejle"]}]


def test_area_override_reads_a_municipality_field():
    assert area_override(None) is None and area_override("  ") is None
    assert area_override("hele landet") == ""
    assert area_override("aarhus") == "Aarhus"
    with pytest.raises(UnknownMunicipality):
        area_override("Atlantis")


def test_visible_ids_leaves_out_drafts_and_unverified_organisations(session, catalogue):
    from catalog.matching import visible_ids

    other = services.create_organisation(session, {"name": "Ny forening"}, verified=False)
    unverified = services.create_offer(session, other, {**OFFER_DATA, "title": "Ukendt"}, status="published").id
    own = session.get(services.Organisation, catalogue["org"])
    draft = services.create_offer(session, own, {**OFFER_DATA, "title": "Kladde"}, status="draft").id
    session.commit()
    assert visible_ids(session, [catalogue["vejle"], unverified, draft, 99999]) == {catalogue["vejle"]: catalogue["vejle"]}


def test_a_plan_ranks_an_offer_serving_two_goals_first_and_never_keeps_the_goal_texts(session, catalogue):
    from catalog.matching import match_plan

    goals = [("g1", "Sønnen på 11 år har brug for lektiehjælp. Ring til mor på 12345678", None),
             ("g2", "Han skal have hjælp til skolen og lektierne", "skoleforhold")]
    plan = match_plan(session, engine_for(session), goals, overrides=Overrides(municipality="Vejle"))
    assert [g.id for g in plan.goals] == ["g1", "g2"]
    assert plan.goals[0].redacted and "12345678" not in repr(plan)
    assert plan.goals[1].theme == "Skoleforhold"
    first_offer, first = plan.combined[0]
    assert first.goals == ["g1", "g2"] and first_offer.id == first.offer_id
    assert {o.id for o, _ in plan.combined} <= {catalogue["vejle"], catalogue["land"], catalogue["small"]}
