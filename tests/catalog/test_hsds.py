"""catalog/hsds.py: offers as HSDS 3.0 services and back (mapping, import all-or-nothing, round trip)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog import hsds, services
from catalog.exchange import ImportFailed
from catalog.models import Offer, Organisation
from tests.helpers import OFFER_DATA
from web.hsds import schema as hsds_schema

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "hsds_examples"  # official examples, CC BY-SA
SERVICE = hsds_schema.object_validator("service")


def _assert_valid(validator, instance):
    assert hsds_schema.errors(validator, instance) == []


def _assert_no_empty(value, path="$"):
    """HSDS output leaves empty optional fields out: no null, no empty string, list or object anywhere."""
    assert value is not None and value != "" and value != [] and value != {}, path
    if isinstance(value, dict):
        for k, v in value.items():
            _assert_no_empty(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _assert_no_empty(v, f"{path}[{i}]")


def _make(session, org_kw=None, **offer_kw):
    org = services.create_organisation(session, {"name": "Familiehuset Vejle", **(org_kw or {})}, verified=True)
    offer = services.create_offer(session, org, {**OFFER_DATA, **offer_kw}, status="published")
    session.commit()
    return org, offer


def test_offer_maps_to_a_valid_hsds_service_with_every_field(session):
    _, offer = _make(session, areas=["Vejle", "København"], languages=["dansk", "tigrinya"],
                     assured_at="2026-03-01", elements={"maal": {"level": 2}, "virkning": {"level": 3}})
    doc = hsds.service_to_hsds(offer, detail="full", url="https://civilmatch.example/offers/1")

    _assert_valid(SERVICE, doc)
    _assert_no_empty(doc)
    assert doc["id"] == offer.uuid and doc["organization_id"] == offer.organisation.uuid
    assert doc["organization"]["id"] == offer.organisation.uuid
    assert doc["name"] == OFFER_DATA["title"] and doc["status"] == "active"
    assert doc["minimum_age"] == 10 and doc["maximum_age"] == 13
    assert doc["eligibility_description"] == OFFER_DATA["target_group"]
    areas = {a["name"]: a for a in doc["service_areas"]}
    assert areas["Vejle"]["uri"] == "https://api.dataforsyningen.dk/kommuner/0630"
    assert areas["København"]["uri"].endswith("/0101")
    assert "0630" in areas["Vejle"]["description"]
    assert doc["fees_description"] == "Gratis"
    assert doc["cost_options"][0]["amount"] == 0 and doc["cost_options"][0]["currency"] == "DKK"
    assert doc["schedules"][0]["description"] == OFFER_DATA["schedule"]
    assert doc["email"] == "lektier@example.org"
    assert doc["phones"][0]["number"] == "+45 12 34 56 78"
    assert doc["contacts"][0]["email"] == "lektier@example.org"
    assert doc["assured_date"] == "2026-03-01"
    assert doc["last_modified"].endswith("Z")
    assert [(lang["name"], lang.get("code")) for lang in doc["languages"]] == [("dansk", "da"), ("tigrinya", "ti")]
    assert doc["url"] == "https://civilmatch.example/offers/1"

    by_taxonomy: dict[str, dict[str, dict]] = {}
    for attr in doc["attributes"]:
        term = attr["taxonomy_term"]
        assert attr["taxonomy_term_id"] == term["id"] and attr["link_id"] == offer.uuid
        by_taxonomy.setdefault(term["taxonomy"], {})[term["code"]] = attr
    assert set(by_taxonomy["civilmatch-tags"]) == {"lektiehjælp", "skole"}
    assert set(by_taxonomy["civilmatch-former"]) == {"gruppe"}
    levels = {code: a["value"] for code, a in by_taxonomy["socialstyrelsen-lovende-praksis"].items()}
    assert len(levels) == 11 and levels["maal"] == "2" and levels["virkning"] == "3" and levels["oekonomi"] == "0"


def test_nationwide_paid_offer_and_empty_optional_fields_are_left_out(session):
    _, offer = _make(session, areas=["Hele landet"], cost="50 kr. pr. gang", schedule="", age_min=None,
                     age_max=None, target_group="", contact={}, languages=[], tags=[], audience=[], formats=[])
    doc = hsds.service_to_hsds(offer, detail="full")
    _assert_valid(SERVICE, doc)
    _assert_no_empty(doc)
    assert doc["service_areas"][0]["name"] == "Hele landet" and "uri" not in doc["service_areas"][0]
    assert doc["fees_description"] == "50 kr. pr. gang"
    assert doc["cost_options"][0]["amount"] == 50 and doc["cost_options"][0]["option"] == "50 kr. pr. gang"
    for key in ("schedules", "minimum_age", "maximum_age", "eligibility_description", "email", "phones",
                "contacts", "languages", "url"):
        assert key not in doc


def test_term_and_taxonomy_ids_are_fixed_uuid5s():
    # Published ids: consumers store them, so they must never change between runs or versions.
    assert hsds.tag_term("lektiehjælp").id == "ff713944-5b24-5849-9586-379cd91d8da5"
    assert hsds.tag_term("Lektiehjælp").id == hsds.tag_term("lektiehjælp").id
    assert hsds.ELEMENT_TERM_BY_CODE["maal"].id == "2bec3281-f3f9-5fe2-8e65-4896cc68555d"
    assert hsds.format_term("gruppe").id == "57d68a89-18d9-5d51-b17f-dcb46977f6df"
    assert hsds.TAGS.id == "45a8580f-366d-5397-93e0-92f0270ac292"
    assert len({t.id for t in hsds.TAXONOMIES}) == len(hsds.TAXONOMIES)


def test_page_object():
    p = hsds.page([{"id": 1}], total=3, page_number=2, per_page=1)
    assert p == {"total_items": 3, "total_pages": 3, "page_number": 2, "size": 1, "first_page": False,
                 "last_page": False, "empty": False, "contents": [{"id": 1}]}
    assert hsds.page([], 0, 1, 25)["empty"] is True and hsds.page([], 0, 1, 25)["last_page"] is True


@pytest.mark.parametrize("name,kind", [
    ("service_full.json", "service"), ("organization_full.json", "organization"),
    ("service_list.json", "page"), ("taxonomy.json", "other"), ("taxonomy_term.json", "other"),
    ("location.json", "other"), ("service_at_location_full.json", "other"), ("base.json", "other"),
])
def test_classify_official_examples(name, kind):
    assert hsds.classify(json.loads((EXAMPLES / name).read_text())) == kind


def test_official_examples_import(session):
    report = hsds.import_hsds(session, hsds.read_documents(EXAMPLES))
    session.commit()
    assert report.offers_created == 1 and report.organisations_created == 1
    # base, location, 2 x service_at_location, tabular, taxonomy, taxonomy list item, 2 x term, csv datapackage
    assert report.skipped == 9  # the JSON examples that are neither a service nor an organization
    assert "9 andre HSDS-objekter sprunget over" in report.summary()
    offer = session.scalar(select(Offer))
    assert offer.uuid == "ac148810-d857-441c-9679-408f346de14b"
    assert offer.organisation.uuid == "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
    assert offer.title == "Community Counselling" and offer.status == "published"
    assert (offer.age_min, offer.age_max) == (12, 100)
    # "MyCity" is no Danish municipality: the service becomes nationwide, and the import says so
    assert offer.areas == ["Hele landet"]
    assert any("ikke en dansk kommune" in w for w in report.warnings)
    assert offer.cost.startswith("Non-NHS patients") and len(offer.cost) <= 200
    assert offer.contact_phone == "+44 1234 234567" and offer.contact_email == "email@example.com"
    assert offer.languages == ["Urdu"]
    assert offer.assured_at == datetime(2005, 1, 1)
    assert offer.schedule.startswith("The service is available from 10 am")

    again = hsds.import_hsds(session, hsds.read_documents(EXAMPLES))
    session.commit()
    assert (again.offers_created, again.offers_unchanged, again.organisations_created) == (0, 1, 0)
    assert session.scalar(select(func.count(Offer.id))) == 1


def test_danish_areas_map_by_kommunekode_uri_or_name(session):
    org = {"id": "7f1b1d3c-6f0a-4d55-8a43-111111111111", "name": "Red Barnet Ungdom",
           "description": "Frivillige aktiviteter for børn og familier i hele landet."}
    service = {"id": "7f1b1d3c-6f0a-4d55-8a43-222222222222", "name": "Familiecamp", "status": "active",
               "organization_id": org["id"],
               "description": "En uges sommerlejr for familier med begrænsede midler.",
               "service_areas": [{"id": "7f1b1d3c-6f0a-4d55-8a43-333333333333", "name": "Vejle Kommune"},
                                 {"id": "7f1b1d3c-6f0a-4d55-8a43-444444444444", "name": "Area 51",
                                  "uri": "https://api.dataforsyningen.dk/kommuner/0751"},
                                 {"id": "7f1b1d3c-6f0a-4d55-8a43-555555555555", "name": "Atlantis"}]}
    report = hsds.import_hsds(session, [("x.json", {"organizations": [org], "services": [service]})])
    session.commit()
    offer = session.scalar(select(Offer))
    assert offer.areas == ["Vejle", "Aarhus"]
    assert any("Atlantis" in w and "sprunget over" in w for w in report.warnings)


def test_bad_file_is_rejected_whole_with_every_problem_listed(session):
    org_id = "0b9f2e8c-1111-4a4a-9b9b-000000000001"
    good = {"id": "0b9f2e8c-1111-4a4a-9b9b-000000000010", "name": "Lektiecafé", "status": "active",
            "organization_id": org_id, "description": "Hjælp til lektier to gange om ugen på biblioteket."}
    short = {**good, "id": "0b9f2e8c-1111-4a4a-9b9b-000000000011", "description": "For kort"}
    bad_fields = {**good, "id": "0b9f2e8c-1111-4a4a-9b9b-000000000012", "email": "ikke-en-mail",
                  "minimum_age": 15, "maximum_age": 9, "status": "lukket",
                  "attributes": [{"id": "0b9f2e8c-1111-4a4a-9b9b-000000000020", "value": "7",
                                  "taxonomy_term": {"id": "0b9f2e8c-1111-4a4a-9b9b-000000000021",
                                                    "name": "Mål", "description": "x", "code": "maal",
                                                    "taxonomy": "socialstyrelsen-lovende-praksis"}}]}
    orphan = {**good, "id": "0b9f2e8c-1111-4a4a-9b9b-000000000013",
              "organization_id": "0b9f2e8c-1111-4a4a-9b9b-999999999999"}
    data = {"organizations": [{"id": org_id, "name": "Lektiehjælpen", "description": "Frivillig forening.",
                               "website": "ikke en adresse"}],
            "services": [good, short, bad_fields, orphan]}

    with pytest.raises(ImportFailed) as caught:
        hsds.import_hsds(session, [("katalog.json", data)])
    session.rollback()

    found = {(p.where.split(" ")[1], p.field) for p in caught.value.problems}
    assert (org_id, "website") in found
    assert ("0b9f2e8c-1111-4a4a-9b9b-000000000011", "description") in found
    for field in ("email", "maximum_age", "status", "attributes.0.value"):
        assert ("0b9f2e8c-1111-4a4a-9b9b-000000000012", field) in found
    assert ("0b9f2e8c-1111-4a4a-9b9b-000000000013", "organization_id") in found
    messages = " ".join(p.message for p in caught.value.problems)
    assert "Ugyldig e-mailadresse" in messages and "Niveau skal være 0, 1, 2 eller 3" in messages
    assert "Intet blev gemt" in str(caught.value)
    # nothing written, not even the valid service or the organisation
    assert session.scalar(select(func.count(Offer.id))) == 0
    assert session.scalar(select(func.count(Organisation.id))) == 0


def test_unreadable_files_are_listed(tmp_path):
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "b.json").write_bytes(b"\xff\xfe")
    with pytest.raises(ImportFailed) as caught:
        hsds.read_documents(tmp_path)
    assert [p.where for p in caught.value.problems] == ["fil a.json", "fil b.json"]
    with pytest.raises(ImportFailed):
        hsds.read_documents(tmp_path / "findes-ikke.json")


def _snapshot(offer: Offer) -> dict:
    return {
        "uuid": offer.uuid, "title": offer.title, "description": offer.description,
        "target_group": offer.target_group, "age_min": offer.age_min, "age_max": offer.age_max,
        "audience": offer.audience, "areas": offer.areas, "formats": offer.formats, "cost": offer.cost,
        "schedule": offer.schedule, "contact_email": offer.contact_email, "contact_phone": offer.contact_phone,
        "tags": offer.tags, "languages": offer.languages, "status": offer.status,
        "assured_at": offer.assured_at, "elements": offer.element_levels(),
        "organisation": {k: getattr(offer.organisation, k)
                         for k in ("uuid", "name", "description", "cvr", "website", "email", "phone")},
    }


def test_export_then_import_into_an_empty_database_gives_the_same_offers(session):
    org = services.create_organisation(session, {"name": "Mødrehjælpen Aarhus", "cvr": "12345678",
                                                 "website": "https://moedre.example", "email": "a@moedre.example",
                                                 "phone": "+45 70 10 20 30",
                                                 "description": "Rådgivning og netværk for gravide og forældre."},
                                       verified=True)
    bare = services.create_organisation(session, {"name": "Lille Forening"}, verified=True)
    services.create_offer(session, org, {**OFFER_DATA, "areas": ["Aarhus", "Skanderborg"],
                                         "audience": ["forældre", "mor"], "formats": ["gruppe", "online"],
                                         "languages": ["dansk", "arabisk"], "assured_at": "2026-02-03",
                                         "elements": {"maal": {"level": 3}, "beskrivelse": {"level": 1}}},
                          status="published")
    services.create_offer(session, org, {**OFFER_DATA, "title": "Kladde til nyt forløb", "cost": "100 kr.",
                                         "areas": ["Hele landet"], "age_min": None, "contact": {}},
                          status="draft")
    services.create_offer(session, bare, {**OFFER_DATA, "title": "Gammelt tilbud", "schedule": ""},
                          status="archived")
    session.commit()
    before = sorted((_snapshot(o) for o in session.scalars(select(Offer))), key=lambda s: s["uuid"])

    exported = json.loads(json.dumps(hsds.export_hsds(session)))
    for service in exported["services"]:
        _assert_valid(SERVICE, service)
    for organization in exported["organizations"]:
        _assert_valid(hsds_schema.object_validator("organization"), organization)

    for org_row in session.scalars(select(Organisation)).all():
        session.delete(org_row)
    session.commit()
    assert session.scalar(select(func.count(Offer.id))) == 0

    report = hsds.import_hsds(session, [("export.json", exported)])
    session.commit()
    assert (report.offers_created, report.organisations_created, report.skipped) == (3, 2, 0)
    after = sorted((_snapshot(o) for o in session.scalars(select(Offer))), key=lambda s: s["uuid"])
    assert len(after) == len(before)
    for b, a in zip(before, after, strict=True):
        for key in b:
            assert a[key] == b[key], key

    again = hsds.import_hsds(session, [("export.json", exported)])
    assert (again.offers_created, again.offers_updated, again.offers_unchanged) == (0, 0, 3)


def test_a_service_with_null_optional_fields_maps_to_empty_texts():
    problems, warnings = [], []
    out = hsds.service_to_exchange("11111111-1111-4111-8111-111111111111",
                                   {"name": "  Lektiecafé  ", "description": None, "eligibility_description": None,
                                    "minimum_age": 6.0, "status": "active"}, None, "test", problems, warnings)
    assert (out["title"], out["description"], out["target_group"]) == ("Lektiecafé", "", "")
    assert out["age_min"] == 6 and out["status"] == "published" and out["areas"] == ["Hele landet"]
