"""Reading a family's story: the main need, who, when and whether, ages and places in a narrative.

Each test is a rule a caseworker relies on when pasting what a family wrote: the need asked about
ranks first, the backstory and other people's matters count less, and what the story says in passing
(an old age, a holiday place, a span of time) is not taken for the family's situation.
"""
from __future__ import annotations

import pytest

from matcher import MatchEngine
from matcher.focus import apply_focus, focus_strength, word_weight
from matcher.models import ConceptHit
from matcher.understand import understand

from .test_quality import engine


def keys(text: str) -> list[str]:
    return [c.key for c in understand(text).concepts]


def weights(text: str) -> dict[str, float]:
    return {c.key: c.weight for c in understand(text).concepts}


# ---------- focus: the main need first, the others as context ----------

LETTER = ("Vi blev skilt for fire år siden, og det var hårdt for os alle. Min mand flyttede til Jylland, og "
          "børnene ser ham hver anden weekend, det går fint nu. Men nu er der noget andet: vores søn på 11 "
          "bliver mobbet i skolen. De andre drenge i klassen griner af ham, holder ham udenfor i frikvartererne "
          "og skriver grimme beskeder til ham om aftenen. Han vil ikke fortælle læreren det. Hvad kan vi gøre, "
          "og findes der nogen, han kan tale med om mobningen?")


def test_the_need_asked_about_leads_and_the_backstory_is_context():
    need = understand(LETTER)
    assert need.concepts[0].key == "mobning"
    assert need.concepts[0].role == "main"
    others = {c.key: c for c in need.concepts[1:]}
    assert others["skilsmisse"].role == "context"
    assert others["skilsmisse"].weight <= 0.6 * need.concepts[0].weight


def test_understood_json_shows_the_main_need_first_with_its_words():
    concepts = understand(LETTER).to_dict()["concepts"]
    assert concepts[0]["role"] == "main" and concepts[0]["key"] == "mobning"
    assert any("griner af ham" in w or "mobbet" in w for w in concepts[0]["words"])
    assert all(c["role"] == "context" for c in concepts[1:])


def test_a_letter_ranks_offers_for_its_main_need_first():
    top = [h.offer_id for h in engine().match(LETTER, limit=3).results]
    themes = engine_themes()
    assert "mobning" in themes[top[0]]


def engine_themes() -> dict[str, set[str]]:
    from .test_quality import load_set
    return load_set()[1]


@pytest.mark.parametrize("first, later", [("fritid", "mobning"), ("mobning", "fritid")])
def test_ties_between_needs_are_not_broken_alphabetically(first, later):
    # two needs told equally strongly: the one told later (nearer the ask) leads, whatever its name
    concepts = [ConceptHit(first, first, ["a"], 1.0), ConceptHit(later, later, ["b"], 1.0)]
    ordered = apply_focus(concepts, {first: 1.0, later: 1.0}, {first: 0, later: 7}, n_words=60)
    assert [c.key for c in ordered] == [later, first]
    assert [c.role for c in ordered] == ["main", "context"]


def test_a_caseworker_line_keeps_its_needs_side_by_side():
    need = understand("Mor ensom, økonomiske problemer, dreng 4 år")
    assert focus_strength(15) == 0.0
    assert {c.key for c in need.concepts} >= {"oekonomi_gaeld", "netvaerk_foraeldre"}
    assert all(c.weight >= 0.6 for c in need.concepts if c.key in ("oekonomi_gaeld", "netvaerk_foraeldre"))


def test_a_long_story_cannot_outvote_a_clear_need_by_its_number_of_words():
    assert word_weight(5) == 1.0
    assert word_weight(60) < 0.5
    assert understand(LETTER).word_weight < 0.6
    assert understand("lektiehjælp til dreng på 9").word_weight == 1.0


# ---------- when: the present and the ask over the backstory ----------

def test_a_past_need_counts_less_than_the_present_one():
    text = ("For tre år siden var min søn udsat for mobning på sin gamle skole, men det er overstået. "
            "Nu sidder hans far i fængsel, og vi har brug for hjælp til, hvordan vi taler med ham om det.")
    ks = keys(text)
    assert ks[0] == "faengsel_kriminalitet"
    assert ks.index("mobning") > 0


