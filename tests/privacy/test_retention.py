"""Retention you can trust: expired conversations are deleted by the service's own schedule and by `civilmatch
purge`; on SQLite deleted rows are zeroed (secure_delete) and the WAL is truncated after a purge; SQL
parameters never reach a log."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from catalog import conversations as conv_service
from catalog.db import make_engine, utcnow
from catalog.models import Conversation, ShortlistItem

MARKER = "zqxjmarkør ringer tirsdag"  # a note (no personal data) that must leave the disk with its conversation


def _expired_conversation_with_note(app, user_id: int, offer_id: int) -> str:
    from web.extensions import db

    with app.app_context():
        conv = conv_service.create_conversation(db.session, user_id=user_id, now=utcnow() - timedelta(hours=30))
        conv_service.add_to_shortlist(db.session, conv, offer_id, need="Økonomi", note=MARKER)
        db.session.commit()
        return conv.id


@pytest.fixture
def people(factory):
    org = factory.org()
    offer_id = factory.offer(org, title="Gældsrådgivning")
    user_id, _ = factory.user(role="caseworker")
    return user_id, offer_id


def _count(app, model) -> int:
    from web.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_the_service_deletes_expired_conversations_on_its_own_schedule(app, client, people):
    conv_id = _expired_conversation_with_note(app, *people)
    schedule = app.extensions["civilmatch.purge_schedule"]
    schedule._next = 0.0  # due now, as on the first request after a restart or after the interval
    assert client.get("/healthz").status_code == 200  # any request; nobody opens the conversation
    assert _count(app, Conversation) == 0 and _count(app, ShortlistItem) == 0, conv_id
    # not due again until the interval has passed: a second expired conversation waits for the next run
    _expired_conversation_with_note(app, *people)
    client.get("/healthz")
    assert _count(app, Conversation) == 1


def _sqlite_files(app) -> list[Path]:
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        pytest.skip("SQLite file checks")
    path = Path(url.removeprefix("sqlite:///"))
    return [p for p in (path, Path(str(path) + "-wal")) if p.exists()]


def test_after_a_purge_the_note_is_in_neither_the_database_file_nor_the_wal(app, runner, people):
    _expired_conversation_with_note(app, *people)
    files = _sqlite_files(app)
    assert any(MARKER.encode() in p.read_bytes() for p in files)  # the scan does see stored text
    from web.cli import purge_cmd

    result = runner.invoke(purge_cmd)
    assert result.exit_code == 0 and "1 udløbne samtaler slettet" in result.output
    for p in _sqlite_files(app):
        assert MARKER.encode() not in p.read_bytes(), p.name
    wal = [p for p in _sqlite_files(app) if p.name.endswith("-wal")]
    assert all(p.stat().st_size == 0 for p in wal)  # truncated, not just checkpointed


def test_sqlite_connections_have_secure_delete_on(app):
    engine = app.extensions["civilmatch.engine"]
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_sql_parameters_never_reach_a_log_even_with_echo_and_when_asked(tmp_path, caplog):
    engine = make_engine(f"sqlite:///{tmp_path / 'echo.db'}", echo="debug", hide_parameters=False)
    secret = "Mor hedder Jannie Zqxj"
    with caplog.at_level(logging.DEBUG, logger="sqlalchemy.engine"):
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (x TEXT)")
            conn.exec_driver_sql("INSERT INTO t (x) VALUES (?)", (secret,))
            conn.exec_driver_sql("SELECT count(*) FROM t WHERE x = ?", (secret,)).scalar()
    assert "INSERT INTO t" in caplog.text  # the statement is logged ...
    assert "Jannie" not in caplog.text     # ... never its parameters
    engine.dispose()
