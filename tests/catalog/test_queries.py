"""catalog.queries.search_offers: each filter, combinations, pagination, visibility, invalid filters."""
from __future__ import annotations

import pytest

from catalog import services
from catalog.elements import ELEMENT_KEYS
from catalog.queries import Page, search_offers
from catalog.services import InvalidData
from tests.helpers import OFFER_DATA


def _elements(count: int) -> dict:
    return {key: {"level": 2 if i < count else 1} for i, key in enumerate(ELEMENT_KEYS)}


@pytest.fixture
def catalogue(session):
    """A small catalogue: titles say what each offer is, so assertions read as lists of titles."""
    verified = services.create_organisation(session, {"name": "Familiehuset"}, verified=True)
    unverified = services.create_organisation(session, {"name": "Ny forening"}, verified=False)

    def offer(org, title, status="published", **kw):
        return services.create_offer(session, org, {**OFFER_DATA, "title": title, **kw}, status=status)

    offer(verified, "Vejle lektiecafé", areas=["Vejle"], age_min=10, age_max=13, formats=["gruppe"],
          cost="gratis", elements=_elements(3), tags=["lektiehjælp", "skole"])
    offer(verified, "Landsdækkende telefonrådgivning", areas=["Hele landet"], age_min=None, age_max=None,
          formats=["telefon", "chat"], cost="gratis", elements=_elements(9), tags=["rådgivning"])
    offer(verified, "Aarhus familiecamp", areas=["Aarhus"], age_min=0, age_max=17, formats=["ferie"],
          cost="500 kr. pr. familie", elements=_elements(6), tags=["ferie"])
    offer(verified, "Odense mødregruppe", areas=["Odense", "Vejle"], age_min=None, age_max=2,
          formats=["gruppe", "individuel"], cost="Gratis", elements=_elements(5), tags=["baby"])
    offer(verified, "Kladde i Vejle", status="draft", areas=["Vejle"])
    offer(verified, "Arkiveret i Vejle", status="archived", areas=["Vejle"])
    offer(unverified, "Uverificeret i Vejle", areas=["Vejle"])
    session.commit()
    return {"verified": verified.id, "unverified": unverified.id}


def titles(page: Page) -> list[str]:
    return [o.title for o in page.items]


def test_default_lists_only_published_offers_of_verified_organisations_in_title_order(session, catalogue):
    page = search_offers(session)
    assert titles(page) == ["Aarhus familiecamp", "Landsdækkende telefonrådgivning", "Odense mødregruppe",
                            "Vejle lektiecafé"]
    assert (page.total, page.page, page.per_page, page.pages) == (4, 1, 20, 1)


def test_municipality_includes_nationwide_offers(session, catalogue):
    assert titles(search_offers(session, municipality="Vejle")) == [
        "Landsdækkende telefonrådgivning", "Odense mødregruppe", "Vejle lektiecafé"]
    assert titles(search_offers(session, municipality="Aalborg")) == ["Landsdækkende telefonrådgivning"]


def test_municipality_accepts_everyday_forms(session, catalogue):
    assert titles(search_offers(session, municipality="aarhus kommune")) == [
        "Aarhus familiecamp", "Landsdækkende telefonrådgivning"]


def test_nationwide_as_municipality_gives_only_nationwide_offers(session, catalogue):
    assert titles(search_offers(session, municipality="Hele landet")) == ["Landsdækkende telefonrådgivning"]


def test_age_treats_missing_bounds_as_open(session, catalogue):
    assert titles(search_offers(session, age=1)) == [
        "Aarhus familiecamp", "Landsdækkende telefonrådgivning", "Odense mødregruppe"]
    assert titles(search_offers(session, age="13")) == [
        "Aarhus familiecamp", "Landsdækkende telefonrådgivning", "Vejle lektiecafé"]
    assert titles(search_offers(session, age=18)) == ["Landsdækkende telefonrådgivning"]


def test_formats_match_any_of_the_wanted(session, catalogue):
    assert titles(search_offers(session, formats=["chat", "ferie"])) == [
        "Aarhus familiecamp", "Landsdækkende telefonrådgivning"]
    assert titles(search_offers(session, formats=["individuel"])) == ["Odense mødregruppe"]


def test_free_means_cost_gratis(session, catalogue):
    assert titles(search_offers(session, free=True)) == [
        "Landsdækkende telefonrådgivning", "Odense mødregruppe", "Vejle lektiecafé"]
    assert titles(search_offers(session, free="false")) == ["Aarhus familiecamp"]