def test_a_holiday_as_a_date_is_no_holiday_need():
    assert "ferie_oplevelser" not in keys("Det startede lige før sommerferien, og nu vil han ikke i skole.")
    assert "ferie_oplevelser" in keys("Vi har ikke råd til at komme på ferie med børnene.")


def test_christmas_as_a_date_is_no_christmas_help_but_no_money_for_christmas_is():
    assert "materiel_hjaelp" not in keys("Efter jul skal han starte i en ny klasse.")
    assert "materiel_hjaelp" in keys("Enlig mor, ingen penge til jul i år.")


def test_an_hour_is_not_a_school_lesson():
    assert "lektiehjaelp_skole" not in keys("Han har en time hos psykologen hver uge.")


# ---------- whether: lacks, denials, resources ----------

@pytest.mark.parametrize("text, key", [
    ("Vi har ingen penge til mad sidst på måneden.", "materiel_hjaelp"),
    ("Vi har ikke råd til fritidsaktiviteter til vores søn.", "oekonomi_gaeld"),
    ("Vi mangler penge til vinterjakker.", "oekonomi_gaeld"),
    ("Jeg kender ingen her i byen og har intet netværk.", "netvaerk_foraeldre"),
])
def test_a_lack_is_a_need(text, key):
    assert key in keys(text)


def test_a_denial_is_not_the_thing_denied():
    assert "vold" not in keys("Der har aldrig været vold i vores hjem. Vores søn på 10 har brug for lektiehjælp.")


def test_an_accusation_the_writer_rejects_is_context_at_most():
    text = ("Hans mor påstår, at han har slået hende, men det passer ikke. Han har ikke set sin søn på 6 i et år "
            "og vil gerne have samvær igen.")
    w = weights(text)
    assert keys(text)[0] == "skilsmisse"
    assert w.get("vold", 0.0) < 0.4


def test_a_resource_is_not_a_need():
    text = "Vi har heldigvis et godt netværk omkring os, men vores datter på 15 skærer i sig selv."
    assert keys(text)[0] == "trivsel_unge"
    assert weights(text).get("netvaerk_foraeldre", 0.0) < 0.3


# ---------- whose need ----------

def test_a_childs_missing_friends_are_the_childs_need():
    ks = keys("Jeg er mor til en pige på 9. Hun har ingen veninder og sidder alene i frikvartererne.")
    assert ks[0] == "trivsel_unge"
    assert "netvaerk_foraeldre" not in ks


def test_a_parents_own_loneliness_is_the_parents_need():
    ks = keys("Ung mor på 19 med en dreng på 4 år. Hun føler sig meget ensom og kender ingen her.")
    assert ks[0] in ("netvaerk_foraeldre", "unge_enlige_foraeldre")
    assert "netvaerk_foraeldre" in ks


def test_needs_described_not_named():
    assert keys("De andre børn i klassen griner af ham og ingen vil lege med ham.")[0] == "mobning"
    assert "trivsel_unge" in keys("Vores søn på 17 ligger i sengen hele dagen og har mistet lysten til alt.")
    assert "skilsmisse" in keys("Hans far og jeg er gået fra hinanden og kan ikke tale sammen om børnene.")
    assert "psykisk_sygdom_foraelder" in keys("Min mand hører stemmer og tror, at nogen er efter ham.")


# ---------- ages in a narrative ----------

@pytest.mark.parametrize("text, ages", [
    ("Der gik fire måneder, hvor intet skete med min søn på 9.", [9]),           # a duration, not a baby
    ("Hun fik det bedre på en måned.", []),
    ("Han har haft det svært i tre år, og han er 14 nu.", [14]),
    ("Min datter er 15. Som 12-årig blev hun mobbet.", [15]),                    # a past age is not current
    ("Min far begyndte at drikke, da jeg var omkring syv. Jeg er 14.", [14]),
    ("Jeg er gravid i 5. måned og meget alene.", [0]),                           # pregnancy is age 0
    ("Vi har tre drenge – en nyfødt, en på tre og en på seks.", [0, 3, 6]),      # several children
    ("Jeg er mor til en ung mand på 23, som er kommet i dårligt selskab.", [23]),  # an adult child keeps his age
    ("mor med baby på 4 mdr", [0]),
    ("To af vores børn, på fem og ni, bor hos deres far.", [5, 9]),
    ("I 4. klasse fik han de forkerte venner. Han er 17 nu.", [17]),        # a past class is not current
    ("Min datter går i 4. klasse.", [10]),
])
def test_ages_in_a_story(text, ages):
    assert sorted(understand(text).child_ages) == sorted(ages)


