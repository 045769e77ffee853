"""/api/v1/offers: who may read and write, validation with field paths, optimistic locking, filters."""
from __future__ import annotations

import json

import pytest

from tests.helpers import OFFER_DATA, bearer

CASES = ("none", "caseworker", "ngo_own", "ngo_other", "admin", "no_scope", "revoked", "expired")


@pytest.fixture
def world(app, factory):
    """Two verified organisations with one published offer each, and one token per case."""
    from catalog import services
    from web.extensions import db

    org_a = factory.org("Familiehuset Vejle", external_id="org-a")
    org_b = factory.org("Børnenes Venner", external_id="org-b")
    offer_a = factory.offer(org_a, external_id="ext-a")
    offer_b = factory.offer(org_b, external_id="ext-b", title="Ferielejr for familier", areas=["Aarhus"],
                            formats=["ferie"], age_min=6, age_max=12)
    revoked = factory.token("caseworker")
    with app.app_context():
        services.revoke_token(db.session, revoked[:10])
        db.session.commit()
    tokens = {
        "none": None,
        "caseworker": factory.token("caseworker"),
        "ngo_own": factory.token("ngo_editor", org_a),
        "ngo_other": factory.token("ngo_editor", org_b),
        "admin": factory.token("admin"),
        "no_scope": factory.token("admin", scopes=[]),
        "revoked": revoked,
        "expired": factory.token("caseworker", days=-1),
    }
    return {"org_a": org_a, "org_b": org_b, "offer_a": offer_a, "offer_b": offer_b, "tokens": tokens}


def headers(world, case):
    token = world["tokens"][case]
    return bearer(token) if token else {}


def offer_row(app, offer_id):
    from catalog.models import Offer
    from web.extensions import db

    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        if offer is None:
            return None
        return {"title": offer.title, "version": offer.version, "organisation_id": offer.organisation_id,
                "areas": offer.areas}


READ_EXPECTED = {"none": 401, "caseworker": 200, "ngo_own": 200, "ngo_other": 200, "admin": 200,
                 "no_scope": 200, "revoked": 401, "expired": 401}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("path", ["/api/v1/offers", "/api/v1/offers/{id}", "/api/v1/offers/external/ext-a"])
def test_reading_needs_any_valid_token(client, world, case, path):
    r = client.get(path.format(id=world["offer_a"]), headers=headers(world, case))
    assert r.status_code == READ_EXPECTED[case], r.get_json()
    if r.status_code == 401:
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.get_json()["code"] == 401
    else:
        body = r.get_json()
        offers = body["items"] if "items" in body else [body]
        assert world["offer_a"] in [o["id"] for o in offers]


CREATE_EXPECTED = {"none": 401, "caseworker": 403, "ngo_own": 201, "ngo_other": 201, "admin": 201,
                   "no_scope": 403, "revoked": 401, "expired": 401}


@pytest.mark.parametrize("case", CASES)
def test_create_rights(app, client, world, case):
    body = {**OFFER_DATA, "title": "Nyt tilbud om lektiehjælp", "organisation": "org-a"}
    r = client.post("/api/v1/offers", json=body, headers=headers(world, case))
    assert r.status_code == CREATE_EXPECTED[case], r.get_json()
    if r.status_code == 201:
        created = r.get_json()
        # An editor always creates in the token's own organisation, whatever the body says.
        expected_org = world["org_b"] if case == "ngo_other" else world["org_a"]
        assert created["organisation"]["id"] == expected_org
        assert offer_row(app, created["id"])["organisation_id"] == expected_org
        assert created["status"] == "draft" and created["version"] == 1


EDIT_EXPECTED = {"none": 401, "caseworker": 403, "ngo_own": 200, "ngo_other": 403, "admin": 200,
                 "no_scope": 403, "revoked": 401, "expired": 401}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_update_rights(app, client, world, case, method):
    body = {"title": "Lektiecafé med ny titel", "version": 1}
    if method == "PUT":
        body = {**OFFER_DATA, **body}
    r = client.open(f"/api/v1/offers/{world['offer_a']}", method=method, json=body, headers=headers(world, case))
    assert r.status_code == EDIT_EXPECTED[case], r.get_json()
    row = offer_row(app, world["offer_a"])
    if r.status_code == 200:
        assert r.get_json()["title"] == "Lektiecafé med ny titel" and r.get_json()["version"] == 2
        assert row["title"] == "Lektiecafé med ny titel"
    else:
        assert row["title"] == OFFER_DATA["title"] and row["version"] == 1


