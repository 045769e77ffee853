"""What a match keeps in memory between requests (verified tokens, offer JSON) never outlives a change.

Two app instances over one database stand for two processes: a change made through one must count in the
other's next request, except a token row changed behind the service's back (by hand in SQL), which counts
within web.security.TOKEN_CACHE_SECONDS."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, text

from tests.helpers import OFFER_DATA, bearer

NEED = {"text": "Mor til en dreng på 11 i Vejle. Han har svært ved lektierne og matematik."}


@pytest.fixture
def other(database_url):
    """A second process over the same database."""
    from web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "DEBUG_TRACEBACKS": True})
    yield app
    app.extensions["civilmatch.engine"].dispose()


@pytest.fixture
def world(factory):
    org = factory.org("Familiehuset Vejle")
    offer = factory.offer(org, title="Lektiecafé i Vejle")
    return {"org": org, "offer": offer, "token": factory.token("caseworker"), "admin": factory.token("admin")}


def match(client, token, body=NEED):
    return client.post("/api/v1/match", json=body, headers=bearer(token))


def titles(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [r["offer"]["title"] for r in response.get_json()["results"]]


# --- tokens ------------------------------------------------------------------------------------------------

def test_a_token_revoked_in_another_process_is_refused_at_the_next_request(app, other, world):
    from catalog import services
    from web.extensions import db

    client = app.test_client()
    assert match(client, world["token"]).status_code == 200     # verified and kept in this process
    assert match(client, world["token"]).status_code == 200
    with other.app_context():
        assert services.revoke_token(db.session, world["token"][:10]) is not None
        db.session.commit()
    r = match(client, world["token"])
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers


def test_a_token_revoked_on_the_command_line_is_refused_at_the_next_request(app, world):
    from web.cli import main

    client = app.test_client()
    assert match(client, world["token"]).status_code == 200
    result = app.test_cli_runner().invoke(main, args=["revoke-token", world["token"][:10]])
    assert result.exit_code == 0, result.output
    assert match(client, world["token"]).status_code == 401


def test_a_token_whose_scopes_change_elsewhere_loses_them_at_the_next_request(app, other, world):
    from sqlalchemy import select

    from catalog.models import ApiToken
    from web.extensions import db

    client = app.test_client()
    assert match(client, world["token"]).status_code == 200
    with other.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == world["token"][:10]))
        row.scopes = ["conversations"]
        db.session.commit()
    assert match(client, world["token"]).status_code == 403


def test_a_token_changed_by_hand_in_sql_is_refused_within_the_cache_bound(app, world, monkeypatch):
    from web import security
    from web.extensions import db

    client = app.test_client()
    assert match(client, world["token"]).status_code == 200
    with app.app_context():   # behind the service's back: no catalogue version is taken
        db.session.execute(text("UPDATE api_token SET revoked_at = created_at WHERE prefix = :p"),
                           {"p": world["token"][:10]})
        db.session.commit()
    later = security.time.monotonic() + security.TOKEN_CACHE_SECONDS + 1
    monkeypatch.setattr(security.time, "monotonic", lambda: later)
    assert match(client, world["token"]).status_code == 401


def test_a_cached_token_is_refused_once_it_expires(app, factory, monkeypatch):
    from catalog import services
    from web import security

    factory.offer(factory.org("Familiehuset Vejle"))
    token = factory.token("caseworker", days=1)
    client = app.test_client()
    assert match(client, token).status_code == 200
    tomorrow = security.utcnow() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(security, "utcnow", lambda: tomorrow)
    monkeypatch.setattr(services, "utcnow", lambda: tomorrow)
    assert match(client, token).status_code == 401


def test_the_token_cache_is_keyed_by_a_hash_never_the_token(app, world):
    client = app.test_client()
    assert match(client, world["token"]).status_code == 200
    cache = app.extensions["civilmatch.token_cache"]
    assert cache._entries and all(world["token"] not in key and len(key) == 64 for key in cache._entries)


# --- offer JSON --------------------------------------------------------------------------------------------

def test_an_offer_edited_in_another_process_shows_its_new_title_in_the_next_match(app, other, world):
    client, writer = app.test_client(), other.test_client()
    assert titles(match(client, world["token"])) == ["Lektiecafé i Vejle"]
    offer = writer.get(f"/api/v1/offers/{world['offer']}", headers=bearer(world["admin"])).get_json()
    r = writer.patch(f"/api/v1/offers/{world['offer']}", headers=bearer(world["admin"]),
                     json={"title": "Lektiecafé på biblioteket i Vejle", "version": offer["version"]})
    assert r.status_code == 200, r.get_json()
    assert titles(match(client, world["token"])) == ["Lektiecafé på biblioteket i Vejle"]


def test_an_organisation_renamed_in_another_process_shows_in_the_next_match(app, other, world):
    from catalog.models import Organisation
    from web.extensions import db

    client = app.test_client()
    assert match(client, world["token"]).get_json()["results"][0]["offer"]["organisation"]["name"] \
        == "Familiehuset Vejle"
    with other.app_context():
        db.session.get(Organisation, world["org"]).name = "Familiehuset i Vejle"
        db.session.commit()
    assert match(client, world["token"]).get_json()["results"][0]["offer"]["organisation"]["name"] \
        == "Familiehuset i Vejle"


@pytest.mark.parametrize("change", ["archived", "deleted", "unverified"])
def test_an_offer_hidden_or_deleted_in_another_process_is_never_served(app, other, world, change):
    from catalog.models import Offer, Organisation
    from web.extensions import db

    client = app.test_client()
    assert titles(match(client, world["token"])) == ["Lektiecafé i Vejle"]
    with other.app_context():
        offer = db.session.get(Offer, world["offer"])
        if change == "archived":
            offer.status = "archived"
        elif change == "deleted":
            db.session.delete(offer)
        else:
            db.session.get(Organisation, world["org"]).verified = False
        db.session.commit()
    assert titles(match(client, world["token"])) == []
    assert titles(match(client, world["token"])) == []


def test_an_offer_that_ages_out_of_view_while_cached_is_not_served(app, world, monkeypatch):
    """Unconfirmed for HIDDEN_MONTHS an offer is hidden without any edit: the cached JSON is not served then,
    even by an index that still holds the offer (it rebuilds only at the next day)."""
    from catalog.freshness import POLICY
    from web.api import common

    client = app.test_client()
    assert titles(match(client, world["token"])) == ["Lektiecafé i Vejle"]
    later = common.utcnow() + timedelta(days=31 * (POLICY.hidden_months + 1))
    monkeypatch.setattr(common, "utcnow", lambda: later)
    assert titles(match(client, world["token"])) == []


def test_a_match_with_nothing_changed_reads_only_the_catalogue_version(app, world, monkeypatch):
    """Token and offers from memory: the catalogue version, read once on a pooled connection of its own, is
    the request's only statement (no session is opened)."""
    from web import matching

    client = app.test_client()
    for _ in range(2):
        assert match(client, world["token"]).status_code == 200   # token verified, offer JSON built
    engine = app.extensions["civilmatch.engine"]
    seen: list[str] = []
    reads: list[int] = []
    read = matching.read_catalog_version
    monkeypatch.setattr(matching, "read_catalog_version", lambda e: reads.append(1) or read(e))

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()[:8]))

    event.listen(engine, "before_cursor_execute", before)
    try:
        assert titles(match(client, world["token"])) == ["Lektiecafé i Vejle"]
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert seen == [] and len(reads) == 1, seen


def test_a_new_offer_is_served_with_its_json_in_the_next_match(app, other, world):
    client, writer = app.test_client(), other.test_client()
    assert titles(match(client, world["token"])) == ["Lektiecafé i Vejle"]
    r = writer.post("/api/v1/offers", headers=bearer(world["admin"]), json={
        **OFFER_DATA, "organisation": str(world["org"]), "status": "published",
        "title": "Matematikhjælp i Vejle"})
    assert r.status_code == 201, r.get_json()
    assert sorted(titles(match(client, world["token"]))) == ["Lektiecafé i Vejle", "Matematikhjælp i Vejle"]


def test_the_match_answer_is_byte_for_byte_what_jsonify_makes_of_it(app, world):
    """The offers' JSON text is cached and spliced into the answer: the bytes equal jsonify's of the same."""
    from flask import jsonify

    client = app.test_client()
    for _ in range(2):   # built, then served from the cache
        r = match(client, world["token"], {**NEED, "limit": 5})
        assert r.status_code == 200 and r.mimetype == "application/json"
        with app.app_context():
            assert r.get_data() == jsonify(r.get_json()).get_data()
        assert r.get_json()["results"][0]["offer"]["title"] == "Lektiecafé i Vejle"