def test_the_writers_own_age_is_a_parents_age_when_she_is_the_mother():
    need = understand("Jeg er 19 og mor til en lille dreng, og jeg er meget alene.")
    assert need.parent_ages == [19]
    assert 19 not in need.child_ages


# ---------- places in a narrative ----------

@pytest.mark.parametrize("text, municipality", [
    ("Vi var på ferie i Skagen i sommer, og nu er min søn på 10 ked af det.", None),
    ("Vi bor i Odense, men var på ferie i Skagen, hvor det hele startede.", "Odense"),
    ("Han har haft det svært i 3 års tid.", None),                             # not the town Års
    ("Vi bor i Års og har brug for hjælp.", "Vesthimmerlands"),
])
def test_a_place_in_passing_is_not_the_familys_municipality(text, municipality):
    assert understand(text).municipality == municipality


def test_a_possession_is_no_wish_for_a_format():
    assert understand("De har taget hans telefon fra ham.").formats == []
    assert understand("Hun vil helst have rådgivning over telefonen.").formats == ["telefon"]


def test_the_engine_uses_the_focused_need():
    eng = MatchEngine([
        {"id": 1, "title": "Netværksgruppe for forældre", "description": "Mød andre forældre.", "areas": ["Hele landet"]},
        {"id": 2, "title": "Støtte til børn, der bliver mobbet", "description": "Samtaler om mobning.",
         "areas": ["Hele landet"]},
    ])
    text = ("Jeg har et godt netværk af andre forældre, og vi hjælper hinanden. Men min datter på 10 bliver "
            "mobbet, og de andre piger griner af hende hver dag. Hvor kan hun få hjælp?")
    assert next(h.offer_id for h in eng.match(text).results) == 2


def test_alone_with_it_beside_a_partner_is_not_single_parenthood():
    partnered = weights("Min mand og jeg er uenige om, hvad vi skal gøre, og jeg står meget alene med det.")
    single = weights("Jeg står alene med to børn, efter min eksmand rejste.")
    assert partnered.get("unge_enlige_foraeldre", 0.0) < 0.5
    assert single["unge_enlige_foraeldre"] >= 0.9


def test_a_young_writers_own_loneliness_is_the_young_persons_need():
    ks = keys("Jeg er 15 og meget ensom. Min mor arbejder hele tiden, og jeg har ingen venner i min nye klasse.")
    assert ks[0] == "trivsel_unge"
    # a young parent writing about herself keeps the parents' need
    assert "trivsel_unge" not in keys("Jeg er 20 og har en søn på halvandet år, og jeg er meget ensom.")[:1]


def test_a_sibling_is_not_a_big_brother_mentor():
    assert "mentor_unge" not in keys("Vi mistede vores lille dreng, og hans storesøster på 7 har det svært.")
    assert "mentor_unge" in keys("Han har brug for en storebror-ordning eller en mentor.")


# ---------- offers in real NGO wording ----------

def test_an_offer_listing_everything_it_touches_is_about_each_listed_need_less():
    from matcher.rank import analyse_offer
    listing = analyse_offer({"title": "Rådgivning for familier",
                             "description": "Vi taler om skilsmisse, sorg, mobning og angst."}).concepts
    focused = analyse_offer({"title": "Sorggruppe for børn",
                             "description": "En gruppe for børn, der har mistet en forælder."}).concepts
    assert listing["sorg"] < focused["sorg"]
    assert listing["sorg"] <= 0.5 * max(focused.values())


def test_losing_something_is_not_grief_and_a_parents_psychosis_is_recognised():
    assert keys("Min mor har mistet forstanden og taler med sig selv hele tiden. Jeg er 14.") == \
        ["psykisk_sygdom_foraelder"]
    assert "sorg" not in keys("Hun mistede sit arbejde i foråret.")
    assert "sorg" in keys("Han har mistet sin far.")


def test_bullying_told_as_what_others_do():
    assert keys("Min datter bliver bagtalt og aldrig inviteret med, og de gør grin med hende.")[0] == "mobning"
