"""The catalogue's typed SQLAlchemy 2 models."""
from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, event,
                        delete, insert, select, update)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .db import Base, utcnow
from .elements import ELEMENT_KEYS, count_present

STATUSES = ("draft", "published", "archived")
STATUS_LABELS = {"draft": "Kladde", "published": "Offentliggjort", "archived": "Arkiveret"}
ROLES = ("admin", "caseworker", "ngo_editor")
ROLE_LABELS = {"admin": "Administrator", "caseworker": "Sagsbehandler", "ngo_editor": "Redaktør for organisation"}
FORMATS = ("gruppe", "individuel", "hjemmebesøg", "online", "telefon", "chat", "aktivitet", "ferie",
           "materiel hjælp")
AUDIENCES = ("forældre", "børn", "unge", "mor", "far", "hele familien")
SCOPES = ("match", "conversations", "offers:write")


def _uuid() -> str:
    return str(uuid.uuid4())


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    cvr: Mapped[str | None] = mapped_column(String(8))
    website: Mapped[str | None] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # "active", or "rejected"/"suspended" by an admin, with the reason its editors see
    standing: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    standing_reason: Mapped[str | None] = mapped_column(Text)
    # Set while the sign-up that created it waits for its editor to confirm the e-mail address: deleted after
    # this moment if nobody does (catalog.signup). None: a real organisation.
    pending_until: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    offers: Mapped[list[Offer]] = relationship(back_populates="organisation", cascade="all, delete-orphan")
    users: Mapped[list[User]] = relationship(back_populates="organisation")


class Offer(Base):
    __tablename__ = "offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True, default=_uuid)
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    target_group: Mapped[str] = mapped_column(String(500), default="")
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    cost: Mapped[str] = mapped_column(String(200), default="gratis")
    schedule: Mapped[str] = mapped_column(String(500), default="")
    contact_email: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    assured_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    change_seq: Mapped[int] = mapped_column(Integer, default=0, index=True)
    elements_count: Mapped[int] = mapped_column(Integer, default=0, index=True)
    # elements at level >= 2 that a reviewer confirmed or set: the only ones the ranking prior counts
    reviewed_elements_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    # Optimistic locking: every UPDATE checks and bumps `version` (a stale writer gets StaleDataError).
    __mapper_args__ = {"version_id_col": version}

    organisation: Mapped[Organisation] = relationship(back_populates="offers")
    area_rows: Mapped[list[OfferArea]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                      order_by="OfferArea.position")
    format_rows: Mapped[list[OfferFormat]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    element_rows: Mapped[list[ElementAssessment]] = relationship(
        back_populates="offer", cascade="all, delete-orphan", lazy="selectin")

    # --- convenience views -------------------------------------------------------------------
    @property
    def areas(self) -> list[str]:
        return [a.municipality for a in self.area_rows]

    @areas.setter
    def areas(self, names: list[str]) -> None:
        self.area_rows = [OfferArea(municipality=n, position=i) for i, n in enumerate(dict.fromkeys(names))]

    def set_formats(self, formats: list[str]) -> None:
        formats = list(dict.fromkeys(formats))
        self.formats = formats
        self.format_rows = [OfferFormat(format=f) for f in formats]

    @property
    def is_free(self) -> bool:
        return (self.cost or "").strip().casefold() == "gratis"

    def element(self, key: str) -> ElementAssessment | None:
        for row in self.element_rows:
            if row.element_key == key:
                return row
        return None

    def element_levels(self) -> dict[str, int]:
        """Effective level per element: the reviewer's where a reviewer set one, else the NGO's own."""
        levels = {k: 0 for k in ELEMENT_KEYS}
        for row in self.element_rows:
            levels[row.element_key] = row.effective_level
        return levels

    def recount_elements(self) -> None:
        self.elements_count = count_present(self.element_levels())
        self.reviewed_elements_count = count_present(
            {row.element_key: row.effective_level if row.reviewed_at is not None else 0 for row in self.element_rows})

    @property
    def visible(self) -> bool:
        from .freshness import is_listed

        return self.organisation is not None and is_listed(self.status, self.organisation.verified,
                                                           self.assured_at)

    @property
    def freshness(self) -> str:
        """"fresh", "stale" (unconfirmed for a year: ranked lower, marked) or "hidden" (see catalog.freshness)."""
        from .freshness import state

        return state(self.assured_at)


class OfferArea(Base):
    __tablename__ = "offer_area"

    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    municipality: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class OfferFormat(Base):
    __tablename__ = "offer_format"

    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    format: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ElementAssessment(Base):
    __tablename__ = "element_assessment"
    __table_args__ = (UniqueConstraint("offer_id", "element_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    element_key: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer, default=0)
    evidence: Mapped[str] = mapped_column(Text, default="")
    reviewed_level: Mapped[int | None] = mapped_column(Integer)
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)

    offer: Mapped[Offer] = relationship(back_populates="element_rows")

    @property
    def effective_level(self) -> int:
        return self.reviewed_level if self.reviewed_level is not None else self.level


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="SET NULL"))
    home_municipality: Mapped[str | None] = mapped_column(String(60))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Logout and password change bump it; a session made under an older number is no longer accepted.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Set while a sign-up waits for the e-mail address to be confirmed: no login until then, deleted after this
    # moment if nobody confirms it (catalog.signup). None: an account that may log in (if `active`).
    pending_until: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    organisation: Mapped[Organisation | None] = relationship(back_populates="users")

    # The attributes Flask-Login expects, without importing Flask here.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active) and self.pending_until is None

    @property
    def pending(self) -> bool:
        """Signed up, e-mail address not confirmed yet."""
        return self.pending_until is not None

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)

    organisation: Mapped[Organisation | None] = relationship()

    def is_valid(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class Conversation(Base):
    """A caseworker's search conversation. Holds what was understood, never the typed text (see
    catalog.conversations); expires after the retention period."""
    __tablename__ = "conversation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_uuid)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                                      index=True)
    owner_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"),
                                                       index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)

    messages: Mapped[list[ConversationMessage]] = relationship(
        cascade="all, delete-orphan", order_by="ConversationMessage.id", back_populates="conversation")
    shortlist: Mapped[list[ShortlistItem]] = relationship(
        cascade="all, delete-orphan", order_by="ShortlistItem.id", back_populates="conversation")


