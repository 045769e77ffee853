"""Place understanding: neighbourhoods vs postal districts, postcodes, place names
that are ordinary words, and postal districts spanning several municipalities."""
import pytest

from matcher import MatchEngine, understand
from matcher.places import default_gazetteer


# -- 1. a neighbourhood of a big city vs a small postal district elsewhere ----------

def test_name_of_big_city_neighbourhood_and_small_postal_district_prefers_the_city():
    need = understand("Familien bor i Hasle, dreng på 5")
    assert need.municipality == "Aarhus"
    # the other reading is kept for a clarifying question, but is not eligible
    assert need.municipality_ambiguous == ["Bornholm"]
    assert need.municipality_alternatives == []


@pytest.mark.parametrize("text,expected", [
    ("Hasle, Aarhus: mor med baby", "Aarhus"),
    ("Aarhus, Hasle: mor med baby", "Aarhus"),
    ("Hasle på Bornholm, far med to børn", "Bornholm"),
    ("Aarhus V, pige 9 år", "Aarhus"),
    ("familien bor i Viby J", "Aarhus"),
    ("bor i Valby med sin søn", "København"),
])
def test_other_clues_in_the_text_decide_the_reading(text, expected):
    need = understand(text)
    assert need.municipality == expected
    assert need.municipality_ambiguous == []


def test_gazetteer_lists_every_reading_preferred_first():
    g = default_gazetteer()
    readings = [(p.kind, p.municipalities[0]) for p in g.candidates(("hasle",))]
    assert readings[0] == ("bydel", "Aarhus")
    assert ("postdistrikt", "Bornholm") in readings


# -- 2. postcodes ---------------------------------------------------------------

@pytest.mark.parametrize("code,expected", [
    ("1000", "København K"), ("1499", "København K"), ("1620", "København V"), ("1799", "København V"),
    ("1850", "Frederiksberg C"), ("1999", "Frederiksberg C"), ("2000", "Frederiksberg"),
    ("2100", "København Ø"), ("2200", "København N"), ("2300", "København S"), ("2400", "København NV"),
    ("2450", "København SV"), ("2500", "Valby"), ("8000", "Aarhus C"),
])
def test_postcodes_including_copenhagen_ranges(code, expected):
    assert default_gazetteer().postcode(code).name == expected


@pytest.mark.parametrize("text,expected", [
    ("Familie i 8000 Aarhus C, pige på 7", "Aarhus"),
    ("2200 København N, mor og to børn", "København"),
    ("adresse: Vesterbrogade, 1620 København V", "København"),
    ("postnr. 1620, mor med søn på 4", "København"),
    ("de bor i 2300 med to børn", "København"),
    ("8330 Beder, dreng på 10", "Aarhus"),
])
def test_postcode_followed_by_district_or_with_a_cue(text, expected):
    need = understand(text)
    assert need.municipality == expected
    assert not any(t.isdigit() for t in need.terms)


@pytest.mark.parametrize("text", [
    "i 2019 fik mor en baby, og siden er det gået skævt",
    "de skylder 2000 kr. til elselskabet",
    "siden 2020 har far været sygemeldt",
    "Fra 2021 Mor har været alene",
    "ca. 1500 kroner om måneden til mad",
])
def test_a_year_or_an_amount_is_not_a_postcode(text):
    assert understand(text).municipality is None


# -- 3. place names that are ordinary words ---------------------------------------

@pytest.mark.parametrize("text", [
    "Mor beder om hjælp, hun ser ingen løsning",
    "Løsning på gælden søges, to børn",
    "Mørke tanker hos mor efter fødslen",
    "far er henne på arbejde, og drengen går ikke i skole",
    "Flemming er far til to og drikker for meget",
    "drengen er bange for mørke og sover dårligt",
    "han har en stilling som lagerarbejder",
    "Tim på 12 bliver mobbet",
])
def test_ordinary_words_are_not_places(text):
    assert understand(text).municipality is None


@pytest.mark.parametrize("text,expected", [
    ("Familien bor i Beder, dreng på 8", "Aarhus"),
    ("en mor fra Mørke med to børn", "Syddjurs"),
    ("familie i nærheden af Stege", "Vordingborg"),
    ("Gram Kommune, pige 6", "Haderslev"),
    ("familie i Løsning, søn på 3", "Hedensted"),
])
def test_ordinary_words_count_as_places_when_written_as_places(text, expected):
    assert understand(text).municipality == expected


def test_common_word_check_uses_thesaurus_and_own_list():
    g = default_gazetteer()
    assert g.is_common_word("beder") and g.is_common_word("løsning")
    assert g.is_common_word("give")          # a thesaurus word
    assert not g.is_common_word("vejle") and not g.is_common_word("hasle")


# -- 4. a postal district spanning several municipalities --------------------------

def _rec(i, areas):
    return {"id": i, "title": "Lektiehjælp", "description": "Frivillige giver lektiehjælp til skolebørn.",
            "areas": list(areas), "age_min": 6, "age_max": 16}


def test_postal_district_in_two_municipalities_carries_both():
    need = understand("Familie i Balle, søn på 9")
    assert need.municipality == "Syddjurs"
    assert need.municipality_alternatives == ["Norddjurs"]
    d = need.to_dict()
    assert d["municipality"] == "Syddjurs" and d["municipality_alternatives"] == ["Norddjurs"]


def test_offers_in_any_municipality_of_the_district_are_eligible_own_first():
    e = MatchEngine([_rec(1, ["Norddjurs"]), _rec(2, ["Syddjurs"]), _rec(3, ["Aarhus"])])
    res = e.match("Familie i Balle søger lektiehjælp til søn på 9")
    assert [h.offer_id for h in res.results] == [2, 1]
    assert "Dækker Norddjurs" in " ".join(res.results[1].reasons)
    assert res.left_out == [{"count": 1, "reason": "dækker ikke Syddjurs eller Norddjurs"}]


def test_an_explicit_municipality_overrides_the_alternatives():
    e = MatchEngine([_rec(1, ["Norddjurs"]), _rec(2, ["Syddjurs"])])
    res = e.match("Familie i Balle søger lektiehjælp til søn på 9", municipality="Syddjurs")
    assert [h.offer_id for h in res.results] == [2]


def test_a_named_municipality_settles_a_district_in_two():
    need = understand("Familie i Balle, Norddjurs Kommune")
    assert need.municipality == "Norddjurs"
    assert need.municipality_alternatives == []
