"""The chat's understanding across messages (matcher/dialogue.py), with the real need parser."""
from __future__ import annotations

import json

import pytest

from matcher.dialogue import (PAGE_SIZE, chips, clarifying_question, empty_state, mark_asked, need_from_state,
                              refine, remove_item, understood)
from matcher.understand import understand

FIRST = "Ung mor på 19 med en dreng på 4 år. Hun har store økonomiske problemer og føler sig meget ensom."


def talk(*messages, home=None, state=None):
    """Send messages one by one; returns the last turn."""
    turn = None
    for message in messages:
        turn = refine(state, message, understand=understand, home_municipality=home)
        state = turn.state
    return turn


def need_keys(state):
    return [c["key"] for c in state["concepts"]]


def chip_labels(state):
    return [c["label"] for c in chips(state)]


# --- the first message ---------------------------------------------------------------------------

def test_first_message_is_understood_into_needs_age_and_area():
    turn = talk("Familie i Randers: far drikker, og datteren på 9 år har det svært i skolen.")
    state = turn.state
    assert turn.action == "search" and turn.offset == 0
    assert state["municipality"] == "Randers" and not state["municipality_home"]
    assert state["child_ages"] == [9]
    assert "misbrug_familie" in need_keys(state)
    assert "Kommune: Randers" in chip_labels(state)
    assert "Barn: 9 år" in chip_labels(state)
    assert "Behov: Misbrug i familien" in chip_labels(state)


def test_state_is_json_and_does_not_keep_the_message():
    turn = talk(FIRST, "kun gratis")
    dumped = json.dumps(turn.state, ensure_ascii=False)
    assert json.loads(dumped) == turn.state
    assert FIRST not in dumped and "føler sig meget ensom" not in dumped


def test_home_municipality_is_the_area_when_none_is_named_and_is_shown_as_such():
    state = talk(FIRST, home="Aarhus").state
    assert state["municipality"] == "Aarhus" and state["municipality_home"]
    assert "Kommune: Aarhus (din hjemkommune)" in chip_labels(state)
    assert need_from_state(state).municipality == "Aarhus"
    assert understood(state)["municipality_is_home"] is True


def test_a_named_municipality_beats_the_home_municipality():
    state = talk("Far i Odense, der drikker for meget", home="Aarhus").state
    assert state["municipality"] == "Odense" and not state["municipality_home"]


def test_one_word_changes_the_home_municipality():
    turn = talk(FIRST, "Skanderborg", home="Aarhus")
    assert turn.state["municipality"] == "Skanderborg"
    assert turn.changes == ["Kommune ændret fra Aarhus (din hjemkommune) til Skanderborg."]
    assert "Kommune: Skanderborg" in chip_labels(turn.state)


# --- follow-ups ------------------------------------------------------------------------------------

def test_only_free():
    turn = talk(FIRST, "kun gratis")
    assert turn.state["free_only"] is True
    assert turn.changes == ["Kun gratis tilbud."]
    assert need_from_state(turn.state).free_only is True
    assert "Kun gratis" in chip_labels(turn.state)


def test_free_can_be_taken_back_even_though_the_sentence_says_gratis():
    turn = talk(FIRST, "kun gratis", "det behøver ikke være gratis")
    assert turn.state["free_only"] is False
    assert turn.changes == ["Også tilbud, der koster noget."]
    assert talk(FIRST, "kun gratis", "ikke kun gratis").state["free_only"] is False


def test_not_online_excludes_the_format():
    turn = talk(FIRST, "ikke online")
    assert turn.state["excluded_formats"] == ["online"]
    assert turn.changes == ["Ikke online."]
    assert need_from_state(turn.state).excluded_formats == ["online"]
    assert "Ikke online" in chip_labels(turn.state)


def test_negation_reversed_online_is_fine_after_all():
    turn = talk(FIRST, "ikke online", "gerne online alligevel")
    assert turn.state["excluded_formats"] == []
    assert "online" in turn.state["formats"]
    assert "Online er med igen." in turn.changes


def test_wanting_a_format_and_then_refusing_it():
    state = talk(FIRST, "gerne hjemmebesøg", "alligevel ikke hjemmebesøg").state
    assert state["formats"] == [] and state["excluded_formats"] == ["hjemmebesøg"]


def test_second_child_is_added_with_its_need():
    turn = talk(FIRST, "også noget til storebror på 12")
    assert turn.state["child_ages"] == [4, 12]
    assert "Barn tilføjet: 12 år." in turn.changes
    assert need_from_state(turn.state).child_ages == [4, 12]
    assert {"Barn: 4 år", "Barn: 12 år"} <= set(chip_labels(turn.state))


