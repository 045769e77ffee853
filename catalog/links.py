"""One-time links sent by mail: the "stadig korrekt" link in a reminder and a sign-up's e-mail confirmation.

A link carries a random token signed with the app's secret and a salt per kind of link (itsdangerous, so a
tampered or expired link is refused before the database is asked, and a link of one kind never works as
another); only the token's SHA-256 is stored (`confirm_link`), with its expiry, and it works once.
"""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ConfirmLink


class LinkRefused(Exception):
    """Why a link did not do anything (Danish, for the page). ``gone``: it was real but is spent or expired
    (410), as opposed to a link that was never one of ours (404)."""

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


@dataclass(frozen=True)
class LinkKind:
    """One kind of link: its salt, how long it works and what a refused one says."""
    salt: str
    max_age_seconds: int
    invalid: str
    expired: str
    used: Callable[[datetime], str]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer(secret: str, kind: LinkKind) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=kind.salt)


def issue(session: Session, kind: LinkKind, secret: str, *, now: datetime, expires_at: datetime,
          offer_id: int | None = None, user_id: int | None = None) -> str:
    """A new signed link for an offer or a user, stored hashed; the caller commits."""
    token = secrets.token_urlsafe(24)
    session.add(ConfirmLink(token_hash=token_hash(token), offer_id=offer_id, user_id=user_id, created_at=now,
                            expires_at=expires_at))
    session.flush()
    return _serializer(secret, kind).dumps(token)


def find(session: Session, kind: LinkKind, signed: str, secret: str, now: datetime) -> ConfirmLink:
    """The stored link behind a still-usable signed link; LinkRefused otherwise. Changes nothing."""
    try:
        token = _serializer(secret, kind).loads(signed, max_age=kind.max_age_seconds)
    except SignatureExpired as exc:
        raise LinkRefused(kind.expired, gone=True) from exc
    except BadSignature as exc:
        raise LinkRefused(kind.invalid) from exc
    link = session.scalar(select(ConfirmLink).where(ConfirmLink.token_hash == token_hash(str(token))))
    if link is None:
        raise LinkRefused(kind.invalid)
    if link.used_at is not None:
        raise LinkRefused(kind.used(link.used_at), gone=True)
    if link.expires_at < now:
        raise LinkRefused(kind.expired, gone=True)
    return link
