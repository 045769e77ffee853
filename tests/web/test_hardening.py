"""#11: bad input at the edge, the database failing, sessions, lockout, headers, audit log, operations."""
from __future__ import annotations

import json
import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.conftest import PG_URL
from web.cli import main
from tests.helpers import DEMO_PASSWORD, OFFER_DATA, bearer

NEED_TEXT = "Pigen på 9 hedder Sofie og er meget ked af det efter skilsmissen"


# --- every bad input is a 4xx ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/offers/?q=a%00b", "/hsds/services?search=a%00b", "/hsds/organizations?search=%00",
                                 "/login?next=%00"])
def test_nul_in_a_query_is_a_400_naming_the_field(client, url):
    r = client.get(url)
    assert r.status_code == 400
    text = r.get_data(as_text=True)
    assert "NUL-tegn" in text


def test_nul_and_lone_surrogate_in_json_are_a_400_with_field_paths(client, factory):
    token = factory.token("ngo_editor", org_id=factory.org(), scopes=["offers:write"])
    body = json.dumps({**OFFER_DATA, "title": "Lektie\ud800café", "tags": ["ok", "a\u0000b"]})
    r = client.post("/api/v1/offers", data=body, content_type="application/json", headers=bearer(token))
    assert r.status_code == 400
    assert set(r.json["errors"]) == {"title", "tags.1"}
    assert "ugyldigt Unicode-tegn" in r.json["errors"]["title"][0]


@pytest.mark.parametrize("path", ["/hsds/services/search", "/api/v1/match", "/api/v1/offers"])
@pytest.mark.parametrize("depth", [1000, 100_000])
def test_json_nested_too_deep_is_a_400_everywhere(client, factory, path, depth):
    token = factory.token("admin")
    body = '{"text": ' + "[" * depth + "]" * depth + "}"
    r = client.post(path, data=body, content_type="application/json", headers=bearer(token))
    assert r.status_code == 400
    assert "indlejret" in json.dumps(r.json["errors"], ensure_ascii=False)


def test_a_body_over_the_limit_is_a_413(client, factory):
    token = factory.token("caseworker")
    r = client.post("/api/v1/match", data=json.dumps({"text": "x" * (2 * 1024 * 1024)}),
                    content_type="application/json", headers=bearer(token))
    assert r.status_code == 413
    assert r.json["message"] == "Forespørgslen er for stor."


# (a NUL in an HTML form field is shown beside the field: tests/web/test_unstorable_forms.py)


# --- the database may fail ----------------------------------------------------------------------------------

@pytest.fixture
def readonly_app(database_url, factory):
    """The same database opened read-only: every write fails inside SQLite, as with a read-only file."""
    if PG_URL:
        pytest.skip("read-only SQLite file; PostgreSQL faults: tests/web/test_db_faults.py")
    from web import create_app

    path = database_url.removeprefix("sqlite:///")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///file:{path}?mode=ro&uri=true",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    yield app
    app.extensions["civilmatch.engine"].dispose()


def test_a_failing_write_is_a_503_with_retry_after_in_danish_on_pages_and_api(readonly_app, factory):
    _, email = factory.user("caseworker")
    token = factory.token("caseworker")
    client = readonly_app.test_client()
    r = client.post("/login", data={"email": email, "password": "forkert-kode"})  # the lockout counter writes
    assert r.status_code == 503
    assert r.headers["Retry-After"]
    page = r.get_data(as_text=True)
    assert "Tjenesten er midlertidigt utilgængelig" in page and "<html" in page
    r = client.post("/api/v1/match", json={"text": NEED_TEXT}, headers=bearer(token))  # first use is recorded
    assert r.status_code == 503 and r.headers["Retry-After"]
    assert r.json["message"] == "Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt."
    assert "Sofie" not in r.get_data(as_text=True)


def test_missing_database_gives_503_everywhere_and_healthz_stays_alive(tmp_path):
    from web import create_app

    missing = tmp_path / "no" / "such" / "folder" / "x.db"
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///file:{missing}?mode=ro&uri=true",
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    for path in ("/offers/", "/hsds/services", "/readyz"):
        r = client.get(path)
        assert r.status_code == 503, path
        assert r.headers["Retry-After"]
    assert client.get("/offers/").get_data(as_text=True).count("midlertidigt utilgængelig") >= 1
    assert client.get("/healthz").status_code == 200


