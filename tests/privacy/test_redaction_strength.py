"""The redactor against the shapes real case texts use, and what it must leave alone (over-redaction)."""
from __future__ import annotations

import pytest

from catalog.redaction import redact


@pytest.mark.parametrize("cpr", ["27/06/89-2977", "140967.4840", "270689 2977", "2706892977", "27.06.89-2977",
                                 "27 06 89 29 77", "27-06-89-2977", "27.06.1989-2977", "270689 - 2977"])
def test_cpr_numbers_with_any_separator(cpr):
    r = redact(f"Barnets cpr er {cpr}, og mor er bekymret.")
    assert r.text == "Barnets cpr er [CPR-nummer], og mor er bekymret." and r.removed["cpr"] == 1


@pytest.mark.parametrize("phone", ["655 50 464", "41-52-58-15", "41.52.58.15", "4152 5815", "41 52 5815",
                                   "+45 41 52 58 15", "0045 41525815", "(+45) 4152 5815", "+4541525815",
                                   "415 25 815", "41525815"])
def test_phone_numbers_in_every_danish_grouping(phone):
    r = redact(f"Mor kan træffes på {phone} efter kl. 15.")
    assert r.text == "Mor kan træffes på [telefonnummer] efter kl. 15." and r.removed["phone"] == 1


@pytest.mark.parametrize("email", ["jannie.hansen@gmail.com", "jannie(at)mail.dk", "jannie [at] mail.dk",
                                   "jannie @ mail.dk", "jannie (at) hotmail.com", "j.h87[at]live[dot]dk"])
def test_emails_however_the_at_is_written(email):
    assert redact(f"Skriv til {email} i morgen.").text == "Skriv til [e-mail] i morgen."


@pytest.mark.parametrize("address", ["Møllevangsvej 12", "Kirkegade 4B, 2. th.", "Elmeallé 7, st. tv., 8000 Aarhus C",
                                     "Jens Baggesens Vej 88, 1. sal", "Lærkestræde 3 5000 Odense C",
                                     "Birkeparken 21, 4.th", "Fasanvænget 9"])
def test_street_addresses(address):
    assert redact(f"Familien bor på {address} og har boet der i to år.").text == \
        "Familien bor på [adresse] og har boet der i to år."


@pytest.mark.parametrize("text, expected", [
    ("Mor hedder Jannie og er 24.", "Mor hedder [navn] og er 24."),
    ("min søn Oliver er 9 år", "min søn [navn] er 9 år"),
    ("datteren Freja på 7 er ked af det", "datteren [navn] på 7 er ked af det"),
    ("faren, Mohammed Ali, sidder i fængsel", "faren, [navn], sidder i fængsel"),
    ("Line og Kasper går i 3. klasse", "[navn] og [navn] går i 3. klasse"),
    ("Mor Jannie Hansen er alene", "Mor [navn] er alene"),
    ("Storebror Abdirahman hjælper", "Storebror [navn] hjælper"),
    ("datteren Nasteho på 7", "datteren [navn] på 7"),         # not in the name list: the family word tells
    ("Ring til Oleksandr på mandag", "Ring til [navn] på mandag"),
    ("Bo er 9 år og går i skole", "[navn] er 9 år og går i skole"),
    ("Hun taler med Rose hver dag", "Hun taler med [navn] hver dag"),
])
def test_names_as_caseworkers_and_parents_write_them(text, expected):
    assert redact(text).text == expected


@pytest.mark.parametrize("text", [
    "Rosen i haven blomstrer, og mor vil gerne bo i Odense.",
    "Bo i Odense er dyrt for familien.",
    "Familien bor i Aarhus og kommer fra Syrien.",
    "Prisen er 1.200 kr. om måneden, og forløbet varer 12 uger.",
    "Mødet er den 12.03.2026 kl. 10.00-12.00 på skolen.",
    "Hun går i børnehave 3 dage om ugen og i 2. klasse til sommer.",
    "Sten og grus på legepladsen, storm i nat.",
    "Drengen er 12 år, og søsteren er 7.",
    "Tilbuddet dækker børn på 6-12 år i 2025 og 2026.",
])
def test_ordinary_words_and_amounts_survive(text):
    r = redact(text)
    assert r.text == text and not r.changed
