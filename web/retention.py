"""Retention inside the service: expired conversations (and sign-ups nobody confirmed in time) are deleted on
a schedule, not only when someone opens them or runs ``civilmatch purge``.

A cheap clock check on each request (:class:`catalog.conversations.PurgeSchedule`) lets at most one request
per ``CONVERSATION_PURGE_MINUTES`` (default 5) per process run the purge, in a session of its own, before the
request is handled; on SQLite the WAL is then truncated. A failure is logged by type only and never fails the
request (the next due request tries again).
"""
from __future__ import annotations

import logging

from flask import Flask

from catalog.conversations import PurgeSchedule, purge_expired
from catalog.db import after_purge, utcnow
from catalog.signup import purge_pending

log = logging.getLogger(__name__)

DEFAULT_MINUTES = 5.0


def purge_now(app: Flask) -> int:
    """Delete expired conversations and stale pending sign-ups now (own session, committed); the number of
    conversations deleted."""
    session = app.extensions["civilmatch.sessionmaker"]()
    session.info["actor"] = "tidsplan"
    try:
        now = utcnow()
        n = purge_expired(session, now)
        purge_pending(session, now)
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
    if n:
        after_purge(app.extensions["civilmatch.engine"])
    return n


def register(app: Flask) -> None:
    minutes = float(app.config.get("CONVERSATION_PURGE_MINUTES", DEFAULT_MINUTES))
    schedule = PurgeSchedule(interval=minutes * 60.0)
    app.extensions["civilmatch.purge_schedule"] = schedule

    @app.before_request
    def _purge_when_due():
        if minutes <= 0 or not schedule.due():
            return
        try:
            purge_now(app)
        except Exception as exc:  # never fail a request for the schedule; no data in the log line
            log.warning("Scheduled purge of expired conversations and sign-ups failed: %s", type(exc).__name__)
