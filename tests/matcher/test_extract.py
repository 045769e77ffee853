"""Each extractor on its own: place, age, format and need read from a text (see matcher/extract/)."""
from __future__ import annotations

import pytest

from matcher.extract.age import extract_ages
from matcher.extract.common import Text, num
from matcher.extract.format import audience, extract_formats, free_only, languages
from matcher.extract.need import Situation, read_needs
from matcher.extract.place import PlaceExtractor, in_passing, postcode_cue


def text(s: str) -> Text:
    return Text.of(s)


# ---------- common ----------

@pytest.mark.parametrize("raw, value", [("fire", 4), ("12", 12), ("1,5", 1), ("halvandet", 1), ("x", None)])
def test_numbers_written_or_in_digits(raw, value):
    assert num(raw) == value


def test_tokens_keep_their_case_and_offsets():
    t = text("Bor i Vejle")
    assert t.surf == ["bor", "i", "vejle"]
    assert [tok[3] for tok in t.toks] == [True, False, True]
    assert t.word(5) == "" and t.word(-1) == ""


# ---------- place ----------

@pytest.mark.parametrize("s, municipality", [
    ("Familien bor i Vejle", "Vejle"),
    ("8000 Aarhus C", "Aarhus"),
    ("Vi bor i Odense, men var på ferie i Skagen", "Odense"),
    ("Vi var på ferie i Skagen", None),
    ("Det har stået på i 3 års tid", None),
])
def test_place_extractor_reads_the_home_municipality(s, municipality):
    assert PlaceExtractor().extract(text(s)).municipality == municipality


def test_place_extractor_masks_the_words_it_used():
    reading = PlaceExtractor().extract(text("bor i Vejle Kommune"))
    assert reading.source == "vejle kommune"
    assert reading.masked == {2, 3}


def test_a_misspelt_place_is_corrected_only_when_no_place_is_found():
    assert PlaceExtractor().extract(text("Familien bor i Skanderbrog")).municipality == "Skanderborg"


def test_passing_and_postcode_cues():
    assert in_passing(["vi", "var", "på", "ferie", "i", "skagen"], 5)
    assert not in_passing(["vi", "bor", "i", "skagen"], 3)
    assert postcode_cue(text("postnr. 2200"), 1)
    assert not postcode_cue(text("i 2019 flyttede vi"), 1)


# ---------- age ----------

def test_age_extractor_separates_children_and_parents_and_masks_the_words():
    r = extract_ages(text("Mor på 19 med en dreng på 4 år"))
    assert r.child_ages == [4] and r.parent_ages == [19]
    assert r.masked  # "19", "4", "år" are no need words


@pytest.mark.parametrize("s, ages", [
    ("der gik fire måneder", []),
    ("som 12-årig blev hun mobbet", []),
    ("en nyfødt, en på tre og en på seks drenge", [0, 3, 6]),
    ("hun går i 3. klasse", [9]),
    ("jeg er gravid", [0]),
])
def test_age_extractor_rules(s, ages):
    assert sorted(extract_ages(text(s)).child_ages) == sorted(ages)


# ---------- format ----------

def test_format_extractor_wanted_refused_and_possessions():
    r = extract_formats(text("hun magter ikke at sidde i en gruppe, men gerne online").surf)
    assert r.formats == ["online"] and r.excluded == ["gruppe"]
    assert extract_formats(text("de tog hans telefon").surf).formats == []


def test_price_language_and_audience():
    assert free_only("det skal være gratis")
    assert not free_only("det må gerne koste lidt")
    assert languages(text("mor er arabisktalende").surf) == ["arabisk"]
    assert audience(text("hele familien og barnet").surf) == ["familie", "barn"]


# ---------- need ----------

def test_need_extractor_puts_the_main_need_first_and_keeps_words_out_of_terms():
    t = text("Vi har heldigvis et godt netværk. Men vores søn bliver mobbet, og de andre griner af ham. "
             "Hvad kan vi gøre ved mobningen, og hvem kan han tale med om det, han oplever hver dag i skolen?")
    r = read_needs(t, Situation([9], [], False), set(), set())
    assert r.concepts[0].key == "mobning" and r.concepts[0].role == "main"
    assert all(c.role == "context" for c in r.concepts[1:])
    assert r.word_weight < 1.0


def test_need_extractor_leaves_negated_need_words_out_of_the_terms():
    t = text("ingen misbrug i familien")
    r = read_needs(t, Situation([], [], False), set(), set())
    assert "misbrug_familie" not in {c.key for c in r.concepts}
    assert not any(term.startswith("misbrug") for term in r.term_weights)
