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


# ---------- field vocabulary: how caseworkers and NGOs write about each need ----------

def _top_keys(text):
    """Concepts read from a need text, strongest first."""
    return [c.key for c in understand(text).concepts]


@pytest.mark.parametrize("text,key", [
    ("post partum depression, baby 3 mdr", "fodselsdepression"),
    ("fødselsdeprimeret mor som har brug for samtaler", "fodselsdepression"),
    ("barselsblues der ikke går over, søn 10 uger", "fodselsdepression"),
    ("de har få relationer og mangler sociale kontakter", "netvaerk_foraeldre"),
    ("far er ny i kommunen og har svært ved at få kontakt med andre", "netvaerk_foraeldre"),
    ("far har svært ved at aflæse sin datters behov", "foraeldrekompetencer"),
    ("relationen mellem mor og datter er præget af konflikter", "foraeldrekompetencer"),
    ("mor har svært ved at få børnene i seng om aftenen", "foraeldrekompetencer"),
    ("forældrene har brug for støtte i forældreopgaven", "foraeldrekompetencer"),
    ("mor har lige født og er alene", "graviditet_spaed"),
    ("par der lige har fået deres første barn", "graviditet_spaed"),
    ("forældre til tvillinger på 2 mdr", "graviditet_spaed"),
    ("mor er meget ung og har en baby på 6 mdr", "unge_enlige_foraeldre"),
    ("far er alene om at opdrage to drenge", "unge_enlige_foraeldre"),
    ("mor har ingen partner og klarer alt selv", "unge_enlige_foraeldre"),
    ("barnet lever i en højkonfliktsag mellem forældrene", "skilsmisse"),
    ("far og mor har lige ophævet samlivet", "skilsmisse"),
    ("mors psykiske helbred er dårligt", "psykisk_sygdom_foraelder"),
    ("mor lider af angst og kommer ikke ud af huset", "psykisk_sygdom_foraelder"),
    ("mor er sindslidende og kan i perioder ikke passe børnene", "psykisk_sygdom_foraelder"),
    ("mor har forsøgt selvmord", "psykisk_sygdom_foraelder"),
    ("børnene har set far slå mor", "vold"),
    ("mor har fået et polititilhold mod ekskæresten", "vold"),
    ("drengen fortæller at han får bank derhjemme", "vold"),
    ("mor er ramt af kontanthjælpsloftet", "oekonomi_gaeld"),
    ("far har spillegæld", "oekonomi_gaeld"),
    ("skal starte i 0. klasse og forældrene er usikre", "lektiehjaelp_skole"),
    ("datteren har ikke været i skole i flere uger", "lektiehjaelp_skole"),
    ("mangler noget at lave efter skole", "fritid"),
    ("familien har ikke været på ferie i mange år", "ferie_oplevelser"),
    ("familien trænger til en pause fra hverdagen", "ferie_oplevelser"),
    ("dreng uden mandlige forbilleder", "mentor_unge"),
    ("pigen mangler en at se op til", "mentor_unge"),
    ("pigen har panikanfald i skolen", "trivsel_unge"),
    ("datteren på 14 skærer i armene", "trivsel_unge"),
    ("pigen har en muskelsygdom", "handicap_sygdom_barn"),
    ("datteren har cystisk fibrose", "handicap_sygdom_barn"),
    ("forældrene forstår ikke breve fra kommunen", "sprog_integration"),
    ("mangler en seng til barnet", "materiel_hjaelp"),
    ("mor har ikke penge til mad i slutningen af måneden", "materiel_hjaelp"),
    ("pigen vil gerne tale med nogen uden at det kommer videre", "anonym_raadgivning"),
    ("mor vil have rådgivning uden at kommunen ved det", "anonym_raadgivning"),
    ("drengen bliver kaldt grimme ting i skolen", "mobning"),
])
def test_caseworker_phrasings_read_the_need(text, key):
    assert key in _keys(text)


@pytest.mark.parametrize("text,key", [
    # a child's own low mood is the child's trivsel, not a parent's psychiatric illness
    ("drengen er deprimeret og vil ikke ud af sengen", "trivsel_unge"),
    ("ung på 17 med depression", "trivsel_unge"),
    ("drengen har ingen venner og er meget ensom", "trivsel_unge"),
    ("mor har forsøgt selvmord", "psykisk_sygdom_foraelder"),
])
def test_whose_need_decides_the_leading_concept(text, key):
    assert _top_keys(text)[0] == key


def test_a_parents_depression_stays_the_parents():
    assert _top_keys("pigen på 14 er bekymret, fordi hendes mor er deprimeret")[0] == "psykisk_sygdom_foraelder"


@pytest.mark.parametrize("text,key", [
    ("far har aldrig siddet i fængsel", "faengsel_kriminalitet"),
    ("barnet har aldrig været anbragt", "anbragte_efterværn"),
    ("mor er ikke udsat for vold", "vold"),
    ("ingen vold eller misbrug, men gæld", "vold"),
    ("ingen vold eller misbrug, men gæld", "misbrug_familie"),
    ("ingen tegn på misbrug af alkohol", "misbrug_familie"),
    ("han slår aldrig børnene", "vold"),
])
def test_negated_needs_are_not_read(text, key):
    assert key not in _keys(text)


def test_a_lack_is_still_a_need():
    assert "oekonomi_gaeld" in _keys("ingen vold eller misbrug, men gæld")
    assert "fritid" in _keys("ikke råd til fritidsaktiviteter")


@pytest.mark.parametrize("title,tags,description,key", [
    ("Efter fødslen – psykisk støtte", ["postpartum", "mødre"],
     "Gruppeforløb for kvinder med postpartum depression og angst.", "fodselsdepression"),
    ("Netværksmødre", ["netværksmødre"], "Frivillige mødre støtter andre mødre med et lille netværk.",
     "netvaerk_foraeldre"),
    ("Skolestartspakke", ["skoletaske"], "Skoletaske og penalhus til børn fra familier med få midler.",
     "materiel_hjaelp"),
    ("Samtalegruppe for børn i familier med alkoholproblemer", ["alkohol"],
     "For børn, hvis mor eller far drikker for meget.", "misbrug_familie"),
    ("Efterværn for tidligere anbragte", ["efterværn"], "Støtte til unge, der flytter for sig selv.",
     "anbragte_efterværn"),
    ("Klassens trivsel", ["trivsel i klassen"], "Vi arbejder mod mobning og for fællesskabet i klassen.", "mobning"),
    ("Fritidsvejleder", ["kontingentstøtte"], "Vi hjælper børn med at finde en fritidsaktivitet.", "fritid"),
])
def test_offer_texts_read_their_need(title, tags, description, key):
    from matcher.rank import analyse_offer
    doc = analyse_offer({"id": 1, "title": title, "tags": tags, "description": description})
    assert key in doc.concepts
    assert max(doc.concepts, key=doc.concepts.get) == key
