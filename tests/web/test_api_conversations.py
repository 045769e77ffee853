"""/api/v1/conversations: lifecycle, owner isolation (404 for another token), shortlist, errors."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.helpers import bearer

FIRST = "Far i Aarhus med en søn på 10 år. Han drikker, og familien har store problemer med gæld."


@pytest.fixture
def offers(factory):
    org = factory.org(name="Familiehuset Aarhus")
    return {
        "debt": factory.offer(org, title="Gældsrådgivning", description="Rådgivning om gæld og økonomi.",
                              areas=["Aarhus"], age_min=None, age_max=None, tags=["gæld", "økonomi"],
                              formats=["individuel"], cost="gratis", contact={"email": "gaeld@example.org"}),
        "alcohol": factory.offer(org, title="Børn i familier med alkohol",
                                 description="Samtalegruppe for børn, hvis forældre drikker for meget.",
                                 areas=["Aarhus"], age_min=8, age_max=14, tags=["alkohol", "misbrug"],
                                 formats=["gruppe"], cost="gratis", contact={"email": "alko@example.org"}),
        "online": factory.offer(org, title="Gæld online", description="Vejledning om gæld over video.",
                                areas=["Hele landet"], age_min=None, age_max=None, tags=["gæld"],
                                formats=["online"], cost="gratis", contact={"email": "online@example.org"}),
    }


@pytest.fixture
def token(factory):
    return factory.token(role="caseworker", scopes=["conversations"])


def create(client, token, **body):
    response = client.post("/api/v1/conversations", json=body, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_lifecycle(client, offers, token):
    conv_id = create(client, token)
    assert len(conv_id) == 36

    response = client.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": FIRST}, headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"reply", "understood", "results", "question"}
    assert body["understood"]["municipality"] == "Aarhus"
    assert body["understood"]["child_ages"] == [10]
    assert {n["key"] for n in body["understood"]["needs"]} >= {"misbrug_familie", "oekonomi_gaeld"}
    assert body["results"]
    first = body["results"][0]
    assert {"offer_id", "title", "organisation", "reasons", "areas", "cost", "contact", "assured_at"} <= set(first)
    assert "Jeg fandt" in body["reply"]

    response = client.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "ikke online"},
                           headers=bearer(token))
    body = response.get_json()
    assert body["changes"] == ["Ikke online."]
    assert body["understood"]["excluded_formats"] == ["online"]

    response = client.post(f"/api/v1/conversations/{conv_id}/shortlist",
                           json={"offer_id": offers["debt"], "need": "Økonomi og gæld", "note": "Ring 20304050"},
                           headers=bearer(token))
    assert response.status_code == 201
    assert response.get_json()["shortlist"][0]["need"] == "Økonomi og gæld"
    assert response.get_json()["shortlist"][0]["offers"][0]["note"] == "Ring [telefonnummer]"

    response = client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user", "assistant"]
    # the history is what was understood, never the typed text
    assert "text" not in body["messages"][0] and FIRST not in response.get_data(as_text=True)
    assert "Kommune: Aarhus" in body["messages"][0]["summary"] and "Barn: 10 år" in body["messages"][0]["summary"]
    assert body["understood"]["excluded_formats"] == ["online"]
    assert body["shortlist"][0]["offers"][0]["offer"]["id"] == offers["debt"]

    response = client.get(f"/api/v1/conversations/{conv_id}/plan", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["needs"][0]["offers"][0]["offer"]["title"] == "Gældsrådgivning"

    response = client.delete(f"/api/v1/conversations/{conv_id}/shortlist", json={"offer_id": offers["debt"]},
                             headers=bearer(token))
    assert response.status_code == 200 and response.get_json()["shortlist"] == []
    response = client.delete(f"/api/v1/conversations/{conv_id}/shortlist?offer_id={offers['debt']}",
                             headers=bearer(token))
    assert response.status_code == 404

    response = client.delete(f"/api/v1/conversations/{conv_id}", headers=bearer(token))
    assert response.status_code == 204
    assert client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(token)).status_code == 404


def test_another_token_gets_404_everywhere(client, factory, offers, token):
    conv_id = create(client, token)
    client.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": FIRST}, headers=bearer(token))
    other = factory.token(role="caseworker", scopes=["conversations"])
    base = f"/api/v1/conversations/{conv_id}"
    assert client.get(base, headers=bearer(other)).status_code == 404
    assert client.post(base + "/messages", json={"text": "kun gratis"}, headers=bearer(other)).status_code == 404
    assert client.post(base + "/shortlist", json={"offer_id": offers["debt"]},
                       headers=bearer(other)).status_code == 404
    assert client.delete(base + "/shortlist", json={"offer_id": offers["debt"]},
                         headers=bearer(other)).status_code == 404
    assert client.get(base + "/plan", headers=bearer(other)).status_code == 404
    assert client.delete(base, headers=bearer(other)).status_code == 404
    # still there for its owner, unchanged
    body = client.get(base, headers=bearer(token)).get_json()
    assert len(body["messages"]) == 2


def test_a_web_users_conversation_is_404_for_a_token(client, factory, login, offers, token):
    _, email = factory.user(role="caseworker")
    login(email)
    conv_id = client.post("/chat/json", data={"text": FIRST}).get_json()["id"]
    assert client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(token)).status_code == 404


def test_unknown_and_malformed_ids_are_404(client, token):
    assert client.get("/api/v1/conversations/00000000-0000-4000-8000-000000000000",
                      headers=bearer(token)).status_code == 404
    assert client.get("/api/v1/conversations/not-a-uuid", headers=bearer(token)).status_code == 404


def test_expired_conversation_is_404_and_deleted(app, client, offers, token):
    from catalog.models import Conversation
    from web.extensions import db

    conv_id = create(client, token)
    with app.app_context():
        conv = db.session.get(Conversation, conv_id)
        conv.expires_at = conv.expires_at - timedelta(hours=25)
        db.session.commit()
    assert client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(token)).status_code == 404
    with app.app_context():
        assert db.session.get(Conversation, conv_id) is None


def test_retention_comes_from_the_configuration(app, client, token):
    from catalog.models import Conversation
    from web.extensions import db

    app.config["CONVERSATION_RETENTION_HOURS"] = 2
    conv_id = create(client, token)
    with app.app_context():
        conv = db.session.get(Conversation, conv_id)
        assert conv.expires_at - conv.created_at == timedelta(hours=2)


def test_scope_and_token_are_required(client, factory):
    assert client.post("/api/v1/conversations", json={}).status_code == 401
    match_only = factory.token(role="caseworker", scopes=["match"])
    assert client.post("/api/v1/conversations", json={}, headers=bearer(match_only)).status_code == 403


def test_home_municipality_for_a_token_conversation(client, offers, token):
    conv_id = create(client, token, home_municipality="aarhus")
    body = client.post(f"/api/v1/conversations/{conv_id}/messages", json={"text": "familie med gæld"},
                       headers=bearer(token)).get_json()
    assert body["understood"]["municipality"] == "Aarhus"
    assert body["understood"]["municipality_is_home"] is True
    response = client.post("/api/v1/conversations", json={"home_municipality": "Atlantis"}, headers=bearer(token))
    assert response.status_code == 422
    assert "home_municipality" in response.get_json()["errors"]


def test_message_errors_have_field_paths_and_never_echo_the_text(client, token):
    conv_id = create(client, token)
    url = f"/api/v1/conversations/{conv_id}/messages"
    response = client.post(url, json={}, headers=bearer(token))
    assert response.status_code == 422 and "text" in response.get_json()["errors"]
    secret = "cpr 070761-4285 " + "x" * 4000
    response = client.post(url, json={"text": secret}, headers=bearer(token))
    assert response.status_code == 422
    assert "text" in response.get_json()["errors"]
    assert "070761" not in response.get_data(as_text=True)
    response = client.post(f"/api/v1/conversations/{conv_id}/shortlist", json={"offer_id": 99999},
                           headers=bearer(token))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"offer_id": ["Tilbuddet findes ikke."]}


def test_quick_reply_message_from_the_question(client, offers, token):
    conv_id = create(client, token)
    url = f"/api/v1/conversations/{conv_id}/messages"
    body = client.post(url, json={"text": "Familie med en far der drikker og store problemer med gæld"},
                       headers=bearer(token)).get_json()
    question = body["question"]
    assert question is not None and question["options"]
    answer = client.post(url, json={"text": question["options"][0]["message"]}, headers=bearer(token)).get_json()
    assert answer["changes"], answer
    assert answer["question"] is None or answer["question"]["key"] != question["key"]


def test_conversations_are_in_the_openapi_document(client):
    spec = client.get("/api/openapi.json").get_json()
    paths = spec["paths"]
    assert "/api/v1/conversations" in paths
    assert "/api/v1/conversations/{conversation_id}/messages" in paths
    assert "/api/v1/conversations/{conversation_id}/shortlist" in paths
