"""The demo catalogue shipped for the quick start is well-formed and realistic enough to demo with."""
import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "catalog" / "data"
NATIONWIDE = "Hele landet"
FORMATS = {"gruppe", "individuel", "hjemmebesøg", "online", "telefon", "chat", "aktivitet", "ferie",
           "materiel hjælp"}
AUDIENCES = {"forældre", "børn", "unge", "mor", "far", "hele familien"}
ELEMENT_KEYS = ("teori_og_viden", "virkning", "beskrivelse", "maal", "overfoerbarhed", "oekonomi",
                "faglig_refleksion", "relationelt_samarbejde", "individuel_tilrettelaeggelse", "monitorering",
                "opfoelgning")
STATUSES = {"draft", "published", "archived"}


@pytest.fixture(scope="module")
def catalogue():
    return json.loads((DATA / "demo_catalogue.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def offers(catalogue):
    return catalogue["offers"]


@pytest.fixture(scope="module")
def municipalities():
    with open(DATA / "kommuner.csv", encoding="utf-8", newline="") as f:
        return {row["kommune"] for row in csv.DictReader(f)}


def test_has_enough_offers(offers):
    assert len(offers) >= 60


def test_external_ids_are_unique(catalogue, offers):
    ids = [o["external_id"] for o in offers]
    assert len(ids) == len(set(ids))
    org_ids = [o["external_id"] for o in catalogue["organisations"]]
    assert len(org_ids) == len(set(org_ids))


def test_every_offer_has_an_existing_organisation(catalogue, offers):
    org_ids = {o["external_id"] for o in catalogue["organisations"]}
    missing = [o["external_id"] for o in offers if o["organisation"] not in org_ids]
    assert not missing


def test_organisations_are_complete(catalogue):
    for org in catalogue["organisations"]:
        assert org["name"].strip()
        if "cvr" in org:
            assert re.fullmatch(r"\d{8}", org["cvr"]), org


def test_areas_are_canonical_municipalities_or_nationwide(offers, municipalities):
    assert len(municipalities) == 98
    for o in offers:
        areas = o["areas"]
        assert areas, o["external_id"]
        if NATIONWIDE in areas:
            assert areas == [NATIONWIDE], o["external_id"]
        else:
            assert set(areas) <= municipalities, (o["external_id"], areas)
            assert 1 <= len(areas) <= 3, o["external_id"]
            assert len(areas) == len(set(areas)), o["external_id"]


def test_mix_of_local_and_national_offers(offers):
    local = {a for o in offers for a in o["areas"] if a != NATIONWIDE}
    national = [o for o in offers if o["areas"] == [NATIONWIDE]]
    assert len(local) >= 5
    assert national


def test_formats_and_audience_are_from_the_allowed_lists(offers):
    for o in offers:
        assert o["formats"], o["external_id"]
        assert set(o["formats"]) <= FORMATS, (o["external_id"], o["formats"])
        assert o["audience"], o["external_id"]
        assert set(o["audience"]) <= AUDIENCES, (o["external_id"], o["audience"])


def test_every_offer_has_all_eleven_elements(offers):
    for o in offers:
        elements = o["elements"]
        assert set(elements) == set(ELEMENT_KEYS), o["external_id"]
        for key, item in elements.items():
            assert item["level"] in (0, 1, 2, 3), (o["external_id"], key)
            assert isinstance(item["evidence"], str), (o["external_id"], key)
            if item["level"] >= 2:
                assert item["evidence"].strip(), (o["external_id"], key)


def test_element_profiles_are_spread_over_the_bands(offers):
    counts = [sum(item["level"] >= 2 for item in o["elements"].values()) for o in offers]
    assert any(c <= 4 for c in counts)
    assert any(5 <= c <= 7 for c in counts)
    assert any(c >= 8 for c in counts)


def test_age_ranges_are_sane(offers):
    for o in offers:
        lo, hi = o["age_min"], o["age_max"]
        for age in (lo, hi):
            assert age is None or (isinstance(age, int) and 0 <= age <= 120), o["external_id"]
        if lo is not None and hi is not None:
            assert lo <= hi, o["external_id"]


def test_descriptions_are_real_texts(offers):
    for o in offers:
        assert len(o["description"].split()) >= 40, o["external_id"]
        assert o["title"].strip() and o["target_group"].strip() and o["schedule"].strip()
        assert o["cost"].strip()
        assert o["tags"], o["external_id"]


def test_status_and_assurance_dates(offers):
    assert {o["status"] for o in offers} <= STATUSES
    assert sum(o["status"] == "published" for o in offers) >= 60
    for o in offers:
        assured = date.fromisoformat(o["assured_at"])
        assert date(2020, 1, 1) <= assured <= date(2030, 12, 31), o["external_id"]


def test_contact_details_are_fictitious(catalogue, offers):
    emails = [o["contact"]["email"] for o in offers] + [o["email"] for o in catalogue["organisations"]]
    phones = [o["contact"]["phone"] for o in offers] + [o["phone"] for o in catalogue["organisations"]]
    assert all(e.endswith("@example.org") for e in emails)
    assert all(p.startswith("+45 12 34 ") for p in phones)
    assert all(o["website"].startswith("https://example.org") for o in catalogue["organisations"])
