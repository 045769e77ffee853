"""Every JSON body is read by a marshmallow schema: a caller gets a 4xx with Danish messages under field paths,
never a 500, for a body of the wrong shape."""
from __future__ import annotations

import pytest

from tests.helpers import bearer


@pytest.fixture
def token(factory):
    return factory.token(role="caseworker", scopes=["conversations"])


def test_a_conversation_starts_without_a_body(client, token):
    response = client.post("/api/v1/conversations", headers=bearer(token))
    assert response.status_code == 201
    assert response.get_json()["id"]


@pytest.mark.parametrize("body", [[1, 2], "Aarhus", 17])
def test_a_conversation_body_that_is_not_an_object_is_a_422(client, token, body):
    response = client.post("/api/v1/conversations", json=body, headers=bearer(token))
    assert response.status_code == 422
    data = response.get_json()
    assert data["message"] == "Data kunne ikke valideres."
    assert list(data["errors"]) == ["_schema"]


def test_home_municipality_must_be_text(client, token):
    response = client.post("/api/v1/conversations", json={"home_municipality": 851}, headers=bearer(token))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"home_municipality": ["Skal være tekst."]}


@pytest.mark.parametrize("home", ["  ", "Hele landet"])
def test_a_blank_or_nationwide_home_is_no_home(client, token, home):
    response = client.post("/api/v1/conversations", json={"home_municipality": home}, headers=bearer(token))
    assert response.status_code == 201


@pytest.mark.parametrize("query, body", [("?offer_id=abc", None), ("", {"offer_id": "to"}), ("", None)])
def test_removing_from_the_shortlist_needs_a_whole_number(client, token, query, body):
    conv_id = client.post("/api/v1/conversations", json={}, headers=bearer(token)).get_json()["id"]
    response = client.delete(f"/api/v1/conversations/{conv_id}/shortlist{query}", json=body, headers=bearer(token))
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["offer_id"]
