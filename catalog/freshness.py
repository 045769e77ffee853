"""Whether an offer is still confirmed: one rule for every list, the match index, the API and HSDS.

An offer's NGO confirms it is correct (`assured_at`; publishing counts as confirming). Unconfirmed for
STALE_MONTHS (default 12) it is marked on its card and ranks lower; for HIDDEN_MONTHS (default 18) it is left
out of every list caseworkers, the API and HSDS see, until its organisation confirms it again. An offer that
was never confirmed (imported without a date) counts as stale, never hidden.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_
from sqlalchemy.sql.elements import ColumnElement

from .db import utcnow


@dataclass
class Policy:
    stale_months: int = 12
    hidden_months: int = 18
    remind_months: int = 11     # `civilmatch remind` asks for a confirmation a month before the mark
    remind_interval_days: int = 30
    link_days: int = 30


POLICY = Policy()


def configure(**values: int) -> None:
    """Set thresholds (from the app config); unknown names raise TypeError."""
    for key, value in values.items():
        if not hasattr(POLICY, key):
            raise TypeError(key)
        if value is not None:
            setattr(POLICY, key, int(value))


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30,
            31, 30, 31][month - 1]
    return moment.replace(year=year, month=month, day=min(moment.day, days))


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo else value


def hidden_cutoff(now: datetime | None = None) -> datetime:
    return months_before(now or utcnow(), POLICY.hidden_months)


def stale_cutoff(now: datetime | None = None) -> datetime:
    return months_before(now or utcnow(), POLICY.stale_months)


def state(assured_at: datetime | None, now: datetime | None = None) -> str:
    """"fresh", "stale" or "hidden"."""
    if assured_at is None:
        return "stale"
    assured_at = _naive(assured_at)
    if assured_at < hidden_cutoff(now):
        return "hidden"
    if assured_at < stale_cutoff(now):
        return "stale"
    return "fresh"


def is_listed(status: str, verified: bool, assured_at: datetime | None, now: datetime | None = None) -> bool:
    """The one visibility rule: published, organisation verified, confirmed within HIDDEN_MONTHS."""
    return status == "published" and bool(verified) and state(assured_at, now) != "hidden"


def confirmed_condition(assured_at_column, now: datetime | None = None) -> ColumnElement[bool]:
    """SQL for the freshness part of `is_listed` (never confirmed counts as listed)."""
    return or_(assured_at_column.is_(None), assured_at_column >= hidden_cutoff(now))


def listed_condition(now: datetime | None = None) -> ColumnElement[bool]:
    """SQL for `is_listed` on Offer."""
    from .models import Offer, Organisation

    return (Offer.status == "published") & exists().where(
        Organisation.id == Offer.organisation_id, Organisation.verified.is_(True)) & confirmed_condition(
        Offer.assured_at, now)


def ranking_assured_at(assured_at: datetime | None, now: datetime | None = None) -> datetime | None:
    """What the match index gets as `assured_at`: a confirmation older than STALE_MONTHS counts as none,
    so the ranking prior gives a stale offer no freshness at all (it ranks below a confirmed twin)."""
    return None if state(assured_at, now) != "fresh" else assured_at
