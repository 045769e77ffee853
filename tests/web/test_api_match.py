"""POST /api/v1/match: rights, the contract evaluate.py relies on, eligibility, freshness, privacy."""
from __future__ import annotations

import logging

import pytest

from tests.helpers import OFFER_DATA, bearer

NEED = ("Mor til to drenge på 11 og 12 år i Vejle. Drengene har svært ved lektierne og matematik i skolen, "
        "og mor kan ikke selv hjælpe dem.")

CASES = ("none", "caseworker", "ngo_own", "ngo_other", "admin", "no_scope", "revoked", "expired")
EXPECTED = {"none": 401, "caseworker": 200, "ngo_own": 403, "ngo_other": 403, "admin": 200,
            "no_scope": 403, "revoked": 401, "expired": 401}


@pytest.fixture
def world(app, factory):
    from catalog import services
    from web.extensions import db

    org_a = factory.org("Familiehuset Vejle", external_id="org-a")
    org_b = factory.org("Børnenes Venner", external_id="org-b")
    offers = {
        "lektier_vejle": factory.offer(org_a, external_id="lektier-vejle"),
        "lektier_aarhus": factory.offer(org_b, external_id="lektier-aarhus", title="Lektiehjælp i Aarhus",
                                        areas=["Aarhus"]),
        "lektier_small": factory.offer(org_a, external_id="lektier-small", title="Lektieleg for de mindste",
                                       age_min=3, age_max=6),
        "lektier_national": factory.offer(org_b, external_id="lektier-national", title="Lektiehjælp online",
                                          areas=["Hele landet"], formats=["online"], age_min=None, age_max=None),
        "draft": factory.offer(org_a, status="draft", external_id="lektier-draft", title="Lektiecafé kladde"),
    }
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
        "no_scope": factory.token("caseworker", scopes=["conversations"]),
        "revoked": revoked,
        "expired": factory.token("caseworker", days=-1),
    }
    return {"org_a": org_a, "org_b": org_b, "offers": offers, "tokens": tokens}


def post(client, world, body, case="caseworker"):
    token = world["tokens"][case]
    return client.post("/api/v1/match", json=body, headers=bearer(token) if token else {})


@pytest.mark.parametrize("case", CASES)
def test_match_rights(client, world, case):
    r = post(client, world, {"text": NEED}, case)
    assert r.status_code == EXPECTED[case], r.get_json()
    if r.status_code != 200:
        assert NEED not in r.get_data(as_text=True)