def test_second_need_is_added_and_the_old_ones_stay():
    before = talk(FIRST).state
    turn = talk("hun bliver også mobbet i skolen", state=before)
    assert "Nyt behov: Mobning." in turn.changes
    assert set(need_keys(before)) < set(need_keys(turn.state))


def test_a_correction_replaces_the_age_instead_of_adding_a_child():
    turn = talk(FIRST, "nej, han er 5 år")
    assert turn.state["child_ages"] == [5]
    assert turn.changes == ["Barnets alder rettet til 5 år."]


def test_a_correction_with_two_children_replaces_the_nearest_age():
    state = talk(FIRST, "også noget til storebror på 12", "nej, storebror er 13 år").state
    assert state["child_ages"] == [4, 13]


def test_another_municipality():
    turn = talk("Far i Odense, der drikker for meget", "hvad med i Skanderborg?")
    assert turn.state["municipality"] == "Skanderborg"
    assert turn.changes == ["Kommune ændret fra Odense til Skanderborg."]
    assert need_from_state(turn.state).municipality == "Skanderborg"


def test_drop_a_need():
    before = talk(FIRST).state
    assert "oekonomi_gaeld" in need_keys(before)
    turn = talk("glem det med økonomien", state=before)
    assert "oekonomi_gaeld" not in need_keys(turn.state)
    assert turn.changes == ["Behovet 'Økonomi og gæld' er fjernet."]
    # its search words go too, the other needs stay
    assert not any(t.startswith("økonomi") for t in turn.state["term_weights"])
    assert "netvaerk_foraeldre" in need_keys(turn.state)
    assert all("Økonomi" not in c for c in chip_labels(turn.state))


@pytest.mark.parametrize("message", ["drop økonomien", "se bort fra det økonomiske",
                                     "det med økonomien er ikke relevant"])
def test_drop_a_need_said_in_other_ways(message):
    turn = talk(FIRST, message)
    assert "oekonomi_gaeld" not in need_keys(turn.state), turn.changes


def test_drop_the_area_and_the_home_municipality_does_not_come_back():
    turn = talk(FIRST, "glem kommunen", home="Aarhus")
    assert turn.state["municipality"] is None
    assert "hele landet" in turn.changes[0]
    later = talk("kun gratis", state=turn.state, home="Aarhus")
    assert later.state["municipality"] is None


def test_drop_a_child():
    turn = talk(FIRST, "også noget til storebror på 12", "glem barnet på 12")
    assert turn.state["child_ages"] == [4]


def test_a_drop_of_something_not_understood_changes_nothing():
    before = talk(FIRST).state
    turn = talk("glem det med hesten", state=before)
    assert turn.action == "nochange"
    assert turn.state["concepts"] == before["concepts"]


def test_show_more_pages_and_a_refinement_starts_from_the_top_again():
    turn = talk(FIRST, "vis flere")
    assert turn.action == "more" and turn.offset == PAGE_SIZE
    assert turn.changes == [f"Viser flere tilbud: nr. {PAGE_SIZE + 1}–{2 * PAGE_SIZE}."]
    turn = talk("flere tilbud", state=turn.state)
    assert turn.offset == 2 * PAGE_SIZE
    turn = talk("tilbage", state=turn.state)
    assert turn.offset == PAGE_SIZE
    turn = talk("kun gratis", state=turn.state)
    assert turn.offset == 0


def test_show_more_before_any_need_asks_for_one():
    turn = talk("vis flere")
    assert turn.action == "nochange" and turn.offset == 0


def test_start_over_clears_everything_but_the_home_municipality():
    turn = talk(FIRST, "kun gratis", "ikke online", "start forfra", home="Aarhus")
    assert turn.action == "reset"
    assert turn.changes == ["Søgningen er startet forfra."]
    assert turn.state == empty_state("Aarhus")


def test_start_over_with_a_new_description_in_the_same_message():
    turn = talk(FIRST, "Start forfra: far i Odense, der drikker")
    assert turn.state["municipality"] == "Odense"
    assert "misbrug_familie" in need_keys(turn.state)
    assert "oekonomi_gaeld" not in need_keys(turn.state)
    assert turn.state["child_ages"] == []


