import pytest

from matcher import understand


@pytest.mark.parametrize("text,expected", [
    ("Familie i Vejle med en dreng på 5", "Vejle"),
    ("bor i Vejel, har to børn", "Vejle"),
    ("Københavns Kommune: mor med baby", "København"),
    ("kbh, pige 12 år", "København"),
    ("Høje Taastrup, dreng på 4", "Høje-Taastrup"),
    ("Høje-Taastrup Kommune", "Høje-Taastrup"),
    ("fra Kolding-området, 9-årig", "Kolding"),
    ("Vejle Kommune søger hjælp", "Vejle"),
    ("familien bor i aarhus v", "Aarhus"),
    ("Lyngby, far med søn", "Lyngby-Taarbæk"),
    ("Sønderborgs familieafdeling", "Sønderborg"),
])
def test_municipality(text, expected):
    assert understand(text).municipality == expected


def test_no_municipality():
    need = understand("mor med fødselsdepression og en baby på 3 mdr")
    assert need.municipality is None


def test_ambiguous_common_word_is_not_a_municipality():
    # "vejen" (the road) and "lejre" (camps) are also municipality names
    assert understand("vi søger lejre til børnene, og vejen er lang").municipality is None
    assert understand("Familie i Vejen Kommune").municipality == "Vejen"


def test_municipality_words_do_not_feed_terms():
    need = understand("Sorggruppe i Vejle til pige på 10")
    assert not any(t.startswith("vejl") for t in need.terms)
    assert "10" not in need.terms
    assert need.municipality_source == "vejle"


@pytest.mark.parametrize("text,ages", [
    ("baby på 4 mdr", [0]),
    ("barn på 7 uger", [0]),
    ("en dreng på 1½ år", [1]),
    ("9-årig dreng", [9]),
    ("en dreng på 9", [9]),
    ("teenager på 15", [15]),
    ("går i 8. klasse (14 år)", [14]),
    ("dreng i 3. klasse", [9]),
    ("to børn (4 og 7 år)", [4, 7]),
    ("børn på 3, 5 og 8 år", [3, 5, 8]),
    ("nyfødt datter", [0]),
    ("pigen skal starte i skole til sommer", [5, 6]),
    ("datter (15) og søn (11)", [15, 11]),
])
def test_child_ages(text, ages):
    assert understand(text).child_ages == ages


def test_parent_age_is_not_a_child_age():
    need = understand("Mor på 19 med en baby på 4 mdr")
    assert need.child_ages == [0]
    assert need.parent_ages == [19]
    assert "unge_enlige_foraeldre" in {c.key for c in need.concepts}


def test_duration_is_not_an_age():
    need = understand("har været i behandling i 2 år, søn på 6")
    assert need.child_ages == [6]


def test_pregnancy_without_child_age():
    need = understand("Gravid kvinde i 30. uge, første barn")
    assert need.pregnant
    assert "graviditet_spaed" in {c.key for c in need.concepts}


def test_formats_and_negations():
    need = understand("Hun vil ikke i gruppe og ønsker ikke online, gerne hjemmebesøg")
    assert set(need.excluded_formats) == {"gruppe", "online"}
    assert need.formats == ["hjemmebesøg"]
    need = understand("ingen gruppeforløb, men gerne telefonisk")
    assert need.excluded_formats == ["gruppe"]
    assert need.formats == ["telefon"]


def test_free_and_languages_and_audience():
    need = understand("Det skal være gratis. Mor taler kun arabisk, far er somalisktalende.")
    assert need.free_only
    assert need.languages == ["arabisk", "somali"]
    assert "mor" in need.audience and "far" in need.audience


def test_concepts_carry_evoking_words():
    need = understand("Far sidder inde, og mor drikker for meget")
    by_key = {c.key: c for c in need.concepts}
    assert "sidder inde" in by_key["faengsel_kriminalitet"].words
    assert any("drikker" in w for w in by_key["misbrug_familie"].words)
    assert by_key["faengsel_kriminalitet"].label == "Fængsel og kriminalitet"


def test_typo_in_need_word_still_finds_concept():
    keys = {c.key for c in understand("lektiehjælpp til dreng").concepts}
    assert "lektiehjaelp_skole" in keys


def test_low_mood_around_baby_is_postnatal():
    keys = {c.key for c in understand("mor er meget trist og græder, baby på 2 mdr").concepts}
    assert "fodselsdepression" in keys


def _keys(text):
    return {c.key for c in understand(text).concepts}


@pytest.mark.parametrize("text", [
    "mor drikker ikke",
    "far drikker heller ikke",
    "han slår aldrig børnene",
])
def test_postposed_negation_after_the_verb(text):
    assert not _keys(text) & {"misbrug_familie", "vold"}


def test_negation_stays_in_its_clause():
    assert "misbrug_familie" in _keys("Der er ikke vold. Mor drikker")
    assert "misbrug_familie" in _keys("mor drikker ikke, men far drikker meget")
    assert "misbrug_familie" in _keys("ikke tale om vold, og mor drikker")
    assert "vold" not in _keys("ikke tale om vold, og mor drikker")


def test_a_need_phrased_with_a_negation_is_not_negated():
    assert "trivsel_unge" in _keys("pigen trives ikke i skolen")
    assert "netvaerk_foraeldre" in _keys("mor kender ikke nogen i byen")


def test_negated_formats_are_still_excluded_with_clauses():
    need = understand("Mor drikker ikke. Hun vil ikke i gruppe, men gerne online")
    assert need.excluded_formats == ["gruppe"]
    assert need.formats == ["online"]
