"""The database goes away and comes back: a throw-away PostgreSQL (own folder, own port) that this test starts,
stops and starts again. Pages and API answer 503 with a Danish message and Retry-After while it is down,
/healthz stays alive, /readyz says not ready, and the service recovers by itself."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from benchmarks.load import ThrowAwayPostgres, postgres_bin
from tests.helpers import bearer

pytestmark = pytest.mark.skipif(postgres_bin() is None and not os.environ.get("CI"),
                                reason="PostgreSQL's initdb/pg_ctl are not installed")


@pytest.fixture(scope="module")
def postgres():
    pg = ThrowAwayPostgres(Path(tempfile.mkdtemp(prefix="civilmatch-pg-")))
    pg.init()
    pg.start()
    yield pg
    pg.destroy()


def test_stopped_database_gives_503_then_the_service_recovers_by_itself(postgres):
    from catalog import services
    from catalog.db import upgrade
    from web import create_app
    from web.extensions import db

    upgrade(postgres.url)
    app = create_app({"TESTING": True, "DATABASE_URL": postgres.url, "RATELIMIT_ENABLED": False,
                      "DB_CONNECT_TIMEOUT": 2})
    with app.app_context():
        _, token = services.create_token(db.session, name="fault test", role="caseworker")
        db.session.commit()
    client = app.test_client()
    need = {"text": "Dreng på 9 har brug for lektiehjælp i Vejle"}
    assert client.post("/api/v1/match", json=need, headers=bearer(token)).status_code == 200
    assert client.get("/readyz").status_code == 200

    postgres.stop()
    try:
        api = client.post("/api/v1/match", json=need, headers=bearer(token))
        assert api.status_code == 503
        assert api.json["message"] == "Tjenesten er midlertidigt utilgængelig. Prøv igen om lidt."
        assert int(api.headers["Retry-After"]) > 0
        for path in ("/offers/", "/hsds/services", "/hsds/organizations?full=true"):
            page = client.get(path)
            assert page.status_code == 503, path
            assert page.headers["Retry-After"]
        assert "midlertidigt utilgængelig" in client.get("/offers/").get_data(as_text=True)
        assert client.get("/healthz").status_code == 200
        assert client.get("/login").status_code == 200  # pages that need no database keep working
        assert client.get("/readyz").status_code == 503
    finally:
        postgres.start()

    assert client.post("/api/v1/match", json=need, headers=bearer(token)).status_code == 200
    assert client.get("/offers/").status_code == 200
    assert client.get("/readyz").status_code == 200
    app.extensions["civilmatch.engine"].dispose()
