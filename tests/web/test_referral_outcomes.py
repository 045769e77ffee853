"""Referral outcomes from a shortlist: stored with no text about the family (every table is read), counted per
offer for its organisation and admins, shown as "N henvisninger, M startet" only from 5, also in the API;
"no longer exists" twice flags the offer."""
from __future__ import annotations

from tests.web.test_chat import follow

import json

import pytest
from sqlalchemy import select

from tests.helpers import bearer

NEED = ("Mor på 31 i Vejle med en dreng på 11 år, Mikkel Skovgaard, der har svært ved lektierne efter "
        "skilsmissen og ondt i maven hver morgen. Ring på 20 30 40 50.")
SECRET_WORDS = ["Mikkel", "Skovgaard", "skilsmissen", "ondt i maven", "20 30 40 50", "Mor på 31"]


@pytest.fixture
def world(factory, login):
    org = factory.org("Lektiehjælpen")
    offer = factory.offer(org, title="Lektiecafé i Vejle", areas=["Vejle"])
    _, email = factory.user("caseworker", home="Vejle")
    login(email)
    return {"org": org, "offer": offer}


def _conversation_with_offer(client, offer_id) -> str:
    url, _page = follow(client, client.post("/chat/", data={"text": NEED}))
    added = client.post(url + "/liste", data={"offer_id": str(offer_id), "note": "Ring til mor om Mikkel"})
    assert added.status_code == 303
    return url.rstrip("/").rsplit("/", 1)[1]


def _all_rows(app) -> dict[str, list]:
    from catalog.db import Base
    from web.extensions import db

    with app.app_context():
        return {t.name: [tuple(r) for r in db.session.execute(select(t)).all()]
                for t in Base.metadata.sorted_tables}


def test_outcome_is_stored_without_any_text_about_the_family(app, client, world):
    conv = _conversation_with_offer(client, world["offer"])
    page = client.get(f"/chat/{conv}").get_data(as_text=True)
    assert f'action="/indsigt/udfald/{conv}/{world["offer"]}"' in page
    response = client.post(f"/indsigt/udfald/{conv}/{world['offer']}", data={"outcome": "started"})
    assert response.status_code == 303
    assert "er registreret" in client.get(response.headers["Location"]).get_data(as_text=True)

    rows = _all_rows(app)
    (outcome,) = rows["referral_outcome"]
    _, offer_id, kind, municipality, week, concepts = outcome
    assert (offer_id, kind, municipality) == (world["offer"], "started", "Vejle")
    assert len(week) == 8 and week[4:6] == "-W"
    assert concepts and all(k.replace("_", "").isalnum() and k.islower() for k in concepts)
    assert rows["match_event"] and rows["match_need"]  # the chat's match was counted for the map

    # The caseworker deletes the conversation: nothing anywhere still says anything about the family.
    assert client.post(f"/chat/{conv}/slet").status_code == 303
    dump = json.dumps(_all_rows(app), default=str, ensure_ascii=False)
    for word in SECRET_WORDS:
        assert word not in dump, word
    assert _all_rows(app)["referral_outcome"] == rows["referral_outcome"]


def test_bad_outcome_and_someone_elses_conversation_change_nothing(app, client, factory, login, world):
    conv = _conversation_with_offer(client, world["offer"])
    response = client.post(f"/indsigt/udfald/{conv}/{world['offer']}", data={"outcome": "fint"})
    assert "Vælg, hvad der skete" in client.get(response.headers["Location"]).get_data(as_text=True)
    client.post("/logout")
    _, other = factory.user("caseworker")
    login(other)
    assert client.post(f"/indsigt/udfald/{conv}/{world['offer']}", data={"outcome": "started"}).status_code == 404
    assert _all_rows(app)["referral_outcome"] == []


def _record(app, offer_id, outcome, n):
    from catalog import outcomes
    from catalog.models import Offer
    from web.extensions import db

    with app.app_context():
        offer = db.session.get(Offer, offer_id)
        for _ in range(n):
            outcomes.record(db.session, offer, outcome, municipality="Vejle", concepts=["lektiehjaelp_skole"])
        db.session.commit()


def test_counts_appear_from_five_referrals_and_small_counts_stay_hidden(app, client, factory, world):
    token = factory.token("caseworker")
    offer = world["offer"]
    _record(app, offer, "started", 2)
    _record(app, offer, "contact", 2)
    assert "henvisninger" not in client.get(f"/offers/{offer}").get_data(as_text=True)
    api = client.get(f"/api/v1/insights/offers/{offer}/referrals", headers=bearer(token)).get_json()
    assert api == {"offer_id": offer, "referrals": None, "started": None, "suppressed": True}

    _record(app, offer, "no_capacity", 1)
    assert "5 henvisninger, færre end 5 startet" in client.get(f"/offers/{offer}").get_data(as_text=True)
    api = client.get(f"/api/v1/insights/offers/{offer}/referrals", headers=bearer(token)).get_json()
    assert api == {"offer_id": offer, "referrals": 5, "started": None, "suppressed": False}

    _record(app, offer, "started", 3)
    assert "8 henvisninger, 5 startet" in client.get(f"/offers/{offer}").get_data(as_text=True)
    assert client.get(f"/api/v1/insights/offers/{offer}/referrals",
                      headers=bearer(token)).get_json()["started"] == 5


def test_no_longer_exists_twice_flags_the_offer_for_its_organisation_and_the_admin(app, client, factory, login,
                                                                                    world):
    offer = world["offer"]
    _record(app, offer, "gone", 1)
    client.post("/logout")
    _, admin = factory.user("admin")
    login(admin)
    assert "Meldt ophørt" not in client.get("/admin/referrals").get_data(as_text=True)
    _record(app, offer, "gone", 1)
    page = client.get("/admin/referrals").get_data(as_text=True)
    assert "Lektiecafé i Vejle" in page and "Meldt ophørt af flere sagsbehandlere" in page
    assert "under 5" in page  # two reports are not shown as a number
    client.post("/logout")
    _, editor = factory.user("ngo_editor", org_id=world["org"])
    login(editor)
    assert "Meldt ophørt af flere sagsbehandlere" in client.get("/indsigt/organisation").get_data(as_text=True)
