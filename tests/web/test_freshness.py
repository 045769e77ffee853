"""An offer nobody confirms ages: marked and ranked lower after 12 months, hidden after 18, back when confirmed."""
from __future__ import annotations

from datetime import datetime

from freezegun import freeze_time

from tests.helpers import bearer

START = datetime(2026, 1, 10, 9, 0)
TEXT = "Vi søger lektiehjælp til en dreng på 11 år i Vejle"


def _visible_everywhere(client, token, offer_id, title):
    listed = title in client.get("/offers/?kommune=Vejle").get_data(as_text=True)
    page = client.get(f"/offers/{offer_id}").status_code == 200
    api = any(o["id"] == offer_id for o in client.get("/api/v1/offers?municipality=Vejle",
                                                      headers=bearer(token)).get_json()["items"])
    hsds_ids = [s["name"] for s in client.get("/hsds/services").get_json()["contents"]]
    match = [r["offer"]["id"] for r in client.post("/api/v1/match", json={"text": TEXT},
                                                   headers=bearer(token)).get_json()["results"]]
    return {"list": listed, "page": page, "api": api, "hsds": title in hsds_ids, "match": offer_id in match}


def _new_day(app, client, token):
    """The first match of a new day starts the index's rebuild beside the old index; wait for it."""
    client.post("/api/v1/match", json={"text": TEXT}, headers=bearer(token))
    app.extensions["civilmatch.match_index"].wait()


def test_offer_ages_past_12_and_18_months_and_returns_when_confirmed(app, client, factory, login):
    with freeze_time(START):
        org = factory.org("Lektiehjælpen")
        old = factory.offer(org, title="Lektiecafé i biblioteket")
        token = factory.token()
    with freeze_time(datetime(2026, 7, 10)):
        young = factory.offer(org, title="Lektiecafé i medborgerhuset")

    with freeze_time(datetime(2026, 12, 1)):  # 11 months: both fresh
        assert all(_visible_everywhere(client, token, old, "Lektiecafé i biblioteket").values())
        card = client.get("/offers/?kommune=Vejle").get_data(as_text=True)
        assert "Bekræftet aktuel 10. januar 2026" in card
        assert "Ikke bekræftet i over 12 måneder" not in card

    with freeze_time(datetime(2027, 2, 1)):  # 12+ months: still shown, marked, ranked below the confirmed twin
        _new_day(app, client, token)
        seen = _visible_everywhere(client, token, old, "Lektiecafé i biblioteket")
        assert all(seen.values()), seen
        page = client.get(f"/offers/{old}").get_data(as_text=True)
        assert "Ikke bekræftet i over 12 måneder" in page
        assert "Ikke bekræftet i over 12 måneder" not in client.get(f"/offers/{young}").get_data(as_text=True)
        ids = [r["offer"]["id"] for r in client.post("/api/v1/match", json={"text": TEXT},
                                                     headers=bearer(token)).get_json()["results"]]
        assert ids.index(young) < ids.index(old)
        offer_json = client.get(f"/api/v1/offers/{old}", headers=bearer(token)).get_json()
        assert offer_json["assured_date"] == "2026-01-10"

    with freeze_time(datetime(2027, 7, 11)):  # 18+ months: hidden from caseworkers, the API and HSDS
        _new_day(app, client, token)
        seen = _visible_everywhere(client, token, old, "Lektiecafé i biblioteket")
        assert not any(seen.values()), seen
        assert all(_visible_everywhere(client, token, young, "Lektiecafé i medborgerhuset").values())
        # its organisation still sees it and confirms it with one click
        _, email = factory.user("ngo_editor", org_id=org)
        login(email)
        assert client.post(f"/ngo/offers/{old}/assure").status_code == 302
        client.post("/logout")
        seen = _visible_everywhere(client, token, old, "Lektiecafé i biblioteket")
        assert all(seen.values()), seen
        hsds = client.get("/hsds/services").get_json()["contents"]
        assert {s["name"]: s["assured_date"] for s in hsds}["Lektiecafé i biblioteket"] == "2027-07-11"


def test_thresholds_are_configurable(database_url):
    from catalog import freshness
    from web import create_app

    try:
        create_app({"TESTING": True, "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                    "STALE_MONTHS": 3, "HIDDEN_MONTHS": 6})
        assert freshness.state(datetime(2026, 1, 1), now=datetime(2026, 5, 1)) == "stale"
        assert freshness.state(datetime(2026, 1, 1), now=datetime(2026, 7, 2)) == "hidden"
        assert freshness.state(datetime(2026, 1, 1), now=datetime(2026, 3, 31)) == "fresh"
    finally:
        freshness.configure(stale_months=12, hidden_months=18)