def test_readyz_says_ok_when_database_answers_and_index_is_loaded(client, app):
    r = client.get("/readyz")
    assert r.status_code == 200 and r.json == {"status": "ok", "database": "ok", "index": "ok"}
    assert app.extensions["civilmatch.match_index"].version is not None


# --- sessions, lockout, login timing, limits ----------------------------------------------------------------

def test_logout_ends_every_session_of_the_user(app, factory, login, client):
    _, email = factory.user("caseworker")
    login(email)
    other = app.test_client()
    assert other.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    stolen = client.get_cookie("session").value
    assert client.get("/chat/").status_code == 200
    client.post("/logout")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/chat/").status_code == 302       # the replayed cookie no longer opens the page
    assert other.get("/chat/").status_code == 302        # nor does the session on the other device


def test_password_change_ends_other_sessions_and_keeps_this_one(app, factory, login, client):
    _, email = factory.user("caseworker")
    login(email)
    other = app.test_client()
    other.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    r = client.post("/account/password", data={"current_password": "forkert", "password": "ny-kode-1234567",
                                               "password2": "ny-kode-1234567"})
    assert r.status_code == 422 and "Den nuværende adgangskode er forkert." in r.get_data(as_text=True)
    r = client.post("/account/password", data={"current_password": DEMO_PASSWORD, "password": "ny-kode-1234567",
                                               "password2": "ny-kode-1234567"})
    assert r.status_code == 302
    assert client.get("/chat/").status_code == 200
    assert other.get("/chat/").status_code == 302
    assert app.test_client().post("/login", data={"email": email, "password": "ny-kode-1234567"}).status_code == 302


def test_account_locks_after_five_wrong_passwords(client, factory, session):
    from catalog.models import User

    user_id, email = factory.user("caseworker")
    for _ in range(5):
        assert client.post("/login", data={"email": email, "password": "forkert-kode"}).status_code == 422
    r = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert r.status_code == 422                       # the right password is refused while locked
    assert "spærret i et kvarter" in r.get_data(as_text=True)
    user = session.get(User, user_id)
    user.locked_until -= timedelta(minutes=16)
    session.commit()
    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302