DELETE_EXPECTED = {"none": 401, "caseworker": 403, "ngo_own": 204, "ngo_other": 403, "admin": 204,
                   "no_scope": 403, "revoked": 401, "expired": 401}


@pytest.mark.parametrize("case", CASES)
def test_delete_rights(app, client, world, case):
    r = client.delete(f"/api/v1/offers/{world['offer_a']}", headers=headers(world, case))
    assert r.status_code == DELETE_EXPECTED[case]
    assert (offer_row(app, world["offer_a"]) is None) == (r.status_code == 204)


def test_unknown_offer_is_404_json(client, world):
    h = headers(world, "admin")
    for r in (client.get("/api/v1/offers/999999", headers=h),
              client.get("/api/v1/offers/external/nope", headers=h),
              client.patch("/api/v1/offers/999999", json={"version": 1}, headers=h)):
        assert r.status_code == 404 and r.get_json()["message"] == "Tilbuddet findes ikke."


def test_draft_is_hidden_from_caseworker_but_seen_by_own_editor(client, factory, world):
    draft = factory.offer(world["org_a"], status="draft", title="Kladde til nyt tilbud")
    assert client.get(f"/api/v1/offers/{draft}", headers=headers(world, "caseworker")).status_code == 404
    assert client.get(f"/api/v1/offers/{draft}", headers=headers(world, "ngo_other")).status_code == 404
    assert client.get(f"/api/v1/offers/{draft}", headers=headers(world, "ngo_own")).status_code == 200
    r = client.get(f"/api/v1/offers?status=draft&organisation_id={world['org_a']}",
                   headers=headers(world, "ngo_own"))
    assert [o["id"] for o in r.get_json()["items"]] == [draft]
    r = client.get("/api/v1/offers?status=draft", headers=headers(world, "caseworker"))
    assert r.status_code == 403


def test_offer_json_has_exchange_fields_ids_organisation_and_profile(client, world):
    r = client.get(f"/api/v1/offers/{world['offer_a']}", headers=headers(world, "caseworker"))
    offer = r.get_json()
    assert offer["id"] == world["offer_a"] and offer["external_id"] == "ext-a" and len(offer["uuid"]) == 36
    assert offer["organisation"] == {"id": world["org_a"], "name": "Familiehuset Vejle", "external_id": "org-a"}
    assert offer["areas"] == ["Vejle"] and offer["formats"] == ["gruppe"] and offer["age_min"] == 10
    assert offer["status"] == "published" and offer["version"] == 1 and offer["updated_at"]
    assert len(offer["elements"]) == 11
    assert set(offer["elements"]["maal"]) >= {"level", "evidence", "reviewed_level", "effective_level"}
    assert offer["elements_count"] == 0 and offer["band"] == "Under udvikling"
    assert r.headers["ETag"] == '"1"'


# --- validation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change, path, fragment", [
    ({"areas": ["Vejel"]}, "areas.0", "mente du Vejle"),
    ({"age_min": 14, "age_max": 10}, "age_max", "Højeste alder"),
    ({"formats": ["gruppe", "dans"]}, "formats.1", "Ukendt form"),
    ({"age_min": "ti"}, "age_min", "Skal være et helt tal."),
    ({"areas": "Vejle"}, "areas", "Skal være en liste."),
    ({"contact": {"email": "ikke-en-mail"}}, "contact.email", "Ugyldig e-mailadresse."),
    ({"elements": {"maal": {"level": 7}}}, "elements.maal.level", "Niveau skal være 0, 1, 2 eller 3."),
    ({"title": None}, "title", "Skal udfyldes."),
])
def test_create_with_bad_data_is_422_with_field_path(app, client, world, change, path, fragment):
    before = client.get(f"/api/v1/offers?status=all&organisation_id={world['org_a']}",
                        headers=headers(world, "ngo_own")).get_json()["total"]
    r = client.post("/api/v1/offers", json={**OFFER_DATA, **change}, headers=headers(world, "ngo_own"))
    assert r.status_code == 422
    body = r.get_json()
    assert body["code"] == 422
    assert any(fragment in m for m in body["errors"][path]), body
    after = client.get(f"/api/v1/offers?status=all&organisation_id={world['org_a']}",
                       headers=headers(world, "ngo_own")).get_json()["total"]
    assert after == before