def test_contract_that_evaluate_py_reads(client, world):
    r = post(client, world, {"text": NEED, "limit": 10})
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) >= {"understood", "results", "left_out"}
    assert body["results"], body
    for item in body["results"]:
        assert isinstance(item["offer"]["external_id"], str)
        assert isinstance(item["score"], float)
        assert item["reasons"] and all(isinstance(x, str) and x for x in item["reasons"])
        assert {"id", "title", "areas", "organisation", "elements_count", "band"} <= set(item["offer"])
    scores = [item["score"] for item in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert body["understood"]["municipality"] == "Vejle"


def test_only_eligible_offers_by_municipality_and_age(client, world):
    body = post(client, world, {"text": NEED}).get_json()
    got = {item["offer"]["external_id"] for item in body["results"]}
    assert "lektier-vejle" in got and "lektier-national" in got
    assert "lektier-aarhus" not in got      # another municipality
    assert "lektier-small" not in got       # 3-6 years, the children are 11 and 12
    assert "lektier-draft" not in got       # not published
    assert body["left_out"] and all(x["count"] > 0 and x["reason"] for x in body["left_out"])


def test_overrides_replace_what_the_text_says(client, world):
    body = post(client, world, {"text": NEED, "municipality": "Aarhus Kommune", "child_ages": [4]}).get_json()
    got = {item["offer"]["external_id"] for item in body["results"]}
    assert body["understood"]["municipality"] == "Aarhus" and body["understood"]["child_ages"] == [4]
    assert "lektier-vejle" not in got and "lektier-aarhus" not in got  # Aarhus is 10-13 years
    assert "lektier-national" in got


def test_limit_and_offset_page_through_the_ranking(client, world):
    everything = [i["offer"]["id"] for i in post(client, world, {"text": NEED, "limit": 50}).get_json()["results"]]
    assert len(everything) >= 2
    first = post(client, world, {"text": NEED, "limit": 1}).get_json()["results"]
    second = post(client, world, {"text": NEED, "limit": 1, "offset": 1}).get_json()["results"]
    assert [first[0]["offer"]["id"], second[0]["offer"]["id"]] == everything[:2]


def test_offer_edited_via_api_shows_in_next_match(client, world):
    editor = bearer(world["tokens"]["ngo_other"])
    aarhus = world["offers"]["lektier_aarhus"]
    before = {i["offer"]["id"] for i in post(client, world, {"text": NEED}).get_json()["results"]}
    assert aarhus not in before
    r = client.patch(f"/api/v1/offers/{aarhus}", json={"version": 1, "areas": ["Vejle", "Aarhus"]}, headers=editor)
    assert r.status_code == 200
    after = post(client, world, {"text": NEED}).get_json()["results"]
    hit = next(i for i in after if i["offer"]["id"] == aarhus)
    assert hit["offer"]["areas"] == ["Vejle", "Aarhus"] and hit["offer"]["version"] == 2
    # ... and a deleted offer leaves at once.
    assert client.delete(f"/api/v1/offers/{aarhus}", headers=editor).status_code == 204
    assert aarhus not in {i["offer"]["id"] for i in post(client, world, {"text": NEED}).get_json()["results"]}


def test_new_offer_created_via_api_is_found(client, world):
    r = client.post("/api/v1/offers", headers=bearer(world["tokens"]["ngo_own"]),
                    json={**OFFER_DATA, "title": "Matematikklub for skolebørn", "status": "published",
                          "external_id": "matematik-ny"})
    assert r.status_code == 201
    got = {i["offer"]["external_id"] for i in post(client, world, {"text": NEED, "limit": 50}).get_json()["results"]}
    assert "matematik-ny" in got


@pytest.mark.parametrize("body, path, fragment", [
    ({}, "text", "Skal udfyldes."),
    ({"text": ""}, "text", "tegn"),
    ({"text": 42}, "text", "Skal være tekst."),
    ({"text": NEED, "limit": 0}, "limit", "mellem 1 og 50"),
    ({"text": NEED, "limit": 51}, "limit", "mellem 1 og 50"),
    ({"text": NEED, "limit": "mange"}, "limit", "helt tal"),
    ({"text": NEED, "child_ages": [4, 30]}, "child_ages.1", "mellem 0 og 25"),
    ({"text": NEED, "child_ages": "4"}, "child_ages", "liste"),
    ({"text": NEED, "formats": ["dans"]}, "formats.0", "Ukendt form"),
    ({"text": NEED, "municipality": "Vejel"}, "municipality", "mente du Vejle"),
    ({"text": NEED, "offset": -1}, "offset", "mellem 0 og 1000"),
])
def test_bad_bodies_are_422_with_field_paths_and_never_echo_the_text(client, world, caplog, body, path, fragment):
    caplog.set_level(logging.DEBUG)
    r = post(client, world, body)
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert any(fragment in m for m in errors[path]), errors
    assert NEED not in r.get_data(as_text=True)
    assert "Drengene har svært" not in caplog.text


def test_need_text_never_reaches_logs(client, world, caplog):
    caplog.set_level(logging.DEBUG)
    secret = "Sofie på 9 år fra Vejle bliver mobbet i skolen og har brug for en lektiecafé"
    assert post(client, world, {"text": secret}).status_code == 200
    assert post(client, world, {"text": secret, "limit": 99}).status_code == 422
    assert post(client, world, {"text": secret, "municipality": "Atlantis"}).status_code == 422
    assert post(client, world, {"text": secret}, "revoked").status_code == 401
    assert "Sofie" not in caplog.text and "mobbet" not in caplog.text


def test_huge_text_is_refused_cleanly(client, world):
    r = post(client, world, {"text": ("lektiehjælp i Vejle " * 6000)[:100_000]})
    assert r.status_code == 422
    assert r.get_json()["errors"]["text"] == ["Skal være mellem 1 og 20000 tegn."]
    assert "lektiehjælp i Vejle" not in r.get_data(as_text=True)


def test_longest_allowed_text_is_answered(client, world):
    text = (NEED + " ") * (20_000 // (len(NEED) + 1))
    assert len(text) <= 20_000
    r = post(client, world, {"text": text})
    assert r.status_code == 200


def test_rate_limit_answers_429_in_danish(database_url, factory):
    from web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True, "API_MATCH_RATE_LIMIT": "5/minute"})
    try:
        client = app.test_client()
        token = factory.token("caseworker")
        limit = 5
        statuses = [client.post("/api/v1/match", json={"text": "lektiehjælp"}, headers=bearer(token)).status_code
                    for _ in range(limit + 1)]
        assert statuses[:limit] == [200] * limit
        assert statuses[-1] == 429
        last = client.post("/api/v1/match", json={"text": "lektiehjælp"}, headers=bearer(token))
        assert last.status_code == 429
        assert last.get_json()["message"] == "For mange forespørgsler. Vent lidt, og prøv igen."
        # Another token has its own allowance.
        other = factory.token("caseworker")
        assert client.post("/api/v1/match", json={"text": "lektiehjælp"}, headers=bearer(other)).status_code == 200
    finally:
        app.extensions["civilmatch.engine"].dispose()