def test_which_need_comes_first():
    turn = talk(FIRST, "Vigtigst: Økonomi og gæld")
    assert turn.state["focus"] == "oekonomi_gaeld"
    assert turn.changes == ["'Økonomi og gæld' kommer nu først."]
    need = need_from_state(turn.state)
    assert need.concepts[0].key == "oekonomi_gaeld"
    assert all(c.weight < need.concepts[0].weight for c in need.concepts[1:])
    assert chip_labels(turn.state)[0] == "Behov: Økonomi og gæld (vigtigst)"
    assert talk(FIRST, "økonomien er vigtigst").state["focus"] == "oekonomi_gaeld"


def test_a_long_message_starting_with_a_command_word_is_a_description():
    turn = talk(FIRST, "Først og fremmest har mor brug for nogen at tale med om sin depression efter fødslen")
    assert turn.state["focus"] is None
    assert "fodselsdepression" in need_keys(turn.state)


def test_steering_words_do_not_become_search_terms():
    before = talk(FIRST).state
    after = talk("kun gratis", "ikke online", "Vigtigst: Økonomi og gæld", "vis flere", state=before).state
    assert set(after["term_weights"]) == set(before["term_weights"])


def test_nothing_new_understood():
    before = talk(FIRST).state
    turn = talk("ok", state=before)
    assert turn.action == "nochange" and turn.changes == []


def test_redaction_placeholders_are_not_search_words():
    state = talk("Mor hedder [navn], cpr [CPR-nummer], tlf. [telefonnummer]. Hun er meget ensom.").state
    assert not {"navn", "cpr", "telefonnumm", "telefonnummer"} & set(state["term_weights"])


# --- chips ----------------------------------------------------------------------------------------------

def test_every_chip_can_be_removed():
    state = talk(FIRST, "kun gratis", "ikke online", "gerne hjemmebesøg", "på arabisk", home="Aarhus").state
    for chip in chips(state):
        turn = remove_item(state, chip["key"], understand=understand)
        assert turn.action == "refine", chip
        assert chip["label"] not in chip_labels(turn.state), chip
        assert len(chips(turn.state)) == len(chips(state)) - 1, chip


def test_removing_a_need_chip_drops_the_need_and_its_focus():
    state = talk(FIRST, "Vigtigst: Økonomi og gæld").state
    turn = remove_item(state, "concept:oekonomi_gaeld", understand=understand)
    assert turn.state["focus"] is None
    assert "oekonomi_gaeld" not in need_keys(turn.state)
    assert turn.changes == ["Behovet 'Økonomi og gæld' er fjernet."]


def test_removing_an_unknown_chip_changes_nothing():
    state = talk(FIRST).state
    assert remove_item(state, "age:77", understand=understand).action == "nochange"
    assert remove_item(state, "nonsense", understand=understand).state == state


# --- the clarifying question -----------------------------------------------------------------------------

def test_asks_for_the_municipality_only_without_one_and_when_local_offers_matter():
    state = talk(FIRST).state
    question = clarifying_question(state, area_options=["Vejle", "Aarhus", "Vejle"])
    assert question["key"] == "municipality"
    assert [o["label"] for o in question["options"]] == ["Vejle", "Aarhus"]
    # answering the quick reply fills it in
    answered = talk(question["options"][0]["message"], state=mark_asked(state, question)).state
    assert answered["municipality"] == "Vejle"
    assert clarifying_question(state, municipality_matters=False)["key"] != "municipality"
    assert clarifying_question(talk(FIRST, home="Aarhus").state)["key"] != "municipality"


def test_asks_for_the_age_only_when_none_is_known_and_age_limits_are_in_play():
    state = talk("Familie i Vejle med store økonomiske problemer").state
    question = clarifying_question(state, age_restricted=True)
    assert question["key"] == "age"
    answered = talk(question["options"][1]["message"], state=state).state
    assert answered["child_ages"] == [4]
    assert clarifying_question(state, age_restricted=False) is None or \
        clarifying_question(state, age_restricted=False)["key"] != "age"
    assert clarifying_question(talk(FIRST, home="Vejle").state, age_restricted=True)["key"] != "age"


def test_asks_which_need_comes_first_with_several_needs_and_stops_once_answered():
    state = talk(FIRST, home="Vejle").state
    question = clarifying_question(state)
    assert question["key"] == "focus"
    labels = [o["label"] for o in question["options"]]
    assert "Økonomi og gæld" in labels and len(labels) >= 2
    option = question["options"][labels.index("Økonomi og gæld")]
    answered = talk(option["message"], state=mark_asked(state, question), home="Vejle").state
    assert answered["focus"] == "oekonomi_gaeld"
    assert clarifying_question(answered) is None


