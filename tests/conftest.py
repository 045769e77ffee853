"""Shared fixtures (after the Flask tutorial's app/client/runner).

The database is SQLite by default; set CIVILMATCH_TEST_DATABASE_URL (e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test) to run the same tests against PostgreSQL.
"""
from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from hypothesis import settings

# Property tests judge answers, not speed: a shared 2-core CI machine can make any single example slow (the
# first one also loads the name lists), and a deadline would then fail a correct answer.
settings.register_profile("civilmatch", deadline=None)
settings.load_profile("civilmatch")

_INSTANCE = tempfile.mkdtemp(prefix="civilmatch-test-instance-")
os.environ["CIVILMATCH_INSTANCE_PATH"] = _INSTANCE
os.environ.setdefault("CIVILMATCH_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.pop("CIVILMATCH_DATABASE_URL", None)
os.environ.setdefault("CIVILMATCH_ENV", "development")  # plain-HTTP test servers; production cookies are tested

from sqlalchemy import text  # noqa: E402

from catalog.db import Base, make_engine, upgrade  # noqa: E402
from tests.helpers import DEMO_PASSWORD, OFFER_DATA  # noqa: E402

PG_URL = os.environ.get("CIVILMATCH_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory):
    if PG_URL:
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(_template_db, tmp_path):
    if PG_URL:
        engine = make_engine(PG_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            conn.execute(text("INSERT INTO catalog_state (id, version) VALUES (1, 0)"))
        engine.dispose()
        return PG_URL
    path = tmp_path / "test.db"
    shutil.copy(_template_db, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url):
    from web import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "AUTO_MIGRATE": False,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False, "DEBUG_TRACEBACKS": True})
    yield app
    app.extensions["civilmatch.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session inside an app context (the same one views use in that context)."""
    from web.extensions import db

    with app.app_context():
        yield db.session


# --- small factories every test module can use -------------------------------------------------------



@pytest.fixture
def factory(app):
    """Creates organisations, users, offers and tokens directly through the catalogue services."""
    from catalog import services
    from web.extensions import db

    class Factory:
        def org(self, name="Familiehuset Vejle", verified=True, **kw):
            with app.app_context():
                org = services.create_organisation(db.session, {"name": name, **kw}, verified=verified)
                db.session.commit()
                return org.id

        def user(self, role="caseworker", email=None, org_id=None, home=None):
            from catalog.models import Organisation

            email = email or f"{role}-{os.urandom(3).hex()}@example.org"
            with app.app_context():
                org = db.session.get(Organisation, org_id) if org_id else None
                user = services.create_user(db.session, {"email": email, "password": DEMO_PASSWORD,
                                                         "role": role, "home_municipality": home},
                                            organisation=org)
                db.session.commit()
                return user.id, email

        def offer(self, org_id, status="published", **overrides):
            from catalog.models import Organisation

            with app.app_context():
                org = db.session.get(Organisation, org_id)
                offer = services.create_offer(db.session, org, {**OFFER_DATA, **overrides}, status=status)
                db.session.commit()
                return offer.id

        def token(self, role="caseworker", org_id=None, scopes=None, **kw):
            from catalog.models import Organisation

            with app.app_context():
                org = db.session.get(Organisation, org_id) if org_id else None
                _, plain = services.create_token(db.session, name=f"test {role}", role=role,
                                                 organisation=org, scopes=scopes, **kw)
                db.session.commit()
                return plain

    return Factory()


@pytest.fixture
def login(client):
    def _login(email, password=DEMO_PASSWORD):
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response
    return _login
