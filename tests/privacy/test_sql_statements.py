"""One chat message runs a bounded number of SQL statements: the conversation (with its history and shortlist),
its state and the answer's offers are each loaded once per request (counted with an engine event listener)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

MAX_STATEMENTS = 8


@pytest.fixture
def chat(factory, login, client):
    org = factory.org(name="Familiehuset Aarhus")
    for i in range(6):
        factory.offer(org, title=f"Gældsrådgivning {i}", description="Rådgivning om gæld og økonomi for familier.",
                      areas=["Aarhus"], age_min=None, age_max=None, tags=["gæld"], contact={"email": "a@example.org"})
    _, email = factory.user(role="caseworker", home="Aarhus")
    login(email)
    body = client.post("/chat/json", data={"text": "Mor med en dreng på 4 har gæld og er ensom."}).get_json()
    # one more message first: the match index and caches are warm, the purge schedule has run
    client.post(body["json_url"], data={"text": "kun gratis"})
    return body


def count_statements(app, call) -> tuple[list[str], object]:
    engine = app.extensions["civilmatch.engine"]
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split()[0].upper() + " " + " ".join(statement.split()[1:6]))

    event.listen(engine, "before_cursor_execute", before)
    try:
        result = call()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen, result


def test_a_chat_message_through_chat_js_runs_at_most_8_statements(app, client, chat):
    seen, response = count_statements(app, lambda: client.post(chat["json_url"], data={"text": "ikke online"}))
    assert response.status_code == 200 and response.get_json()["results"]
    assert len(seen) <= MAX_STATEMENTS, "\n".join(seen)


def test_a_chat_message_without_javascript_runs_at_most_8_statements(app, client, chat):
    seen, response = count_statements(app, lambda: client.post(chat["post_url"], data={"text": "vis flere"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and re.search(r'class="card offer-card"', html)
    assert len(seen) <= MAX_STATEMENTS, "\n".join(seen)