class ConversationMessage(Base):
    __tablename__ = "conversation_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))  # "user" | "assistant"
    # What the turn understood ("Behov: Sorg og tab; Barn: 9 år; Kommune: Odense") or the service's reply,
    # generated from the service's own vocabulary: never the text the caseworker typed.
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


class ShortlistItem(Base):
    __tablename__ = "shortlist_item"
    __table_args__ = (UniqueConstraint("conversation_id", "offer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversation.id", ondelete="CASCADE"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"))
    need: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="shortlist")
    offer: Mapped[Offer] = relationship()


class ConfirmLink(Base):
    """A one-time link sent by mail: stored hashed, expiring, usable once (catalog.links). Either a "stadig
    korrekt" link in a reminder (`offer_id`) or a sign-up's e-mail confirmation (`user_id`)."""
    __tablename__ = "confirm_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class OutboxMessage(Base):
    """Mail written here when no SMTP server is configured (and a record of what was sent when one is)."""
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReferralOutcome(Base):
    """What happened after a referral. Deliberately nothing about the family: no text, no user, no day."""
    __tablename__ = "referral_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[str] = mapped_column(String(30))
    municipality: Mapped[str | None] = mapped_column(String(60))
    week: Mapped[str] = mapped_column(String(8))           # ISO week, e.g. "2026-W10"
    concepts: Mapped[list[str]] = mapped_column(JSON, default=list)   # thesaurus keys, never text


class MatchEvent(Base):
    """One match, for the coverage map: municipality and week only (no text, no user, no token)."""
    __tablename__ = "match_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality: Mapped[str | None] = mapped_column(String(60), index=True)
    week: Mapped[str] = mapped_column(String(8), index=True)

    needs: Mapped[list[MatchNeed]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class MatchNeed(Base):
    """A need concept understood in a match and how many eligible offers served it (0 = a gap)."""
    __tablename__ = "match_need"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("match_event.id", ondelete="CASCADE"), index=True)
    concept: Mapped[str] = mapped_column(String(60), index=True)
    eligible: Mapped[int] = mapped_column(Integer)


class CatalogState(Base):
    """One row: a counter bumped by every change to offers or organisations (see track_changes)."""
    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class RemovedOffer(Base):
    """Tombstones so other processes drop a deleted offer from their in-memory index."""
    __tablename__ = "removed_offer"

    offer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_seq: Mapped[int] = mapped_column(Integer, index=True)


class CatalogChange(Base):
    """One row per catalogue version, written in the transaction that took the version. A process that holds
    version v applies versions v+1, v+2, ... only while they are all here, so a version whose transaction has
    not committed yet (a gap) is waited for instead of skipped (web/matching.py)."""
    __tablename__ = "catalog_change"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --- change tracking -----------------------------------------------------------------------------

_VERSION_QUERY = select(CatalogState.__table__.c.version).where(CatalogState.__table__.c.id == 1)


def current_catalog_version(session: Session) -> int:
    # Core on the session's connection: this runs on every match request, so skip the ORM's overhead.
    return session.connection().execute(_VERSION_QUERY).scalar() or 0


def bump_catalog_version(conn) -> int:
    """Take the next catalogue version (the row lock orders writers) and log it in the same transaction."""
    version = conn.execute(update(CatalogState).where(CatalogState.id == 1)
                           .values(version=CatalogState.version + 1)
                           .returning(CatalogState.version)).scalar()
    if version is None:  # a database created without the migration's seed row
        conn.execute(insert(CatalogState).values(id=1, version=1))
        version = 1
    conn.execute(insert(CatalogChange).values(version=version, created_at=utcnow()))
    return version


@event.listens_for(Session, "before_flush")
def track_changes(session: Session, _ctx, _instances) -> None:
    """Bump the catalogue version and stamp what changed, so every process can refresh its index.

    A changed or deleted API token (revoked, new scopes or expiry) or a deleted user (whose tokens the
    database deletes with it) bumps the version too: each process keeps verified tokens in memory only while
    the version it reads per request stays the same (web/security.py), so a revocation counts at once."""
    touched = [o for o in session.new | session.dirty | session.deleted
               if isinstance(o, (Offer, Organisation, ElementAssessment, OfferArea, OfferFormat))
               and (o in session.new or o in session.deleted or session.is_modified(o))]
    credentials = any((isinstance(o, ApiToken) and (o in session.deleted or session.is_modified(o)))
                      or (isinstance(o, User) and o in session.deleted)
                      for o in session.dirty | session.deleted)
    if not touched and not credentials:
        return
    conn = session.connection()
    version = bump_catalog_version(conn)
    org_ids, offer_ids = set(), set()
    for obj in touched:
        if isinstance(obj, Offer):
            if obj in session.deleted:
                if obj.id is not None:
                    conn.execute(delete(RemovedOffer).where(RemovedOffer.offer_id == obj.id))
                    conn.execute(insert(RemovedOffer).values(offer_id=obj.id, change_seq=version))
            else:
                obj.change_seq = version
        elif isinstance(obj, Organisation):
            if obj.id is not None and obj not in session.deleted:
                org_ids.add(obj.id)
            elif obj.id is not None:
                for offer_id in conn.execute(select(Offer.id).where(Offer.organisation_id == obj.id)).scalars():
                    conn.execute(delete(RemovedOffer).where(RemovedOffer.offer_id == offer_id))
                    conn.execute(insert(RemovedOffer).values(offer_id=offer_id, change_seq=version))
        elif obj.offer_id is not None:
            offer_ids.add(obj.offer_id)
    if org_ids:
        conn.execute(update(Offer).where(Offer.organisation_id.in_(org_ids)).values(change_seq=version))
    if offer_ids:
        conn.execute(update(Offer).where(Offer.id.in_(offer_ids)).values(change_seq=version))


class AuditEntry(Base):
    """Who changed what: one row per created, changed or deleted offer, organisation, user, token or element
    review. Holds field names, never field values (and never a need text: conversations are not audited)."""
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(20))        # created, changed, deleted
    entity: Mapped[str] = mapped_column(String(40))        # offer, organisation, user, token, element
    entity_id: Mapped[str | None] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200), default="")
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