def test_asks_what_the_need_is_when_the_text_is_vague():
    state = talk("Familien har brug for hjælp", home="Vejle").state
    question = clarifying_question(state)
    assert question["key"] == "focus"
    assert question["text"] == "Hvad har familien mest brug for hjælp til?"
    answered = talk(question["options"][0]["message"], state=mark_asked(state, question), home="Vejle").state
    assert answered["focus"] == "oekonomi_gaeld"
    assert "Behov: Økonomi og gæld (vigtigst)" in chip_labels(answered)


def test_one_clear_need_and_everything_known_needs_no_question():
    state = talk("Far i Odense, der drikker, søn på 10", home="Aarhus").state
    assert clarifying_question(state, age_restricted=True, municipality_matters=True) is None


def test_a_question_is_asked_once():
    state = talk(FIRST).state
    question = clarifying_question(state)
    again = clarifying_question(mark_asked(state, question))
    assert again is None or again["key"] != question["key"]


def test_no_question_before_there_is_a_need():
    assert clarifying_question(empty_state()) is None


# ---------- a family's story: the main need first, the others as context ----------

STORY = ("Vi blev skilt for fire år siden, og det var hårdt, men det går fint nu. Nu er der noget andet: vores "
         "datter på 12 bliver mobbet. De andre piger i klassen griner af hende og holder hende udenfor, og de skriver "
         "grimme beskeder til hende om aftenen. Hvad kan vi gøre, og hvor kan hun få hjælp mod mobningen?")


def test_a_story_with_a_clear_main_need_puts_it_first_without_asking():
    turn = talk(STORY)
    assert turn.state["focus"] == "mobning"
    shown = understood(turn.state)
    assert shown["needs"][0]["key"] == "mobning" and shown["needs"][0]["role"] == "main"
    assert any("griner af hende" in w for w in shown["needs"][0]["words"])
    assert all(n["role"] == "context" for n in shown["needs"][1:])
    question = clarifying_question(turn.state, municipality_matters=False, age_restricted=False, area_options=[])
    assert question is None or question["key"] != "focus"


def test_competing_needs_in_a_short_text_still_ask_which_comes_first():
    turn = talk("Mor har gæld og er meget ensom")
    assert turn.state["focus"] is None
    question = clarifying_question(turn.state, municipality_matters=False, age_restricted=False, area_options=[])
    assert question is not None and question["key"] == "focus"


# --- honest answers -------------------------------------------------------------------------------------------

def test_english_text_changes_nothing_and_is_recognised():
    from matcher.dialogue import not_danish, refine
    assert not_danish("3 year old boy, the mother is lonely")
    assert not not_danish("Mor i Vejle med en dreng på 4")
    assert not not_danish("Dreng på 9, kun gratis")
    turn = refine(None, "3 year old boy, the mother is lonely and has debt")
    assert turn.action == "foreign" and turn.state["child_ages"] == [] and turn.state["concepts"] == []


def test_self_harm_or_violence_gets_the_notice_and_crisis_help_first():
    from matcher.dialogue import refine, safeguarding
    assert safeguarding("Pigen på 14 skærer i sig selv")
    assert safeguarding("Far slår drengen, når han drikker")
    assert not safeguarding("Dreng på 10 har brug for lektiehjælp")
    turn = refine(None, "Pigen på 14 skærer i sig selv og er meget ked af det")
    assert turn.notice == "safeguarding"
    assert turn.state["focus"] in ("vold", "anonym_raadgivning")
    assert refine(None, "Dreng på 10 har brug for lektiehjælp").notice is None


def test_nothing_understood_is_recognised():
    from matcher.dialogue import nothing_understood, refine
    assert nothing_understood(refine(None, "hej").state)
    assert not nothing_understood(refine(None, "mor er ensom").state)


def test_chips_say_whether_a_constraint_hides_offers_or_is_a_preference():
    from matcher.dialogue import chips, refine
    turn = refine(None, "Mor er ensom og mangler netværk, kun hjemmebesøg, ikke online, helst på arabisk")
    labels = [c["label"] for c in chips(turn.state)]
    assert "Kun hjemmebesøg" in labels            # a condition: other offers are hidden
    assert "Ikke online" in labels                # a condition: online-only offers are hidden
    assert "Gerne på arabisk" in labels           # a preference: offers in Arabic come first
