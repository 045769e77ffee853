"""Evidence, not claims: level 2+ needs evidence that says something of its own."""
from __future__ import annotations

import pytest

from catalog.elements import BY_KEY
from catalog.evidence import check

GOOD = "Hvert barn har to skriftlige mål, som vi følger op på hver måned med forælderen."


def test_real_evidence_passes_and_low_levels_need_none():
    assert check({"maal": {"level": 3, "evidence": GOOD}, "virkning": {"level": 1, "evidence": ""},
                  "oekonomi": {"level": 0, "evidence": ""}}) == {}


@pytest.mark.parametrize("evidence", ["", "ja", "Se hjemmesiden", "Det har vi helt styr på"])
def test_short_filler_is_refused_at_level_2(evidence):
    errors = check({"maal": {"level": 2, "evidence": evidence}})
    assert list(errors) == ["elements.maal.evidence"]
    assert "mindst 30 tegn" in errors["elements.maal.evidence"][0]


@pytest.mark.parametrize("key", ["maal", "monitorering", "teori_og_viden"])
def test_the_guides_own_wording_is_refused(key):
    for text in (BY_KEY[key].question, BY_KEY[key].meaning, BY_KEY[key].meaning.upper() + " "):
        errors = check({key: {"level": 2, "evidence": text}})
        assert "vejledningens ord" in errors[f"elements.{key}.evidence"][0], text


def test_the_same_text_copied_to_another_element_is_refused():
    errors = check({"maal": {"level": 2, "evidence": GOOD},
                    "monitorering": {"level": 3, "evidence": GOOD.replace("måned", "måned!")},
                    "oekonomi": {"level": 2, "evidence": "Et forløb koster 2.400 kr. pr. familie, betalt af en fond."}})
    assert list(errors) == ["elements.monitorering.evidence"]
    assert "den samme som for »Mål«" in errors["elements.monitorering.evidence"][0]