def test_default_rate_limit_leaves_room_for_an_evaluation_run(app):
    from web.api.match import rate_limit

    with app.app_context():
        count, _, period = rate_limit().partition("/")
        assert period == "minute" and int(count) >= 300


def test_match_offer_json_equals_get_offer_and_follows_reviews(app, client, world, factory):
    from catalog import services
    from catalog.models import Offer, User
    from web.extensions import db

    vejle = world["offers"]["lektier_vejle"]
    reader = bearer(world["tokens"]["caseworker"])
    client.patch(f"/api/v1/offers/{vejle}", headers=bearer(world["tokens"]["ngo_own"]),
                 json={"version": 1, "elements": {"maal": {"level": 3, "evidence": "Skriftlige mål for hvert barn."}},
                       "assured_at": "2026-01-15"})

    def from_match():
        results = post(client, world, {"text": NEED}).get_json()["results"]
        return next(i["offer"] for i in results if i["offer"]["id"] == vejle)

    first = from_match()
    assert first == client.get(f"/api/v1/offers/{vejle}", headers=reader).get_json()
    assert first["elements"]["maal"] == {"level": 3, "evidence": "Skriftlige mål for hvert barn.",
                                         "reviewed_level": None, "review_note": None, "effective_level": 3}
    admin_id, _ = factory.user("admin")
    with app.app_context():
        offer = db.session.get(Offer, vejle)
        services.review_element(db.session, offer, "maal", 1, "Målene er ikke målbare.", db.session.get(User, admin_id))
        db.session.commit()
    second = from_match()
    assert second["elements"]["maal"]["reviewed_level"] == 1 and second["elements"]["maal"]["effective_level"] == 1
    assert second == client.get(f"/api/v1/offers/{vejle}", headers=reader).get_json()


def test_offers_of_an_organisation_that_loses_verification_leave_the_results(app, client, world):
    from catalog import services
    from catalog.models import Organisation
    from web.extensions import db

    assert "lektier-vejle" in {i["offer"]["external_id"] for i in post(client, world, {"text": NEED}).get_json()["results"]}
    with app.app_context():
        services.set_verified(db.session, db.session.get(Organisation, world["org_a"]), False)
        db.session.commit()
    got = {i["offer"]["external_id"] for i in post(client, world, {"text": NEED}).get_json()["results"]}
    assert "lektier-vejle" not in got and "lektier-national" in got


@pytest.mark.parametrize("data", ["{ikke json", "[1, 2]", "null", '"tekst"'])
def test_body_that_is_not_a_json_object_is_422(client, world, data):
    r = client.post("/api/v1/match", data=data, content_type="application/json",
                    headers=bearer(world["tokens"]["caseworker"]))
    assert r.status_code == 422
    assert r.get_json()["errors"] == {"_schema": [r.get_json()["errors"]["_schema"][0]]}
    assert "JSON" in r.get_json()["errors"]["_schema"][0] or "objekt" in r.get_json()["errors"]["_schema"][0]


def test_nationwide_override_searches_everywhere_and_blank_means_not_given(client, world):
    body = post(client, world, {"text": NEED, "municipality": "Hele landet"}).get_json()
    got = {i["offer"]["external_id"] for i in body["results"]}
    assert body["understood"]["municipality"] is None
    assert {"lektier-vejle", "lektier-aarhus"} <= got
    body = post(client, world, {"text": NEED, "municipality": " "}).get_json()
    assert body["understood"]["municipality"] == "Vejle"


STORY = ("Jeg er alene med to drenge på 11 og 12, og vi flyttede til Vejle sidste år, så jeg kender ikke så mange "
         "her endnu. Det går nogenlunde, men drengene er kommet langt bagud i skolen. De har svært ved lektierne, "
         "især matematik, og jeg kan ikke selv hjælpe dem, for jeg forstår det ikke. Hvor kan de få hjælp til "
         "lektierne efter skole?")


def test_understood_shows_a_storys_main_need_first_and_the_others_as_context(client, world):
    r = post(client, world, {"text": STORY, "limit": 5})
    assert r.status_code == 200
    concepts = r.get_json()["understood"]["concepts"]
    assert concepts[0]["key"] == "lektiehjaelp_skole" and concepts[0]["role"] == "main"
    assert any("lektierne" in w for w in concepts[0]["words"])
    assert len(concepts) > 1 and all(c["role"] == "context" for c in concepts[1:])
    assert all(c["weight"] < concepts[0]["weight"] for c in concepts[1:])
