"""Database plumbing: declarative base, engine factory, migrations and catalogue change tracking."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL."""
    return datetime.now(UTC).replace(tzinfo=None)


def make_engine(url: str, **kw) -> Engine:
    # SQL parameters may hold notes (redacted) and parameters of any kind: never in SQL logs or error messages,
    # whatever the log level or the caller asks for.
    kw["hide_parameters"] = True
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        kw.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Deleted rows are overwritten with zeros instead of left in free pages (some builds default to off).
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        return engine
    kw.setdefault("pool_pre_ping", True)
    # Bulk inserts (import) in statements of 100 rows: psycopg then reuses its parsed statement instead of
    # parsing one huge statement per batch (100,000 offers import about a third faster).
    kw.setdefault("insertmanyvalues_page_size", 100)
    return create_engine(url, **kw)


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file readable by its owner only (SQLite gives -wal and -shm the same mode)."""
    import os

    from sqlalchemy.engine import make_url

    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    if not os.path.exists(path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


def timeout_options(url: str, *, connect_timeout: int, statement_timeout_ms: int) -> dict:
    """Engine options that make a missing or stuck database fail within seconds instead of hanging a worker."""
    if url.startswith("sqlite"):
        busy = statement_timeout_ms / 1000 if statement_timeout_ms > 0 else 30
        return {"connect_args": {"check_same_thread": False, "timeout": busy}}
    if statement_timeout_ms <= 0:  # maintenance commands: no statement limit
        return {"pool_timeout": connect_timeout, "connect_args": {"connect_timeout": connect_timeout}}
    return {"pool_timeout": connect_timeout,
            "connect_args": {"connect_timeout": connect_timeout,
                             "options": f"-c statement_timeout={statement_timeout_ms} "
                                        f"-c lock_timeout={statement_timeout_ms} "
                                        f"-c idle_in_transaction_session_timeout={statement_timeout_ms * 12}"}}


def after_purge(engine: Engine) -> None:
    """After deleting conversations: on SQLite, copy the WAL into the database file and truncate it, so the
    deleted rows' old pages do not linger in ``-wal`` (``secure_delete`` already zeroes them in the file).
    On PostgreSQL, dead tuples are removed by (auto)vacuum: see the README's privacy section."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Bring the database schema to the newest migration."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
