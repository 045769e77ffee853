"""Two processes over one database (two app instances here): an edit made through one is matched by the
other at its next request, without a restart."""
from tests.helpers import OFFER_DATA, bearer


def test_an_edit_in_one_process_shows_in_the_next_match_of_another(app, database_url, factory):
    from web import create_app

    other = create_app({"TESTING": True, "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    org = factory.org("Sorgforeningen Kolding")
    token = factory.token("admin")
    first, second = app.test_client(), other.test_client()
    need = {"text": "Pige på 10 har mistet sin mor og har brug for en sorggruppe. Bor i Kolding."}

    assert second.post("/api/v1/match", json=need, headers=bearer(token)).get_json()["results"] == []
    created = first.post("/api/v1/offers", headers=bearer(token), json={
        **OFFER_DATA, "organisation": str(org), "title": "Sorggruppe for børn", "status": "published",
        "description": "Børn, der har mistet en forælder, mødes i en sorggruppe med andre børn og frivillige.",
        "areas": ["Kolding"], "age_min": 7, "age_max": 12, "tags": ["sorg"]})
    assert created.status_code == 201, created.get_json()
    offer = created.get_json()
    hits = second.post("/api/v1/match", json=need, headers=bearer(token)).get_json()["results"]
    assert [h["offer"]["id"] for h in hits] == [offer["id"]]

    # Archive through the first process: gone from the second at once.
    r = first.patch(f"/api/v1/offers/{offer['id']}", headers=bearer(token),
                    json={"status": "archived", "version": offer["version"]})
    assert r.status_code == 200, r.get_json()
    assert second.post("/api/v1/match", json=need, headers=bearer(token)).get_json()["results"] == []
    other.extensions["civilmatch.engine"].dispose()