def test_unknown_email_costs_the_same_password_check_as_a_known_one(client, factory, monkeypatch):
    from catalog import services

    _, email = factory.user("caseworker")
    client.post("/login", data={"email": "nobody@example.org", "password": "x"})  # warm the dummy hash
    calls = []
    real = services.check_password
    monkeypatch.setattr(services, "check_password", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(services, "hash_password", lambda *a: pytest.fail("no extra hashing per login"))
    client.post("/login", data={"email": "nobody@example.org", "password": "forkert-kode"})
    unknown = len(calls)
    client.post("/login", data={"email": email, "password": "forkert-kode"})
    assert unknown == len(calls) - unknown == 1


def _redis_url() -> str | None:
    try:
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/3", socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001
        if os.environ.get("CI"):
            raise
        return None
    return "redis://127.0.0.1:6379/3"


def test_login_limit_holds_across_workers_and_429_says_when_to_retry(database_url, factory):
    from web import create_app

    url = _redis_url()
    if url is None:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"cm-test-{os.getpid()}-{os.urandom(4).hex()}"
    workers = [create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                           "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": url,
                           "RATELIMIT_KEY_PREFIX": prefix}) for _ in range(2)]
    clients = [w.test_client() for w in workers]
    statuses = [clients[i % 2].post("/login", data={"email": f"x{i}@example.org", "password": "x"}).status_code
                for i in range(21)]
    assert statuses[:20] == [422] * 20
    assert statuses[20] == 429
    r = clients[0].post("/login", data={"email": "y@example.org", "password": "x"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "For mange forespørgsler" in r.get_data(as_text=True)
    for w in workers:
        w.extensions["civilmatch.engine"].dispose()


def test_signup_is_rate_limited_with_retry_after(database_url):
    from web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    statuses = [client.post("/ngo/signup", data={}).status_code for _ in range(11)]
    assert statuses[-1] == 429 and set(statuses[:10]) == {422}
    assert client.post("/ngo/signup", data={}).headers["Retry-After"]


# --- headers and files ------------------------------------------------------------------------------------

def test_csp_forbids_base_and_foreign_form_targets(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "base-uri 'none'" in csp and "form-action 'self'" in csp


def test_hsts_only_when_configured(client, database_url):
    from web import create_app

    assert "Strict-Transport-Security" not in client.get("/").headers
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "HSTS_SECONDS": 31536000})
    assert app.test_client().get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_answers_behind_login_or_token_are_not_stored(client, factory, login):
    token = factory.token("caseworker")
    assert client.post("/api/v1/match", json={"text": NEED_TEXT}, headers=bearer(token)) \
        .headers["Cache-Control"] == "no-store"
    assert "no-store" not in (client.get("/offers/").headers.get("Cache-Control") or "")
    _, email = factory.user("ngo_editor", org_id=factory.org())
    login(email)
    assert client.get("/ngo/").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_secure_outside_development(database_url, factory, monkeypatch):
    from web import create_app

    monkeypatch.setenv("CIVILMATCH_ENV", "production")
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    _, email = factory.user("caseworker")
    r = app.test_client().post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert "Secure" in r.headers["Set-Cookie"] and "HttpOnly" in r.headers["Set-Cookie"]


def test_a_new_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    from catalog.db import make_engine

    path = tmp_path / "new.db"
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- the audit log ----------------------------------------------------------------------------------------

def test_audit_log_records_who_changed_what_and_admins_read_it(app, client, factory, login, session):
    from catalog.models import AuditEntry

    org = factory.org()
    offer_id = factory.offer(org)
    token = factory.token("ngo_editor", org_id=org, scopes=["offers:write"])
    version = client.get(f"/api/v1/offers/{offer_id}", headers=bearer(token)).json["version"]
    r = client.patch(f"/api/v1/offers/{offer_id}", json={"version": version, "schedule": "Mandage"},
                     headers=bearer(token))
    assert r.status_code == 200
    entry = session.scalars(select(AuditEntry).where(AuditEntry.entity == "offer", AuditEntry.action == "changed")
                            ).one()
    assert entry.entity_id == str(offer_id) and entry.fields == ["schedule"] and entry.actor.startswith("token")
    _, caseworker = factory.user("caseworker")
    login(caseworker)
    client.post("/chat/", data={"text": NEED_TEXT})
    assert client.get("/admin/audit/").status_code == 403
    client.post("/logout")
    _, admin = factory.user("admin")
    login(admin)
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert "Tilbud ændret" in page and "schedule" in page
    rows = session.scalars(select(AuditEntry)).all()
    assert all("Sofie" not in (e.label + " ".join(e.fields)) for e in rows)


# --- operations -------------------------------------------------------------------------------------------

def test_db_upgrade_migrates_a_fresh_database(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from sqlalchemy import inspect

    from catalog.db import make_engine

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("CIVILMATCH_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    assert {"user_account", "audit_entry", "offer"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_create_app_no_longer_migrates(tmp_path):
    from sqlalchemy import inspect

    from web import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    assert inspect(app.extensions["civilmatch.engine"]).get_table_names() == []
    app.extensions["civilmatch.engine"].dispose()


def test_list_tokens_shows_prefixes_never_tokens(runner, factory):
    plain = factory.token("caseworker")
    out = runner.invoke(main, args=["list-tokens"]).output
    assert plain[:8] in out and plain not in out and "gyldig" in out


def test_backup_and_restore_keep_users_tokens_reviews_and_verification(runner, factory, session, tmp_path,
                                                                       client):
    from catalog.models import Organisation, User

    if PG_URL and not __import__("shutil").which("pg_dump"):
        pytest.skip("pg_dump not installed")
    unverified = factory.org("Venter", verified=False)
    _, email = factory.user("caseworker")
    token = factory.token("caseworker")
    backup = tmp_path / "backup.db"
    result = runner.invoke(main, args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    session.execute(User.__table__.delete())
    session.execute(Organisation.__table__.update().values(verified=True))
    session.commit()
    session.close()
    result = runner.invoke(main, args=["restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert session.scalar(select(User.email).where(User.email == email)) == email
    assert session.get(Organisation, unverified).verified is False
    assert client.post("/api/v1/match", json={"text": "lektiehjælp"}, headers=bearer(token)).status_code == 200


# --- bounded HSDS work ------------------------------------------------------------------------------------

def _queries_for(app, client, url: str):
    """(response, number of SQL statements it took)."""
    counter = []

    def count(*_args, **_kw):
        counter.append(1)

    engine = app.extensions["civilmatch.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return response, len(counter)


def test_hsds_pages_cost_a_fixed_number_of_queries_whatever_their_size(app, client, factory):
    from catalog.hsds import MAX_EMBEDDED_SERVICES

    orgs = [factory.org(f"Forening {i}") for i in range(3)]
    for i in range(MAX_EMBEDDED_SERVICES + 2):
        factory.offer(orgs[0], title=f"Tilbud nummer {i}")
    factory.offer(orgs[1])
    client.get("/readyz")  # the match index is built once per process, not per page
    _, one = _queries_for(app, client, "/hsds/organizations?per_page=1&full_service=true")
    r, three = _queries_for(app, client, "/hsds/organizations?per_page=3&full_service=true")
    assert r.status_code == 200
    big = next(o for o in r.json["contents"] if o["name"] == "Forening 0")
    assert len(big["services"]) == MAX_EMBEDDED_SERVICES
    assert one == three  # three organizations with 28 services cost the same queries as one


def test_hsds_search_runs_in_the_database_and_folds_danish_letters(client, factory):
    org = factory.org()
    factory.offer(org, title="ÆBLEHAVEN for familier", tags=["Ønsker"])
    factory.offer(org, title="Noget helt andet")
    names = {s["name"] for s in client.get("/hsds/services?search=æblehaven").json["contents"]}
    assert names == {"ÆBLEHAVEN for familier"}
    assert client.get("/hsds/services?search=ønsker").json["total_items"] == 1
    assert client.get("/hsds/services?search=100%25_").json["total_items"] == 0


# --- property: any JSON document on any JSON endpoint is an answer or a 4xx ---------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_unstorable = st.sampled_from(["\x00", "\ud800", "a\udfffb", "ok"])
_leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30), _unstorable)
_documents = st.one_of(   # JSON text: arbitrary small documents, and nesting far deeper than allowed
    st.recursive(_leaves, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                  st.dictionaries(st.one_of(st.text(max_size=10), _unstorable),
                                                                  inner, max_size=4)), max_leaves=30)
    .map(json.dumps),
    st.integers(30, 3000).map(lambda n: '{"text": ' + "[" * n + "]" * n + "}"),
)
_json_endpoints = st.sampled_from(["/hsds/services/search", "/api/v1/match", "/api/v1/offers",
                                   "/api/v1/plans/match", "/api/v1/conversations"])
_token_cache: dict[int, str] = {}


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(document=_documents, path=_json_endpoints)
def test_any_json_document_gets_an_answer_or_a_4xx_never_a_5xx(client, factory, document, path):
    token = _token_cache.get(id(client))
    if token is None:
        token = _token_cache[id(client)] = factory.token("admin")
    r = client.post(path, data=document, content_type="application/json", headers=bearer(token))
    assert r.status_code < 500, (path, r.status_code)
    if r.status_code == 400:
        assert r.json["errors"]


def test_anonymous_catalogue_pages_and_hsds_are_rate_limited_per_address(database_url):
    from web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "memory://", "RATELIMIT_ANONYMOUS": "3 per minute"})
    client = app.test_client()
    for path in ("/offers/", "/hsds/services"):
        statuses = [client.get(path).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429], path
        assert int(client.get(path).headers["Retry-After"]) > 0
    app.extensions["civilmatch.engine"].dispose()