def test_missing_title_is_named(client, world):
    body = {k: v for k, v in OFFER_DATA.items() if k != "title"}
    r = client.post("/api/v1/offers", json=body, headers=headers(world, "ngo_own"))
    assert r.status_code == 422 and r.get_json()["errors"]["title"] == ["Skal udfyldes."]


def test_body_that_is_not_an_object_is_422(client, world):
    for data in ("[1, 2]", "ikke json", '"tekst"'):
        r = client.post("/api/v1/offers", data=data, content_type="application/json",
                        headers=headers(world, "ngo_own"))
        assert r.status_code == 422 and "_schema" in r.get_json()["errors"]


def test_admin_must_name_an_existing_organisation(client, world):
    h = headers(world, "admin")
    r = client.post("/api/v1/offers", json=OFFER_DATA, headers=h)
    assert r.status_code == 422 and "organisation" in r.get_json()["errors"]
    r = client.post("/api/v1/offers", json={**OFFER_DATA, "organisation": "findes-ikke"}, headers=h)
    assert r.status_code == 422 and r.get_json()["errors"]["organisation"] == ["Ukendt organisation."]
    r = client.post("/api/v1/offers", json={**OFFER_DATA, "organisation": world["org_b"]}, headers=h)
    assert r.status_code == 201 and r.get_json()["organisation"]["id"] == world["org_b"]


def test_duplicate_external_id_is_422(client, world):
    r = client.post("/api/v1/offers", json={**OFFER_DATA, "external_id": "ext-b"}, headers=headers(world, "ngo_own"))
    assert r.status_code == 422 and "external_id" in r.get_json()["errors"]


def test_update_without_version_is_422_and_changes_nothing(app, client, world):
    r = client.patch(f"/api/v1/offers/{world['offer_a']}", json={"title": "Uden version"},
                     headers=headers(world, "ngo_own"))
    assert r.status_code == 422 and "version" in r.get_json()["errors"]
    assert offer_row(app, world["offer_a"])["title"] == OFFER_DATA["title"]


def test_bad_update_is_422_and_changes_nothing(app, client, world):
    r = client.patch(f"/api/v1/offers/{world['offer_a']}",
                     json={"version": 1, "title": "Ny titel her", "areas": ["Atlantis"]},
                     headers=headers(world, "ngo_own"))
    assert r.status_code == 422 and "areas.0" in r.get_json()["errors"]
    assert offer_row(app, world["offer_a"]) == {"title": OFFER_DATA["title"], "version": 1,
                                                "organisation_id": world["org_a"], "areas": ["Vejle"]}


# --- optimistic locking ------------------------------------------------------------------------------------

def test_stale_version_is_409_with_current_version_and_nothing_overwritten(app, client, world):
    h = headers(world, "ngo_own")
    url = f"/api/v1/offers/{world['offer_a']}"
    first = client.patch(url, json={"version": 1, "title": "Første redaktørs titel"}, headers=h)
    assert first.status_code == 200 and first.get_json()["version"] == 2
    stale = client.patch(url, json={"version": 1, "title": "Anden redaktørs titel", "areas": ["Aarhus"]}, headers=h)
    assert stale.status_code == 409
    assert stale.get_json()["current_version"] == 2
    assert offer_row(app, world["offer_a"]) == {"title": "Første redaktørs titel", "version": 2,
                                                "organisation_id": world["org_a"], "areas": ["Vejle"]}


def test_if_match_header_carries_the_version(app, client, world):
    h = headers(world, "ngo_own")
    url = f"/api/v1/offers/{world['offer_a']}"
    etag = client.get(url, headers=h).headers["ETag"]
    r = client.patch(url, json={"title": "Titel via If-Match"}, headers={**h, "If-Match": etag})
    assert r.status_code == 200
    r = client.patch(url, json={"title": "For sent"}, headers={**h, "If-Match": etag})
    assert r.status_code == 409 and r.get_json()["current_version"] == 2
    assert offer_row(app, world["offer_a"])["title"] == "Titel via If-Match"