@pytest.mark.parametrize("band,expected", [
    ("under_udvikling", ["Vejle lektiecafé"]),
    ("lovende_traek", ["Aarhus familiecamp", "Odense mødregruppe"]),
    ("mange_lovende_traek", ["Landsdækkende telefonrådgivning"]),
])
def test_band_filters_on_element_count(session, catalogue, band, expected):
    assert titles(search_offers(session, band=band)) == expected


def test_text_matches_title_or_tag_case_insensitively(session, catalogue):
    assert titles(search_offers(session, text="CAMP")) == ["Aarhus familiecamp"]
    assert titles(search_offers(session, text="lektiehjælp")) == ["Vejle lektiecafé"]
    assert titles(search_offers(session, text="100%")) == []


def test_filters_combine(session, catalogue):
    assert titles(search_offers(session, municipality="Vejle", age=11, free=True, formats=["gruppe"])) == [
        "Vejle lektiecafé"]
    assert titles(search_offers(session, municipality="Vejle", band="mange_lovende_traek", age=5)) == [
        "Landsdækkende telefonrådgivning"]


def test_organisation_status_and_verification_switches(session, catalogue):
    org = catalogue["verified"]
    assert titles(search_offers(session, organisation_id=org, status="draft")) == ["Kladde i Vejle"]
    everything = search_offers(session, status=None, only_verified=False, municipality="Vejle")
    assert {"Kladde i Vejle", "Arkiveret i Vejle", "Uverificeret i Vejle"} <= set(titles(everything))
    assert titles(search_offers(session, organisation_id=catalogue["unverified"])) == []


def test_verifying_an_organisation_shows_its_published_offers(session, catalogue):
    from catalog.models import Organisation

    services.set_verified(session, session.get(Organisation, catalogue["unverified"]), True)
    session.commit()
    assert "Uverificeret i Vejle" in titles(search_offers(session, municipality="Vejle"))


def test_pagination_is_stable_and_reports_size(session, catalogue):
    first = search_offers(session, per_page=3)
    second = search_offers(session, per_page="3", page="2")
    assert titles(first) + titles(second) == titles(search_offers(session))
    assert (first.pages, first.has_next, first.has_prev, first.next_num) == (2, True, False, 2)
    assert (second.has_next, second.prev_num, len(second)) == (False, 1, 1)
    beyond = search_offers(session, per_page=3, page=9)
    assert beyond.items == [] and beyond.total == 4


def test_same_titles_are_ordered_by_id(session, catalogue):
    org = services.create_organisation(session, {"name": "Tvilling"}, verified=True)
    a = services.create_offer(session, org, {**OFFER_DATA, "title": "Aarhus familiecamp"}, status="published")
    session.commit()
    camp = [o.id for o in search_offers(session).items if o.title == "Aarhus familiecamp"]
    assert camp == sorted(camp) and a.id in camp


def test_items_carry_organisation_and_areas(session, catalogue):
    offer = search_offers(session, text="mødregruppe").items[0]
    assert offer.organisation.name == "Familiehuset"
    assert offer.areas == ["Odense", "Vejle"]


def test_unknown_municipality_raises_with_suggestion(session, catalogue):
    with pytest.raises(InvalidData) as exc:
        search_offers(session, municipality="Vejel")
    assert exc.value.errors == {"municipality": ["Ukendt kommune 'Vejel' – mente du Vejle?"]}


@pytest.mark.parametrize("kwargs,key", [
    ({"age": "abc"}, "age"), ({"age": -1}, "age"), ({"age": 121}, "age"), ({"age": True}, "age"),
    ({"per_page": 0}, "per_page"), ({"per_page": 101}, "per_page"), ({"page": 0}, "page"),
    ({"page": "x"}, "page"), ({"formats": ["svømning"]}, "formats"), ({"band": "top"}, "band"),
    ({"free": "måske"}, "free"), ({"status": "slettet"}, "status"), ({"organisation_id": "a"}, "organisation_id"),
    ({"text": "x" * 201}, "text"),
])
def test_invalid_filters_raise_invalid_data_naming_the_filter(session, kwargs, key):
    with pytest.raises(InvalidData) as exc:
        search_offers(session, **kwargs)
    assert list(exc.value.errors) == [key]
    assert all(isinstance(m, str) and m for m in exc.value.errors[key])


def test_all_invalid_filters_are_reported_at_once(session):
    with pytest.raises(InvalidData) as exc:
        search_offers(session, municipality="Atlantis", age="abc", per_page=500)
    assert set(exc.value.errors) == {"municipality", "age", "per_page"}
    assert exc.value.errors["age"] == ["Alder skal være et helt tal mellem 0 og 120."]


def test_blank_filters_are_ignored(session, catalogue):
    page = search_offers(session, municipality="", age=" ", formats=["", None], free="", band="", text="  ")
    assert page.total == 4
