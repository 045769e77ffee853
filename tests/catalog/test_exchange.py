"""The exchange format: all-or-nothing import with every problem named, upsert by external_id, and
import → export → import changes nothing."""
import copy

import pytest
from sqlalchemy import func, select

from catalog.exchange import ImportFailed, export_catalogue, import_catalogue
from catalog.models import ElementAssessment, Offer, Organisation, current_catalog_version

CATALOGUE = {
    "organisations": [
        {"external_id": "org-a", "name": "Familiehuset Åen", "website": "https://example.org/aaen",
         "email": "aaen@example.org", "phone": "+45 12 34 00 01"},
        {"external_id": "org-b", "name": "Sorggruppen Lyset"},
    ],
    "offers": [
        {"external_id": "x-1", "organisation": "org-a", "title": "Familiecafé for nye forældre",
         "description": "Hver onsdag mødes forældre med små børn til kaffe, leg og snak med en sundhedsplejerske.",
         "target_group": "Forældre med børn under 3 år", "age_min": 0, "age_max": 3,
         "audience": ["forældre"], "areas": ["Vejle", "Fredericia"], "formats": ["gruppe"], "cost": "gratis",
         "schedule": "Onsdage kl. 10-12", "contact": {"email": "aaen@example.org", "phone": "+45 12 34 00 01"},
         "tags": ["netværk", "småbørn"]},
        {"external_id": "x-2", "organisation": "org-b", "title": "Sorggruppe for børn",
         "description": "Børn, der har mistet en forælder, mødes med andre børn i samme situation og to frivillige.",
         "target_group": "Børn 7-12 år i sorg", "age_min": 7, "age_max": 12, "audience": ["børn"],
         "areas": ["Hele landet"], "formats": ["gruppe", "online"], "cost": "gratis", "schedule": "",
         "contact": {"email": None, "phone": None}, "tags": ["sorg"],
         "elements": {"teori_og_viden": {"level": 3, "evidence": "Evaluering 2024"},
                      "beskrivelse": {"level": 2, "evidence": "Manual"}}},
    ],
}


def _counts(session):
    return (session.scalar(select(func.count()).select_from(Organisation)),
            session.scalar(select(func.count()).select_from(Offer)))


def test_import_keeps_external_ids_and_verifies_organisations(session):
    report = import_catalogue(session, copy.deepcopy(CATALOGUE))
    session.commit()
    assert (report.offers_created, report.organisations_created) == (2, 2)
    offer = session.scalar(select(Offer).where(Offer.external_id == "x-2"))
    assert offer.areas == ["Hele landet"] and offer.status == "published"
    assert offer.organisation.verified
    assert offer.elements_count == 2


def test_a_bad_record_rejects_the_whole_file_and_names_every_problem(session):
    data = copy.deepcopy(CATALOGUE)
    data["offers"][0]["areas"] = ["Vejel"]
    data["offers"][1]["age_min"] = 14  # > age_max 12
    data["offers"].append({"external_id": "x-3", "organisation": "org-zzz", "title": "Lektiehjælp",
                           "description": "Frivillige hjælper børn med lektier efter skole hver tirsdag.",
                           "areas": ["Odense"], "formats": ["hjemmebesøg", "teleport"]})
    with pytest.raises(ImportFailed) as err:
        import_catalogue(session, data)
    session.rollback()
    problems = {(p.where.split(" ")[1], p.field): p.message for p in err.value.problems}
    assert problems[("x-1", "areas.0")] == "Ukendt kommune 'Vejel' – mente du Vejle?"
    assert ("x-2", "age_max") in problems
    assert ("x-3", "formats.1") in problems
    assert _counts(session) == (0, 0)


def test_unknown_organisation_is_reported_and_nothing_written(session):
    data = copy.deepcopy(CATALOGUE)
    data["offers"][1]["organisation"] = "org-missing"
    with pytest.raises(ImportFailed) as err:
        import_catalogue(session, data)
    session.rollback()
    assert any("Ukendt organisation 'org-missing'" in p.message for p in err.value.problems)
    assert _counts(session) == (0, 0)


def test_not_a_catalogue_is_refused_in_danish(session):
    with pytest.raises(ImportFailed) as err:
        import_catalogue(session, ["not", "an", "object"])
    assert "offers" in str(err.value.problems[0])


def test_reimport_updates_by_external_id(session):
    import_catalogue(session, copy.deepcopy(CATALOGUE))
    session.commit()
    data = copy.deepcopy(CATALOGUE)
    data["offers"][0]["title"] = "Familiecafé for alle nye forældre"
    report = import_catalogue(session, data)
    session.commit()
    assert (report.offers_created, report.offers_updated, report.offers_unchanged) == (0, 1, 1)
    assert _counts(session) == (2, 2)
    assert session.scalar(select(Offer.title).where(Offer.external_id == "x-1")) == "Familiecafé for alle nye forældre"


def test_import_export_import_changes_nothing(session):
    import_catalogue(session, copy.deepcopy(CATALOGUE))
    session.commit()
    first = export_catalogue(session)
    version = current_catalog_version(session)
    report = import_catalogue(session, copy.deepcopy(first))
    session.commit()
    assert report.offers_unchanged == 2 and report.offers_updated == 0 and report.offers_created == 0
    assert export_catalogue(session) == first
    assert current_catalog_version(session) == version  # nothing was rewritten
    assert session.scalar(select(func.count()).select_from(ElementAssessment)) == 2