def test_get_edit_put_round_trip(app, client, world):
    h = headers(world, "ngo_own")
    url = f"/api/v1/offers/{world['offer_a']}"
    offer = client.get(url, headers=h).get_json()
    offer["title"] = "Rundtur uden tab"
    offer["elements"]["maal"]["level"] = 2
    offer["elements"]["maal"]["evidence"] = "Hvert barn har to skriftlige mål, som vi følger op på hver måned."
    r = client.put(url, json=offer, headers=h)
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["title"] == "Rundtur uden tab" and out["elements"]["maal"]["level"] == 2
    assert out["organisation"]["id"] == world["org_a"] and out["external_id"] == "ext-a"


# --- list and filters ----------------------------------------------------------------------------------

def test_created_offer_appears_in_filtered_list(client, world):
    h = headers(world, "ngo_own")
    body = {**OFFER_DATA, "title": "Babysalmesang i Kolding", "areas": ["Kolding"], "age_min": 0, "age_max": 1,
            "formats": ["gruppe", "aktivitet"], "status": "published", "external_id": "ext-new"}
    created = client.post("/api/v1/offers", json=body, headers=h)
    assert created.status_code == 201
    new_id = created.get_json()["id"]
    reader = headers(world, "caseworker")

    def ids(query):
        r = client.get("/api/v1/offers" + query, headers=reader)
        assert r.status_code == 200, r.get_json()
        return [o["id"] for o in r.get_json()["items"]]

    assert new_id in ids("?municipality=Kolding&age=1&format=aktivitet&free=true")
    assert new_id not in ids("?municipality=Vejle")
    assert new_id not in ids("?municipality=Kolding&age=5")
    assert new_id not in ids("?format=ferie")
    assert ids("?format=ferie&format=online") == [world["offer_b"]]
    assert new_id in ids(f"?organisation_id={world['org_a']}&band=under_udvikling")
    assert ids(f"?organisation_id={world['org_b']}") == [world["offer_b"]]
    r = client.get("/api/v1/offers/external/ext-new", headers=reader)
    assert r.status_code == 200 and r.get_json()["id"] == new_id


def test_pagination_envelope_and_header(client, factory, world):
    for i in range(3):
        factory.offer(world["org_a"], title=f"Ekstra tilbud nr. {i}")
    r = client.get("/api/v1/offers?per_page=2&page=2", headers=headers(world, "caseworker"))
    body = r.get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (2, 2, 5, 3)
    assert len(body["items"]) == 2
    assert json.loads(r.headers["X-Pagination"]) == {"page": 2, "per_page": 2, "total": 5, "pages": 3}


@pytest.mark.parametrize("query, path, fragment", [
    ("?municipality=Vejel", "municipality", "mente du Vejle"),
    ("?age=gammel", "age", "helt tal"),
    ("?format=dans", "format.0", "Ukendt form"),
    ("?per_page=1000", "per_page", "mellem 1 og 100"),
    ("?free=måske", "free", "sand eller falsk"),
    ("?band=guld", "band", "Ukendt"),
])
def test_bad_filters_are_422_with_danish_field_paths(client, world, query, path, fragment):
    r = client.get("/api/v1/offers" + query, headers=headers(world, "caseworker"))
    assert r.status_code == 422, r.get_json()
    assert any(fragment in m for m in r.get_json()["errors"][path]), r.get_json()


def test_unverified_organisation_offers_are_not_listed(client, factory, world):
    hidden_org = factory.org("Ikke verificeret", verified=False)
    hidden = factory.offer(hidden_org, title="Skjult tilbud fra ny forening")
    ids = [o["id"] for o in client.get("/api/v1/offers?per_page=100", headers=headers(world, "caseworker"))
           .get_json()["items"]]
    assert hidden not in ids and world["offer_a"] in ids
    assert client.get(f"/api/v1/offers/{hidden}", headers=headers(world, "caseworker")).status_code == 404
