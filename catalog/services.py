"""The rules that change the catalogue. Callers (web views, CLI) own the transaction and commit."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from marshmallow import ValidationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .db import utcnow
from .elements import ELEMENT_KEYS
from .messages import EMAIL_TAKEN, REQUIRED
from .models import (ROLES, SCOPES, ApiToken, ElementAssessment, Offer, Organisation, User)
from .municipalities import canonical_area
from .schemas import OfferSchema, OrganisationSchema, UserSchema, errors_to_paths


class ServiceError(Exception):
    pass


class InvalidData(ServiceError):
    """Validation failed. `errors` maps field paths to Danish messages; `data` is what the user sent."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("Ugyldige data: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class AccountPending(ServiceError):
    """The password is right, but the account's e-mail address is not confirmed yet (catalog.signup)."""


class VersionConflict(ServiceError):
    def __init__(self, current_version: int):
        self.current_version = current_version
        super().__init__("Tilbuddet er blevet ændret af en anden, siden du hentede det. Hent det igen, "
                         "og gentag din ændring.")


def _load(schema, data, **kw) -> dict:
    try:
        return schema.load(data, **kw)
    except ValidationError as exc:
        raise InvalidData(errors_to_paths(exc.messages)) from exc


# --- organisations ---------------------------------------------------------------------------------

def create_organisation(session: Session, data: dict, *, verified: bool = False) -> Organisation:
    clean = _load(OrganisationSchema(), data)
    if clean.get("external_id") and session.scalar(
            select(Organisation.id).where(Organisation.external_id == clean["external_id"])):
        raise InvalidData({"external_id": ["Der findes allerede en organisation med dette id."]})
    org = Organisation(**clean, verified=verified, verified_at=utcnow() if verified else None)
    session.add(org)
    session.flush()
    return org


def update_organisation(session: Session, org: Organisation, data: dict) -> Organisation:
    clean = _load(OrganisationSchema(), data, partial=True)
    for key, value in clean.items():
        setattr(org, key, value)
    session.flush()
    return org


def set_verified(session: Session, org: Organisation, verified: bool) -> None:
    org.verified = verified
    org.verified_at = utcnow() if verified else None
    session.flush()


# --- offers -----------------------------------------------------------------------------------------

def validate_offer(data: dict, *, partial: bool = False, check_evidence: bool = False) -> dict:
    """`check_evidence`: apply catalog.evidence's rules (what organisations write by hand: form and API)."""
    clean = _load(OfferSchema(), data, partial=partial)
    if check_evidence and clean.get("elements"):
        from .evidence import check

        problems = check(clean["elements"])
        if problems:
            raise InvalidData(problems)
    return clean


def apply_fields(offer: Offer, clean: dict) -> None:
    simple = ("external_id", "title", "description", "target_group", "age_min", "age_max", "audience",
              "cost", "schedule", "tags", "languages", "assured_at")
    for key in simple:
        if key in clean:
            setattr(offer, key, clean[key])
    if "areas" in clean:
        offer.areas = clean["areas"]
    if "formats" in clean:
        offer.set_formats(clean["formats"])
    if "contact" in clean:
        contact = clean["contact"] or {}
        offer.contact_email = contact.get("email")
        offer.contact_phone = contact.get("phone")
    if "elements" in clean:
        set_elements(offer, clean["elements"])
    if "status" in clean:
        offer.status = clean["status"]
    offer.updated_at = utcnow()


def create_offer(session: Session, organisation: Organisation, data: dict, *, status: str = "draft",
                 check_evidence: bool = False) -> Offer:
    clean = validate_offer(data, check_evidence=check_evidence)
    clean.setdefault("status", status)
    if clean.get("external_id") and session.scalar(select(Offer.id).where(Offer.external_id == clean["external_id"])):
        raise InvalidData({"external_id": ["Der findes allerede et tilbud med dette id."]})
    offer = Offer(organisation=organisation, title=clean["title"])
    session.add(offer)
    apply_fields(offer, clean)
    if offer.status == "published" and offer.assured_at is None:
        offer.assured_at = utcnow()  # publishing is the organisation saying the offer is correct now
    if "elements" not in clean:
        set_elements(offer, {})
    session.flush()
    return offer


def update_offer(session: Session, offer: Offer, data: dict, *, expected_version: int | None = None,
                 partial: bool = False, check_evidence: bool = False) -> Offer:
    """Change an offer. A stale `expected_version` raises VersionConflict and nothing is written."""
    if expected_version is not None and expected_version != offer.version:
        raise VersionConflict(offer.version)
    clean = validate_offer(data, partial=partial, check_evidence=check_evidence)
    clean.pop("version", None)
    if clean.get("external_id") and clean["external_id"] != offer.external_id and session.scalar(
            select(Offer.id).where(Offer.external_id == clean["external_id"])):
        raise InvalidData({"external_id": ["Der findes allerede et tilbud med dette id."]})
    apply_fields(offer, clean)
    flush_versioned(session, offer)
    return offer


def flush_versioned(session: Session, offer: Offer) -> None:
    """Flush; a concurrent writer that got there first surfaces as VersionConflict."""
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        current = session.scalar(select(Offer.version).where(Offer.id == offer.id)) or 0
        raise VersionConflict(current) from exc


def set_elements(offer: Offer, elements: dict[str, dict]) -> None:
    """Set the NGO's own levels and evidence; missing elements become level 0. Reviews are kept."""
    existing = {row.element_key: row for row in offer.element_rows}
    for key in ELEMENT_KEYS:
        item = elements.get(key) or {}
        row = existing.get(key)
        if row is None:
            row = ElementAssessment(element_key=key)
            offer.element_rows.append(row)
        level = int(item.get("level", row.level if key not in elements and row.id else 0) or 0)
        if key in elements or row.id is None:
            if row.reviewed_at is not None and row.reviewed_level is None and row.level != level:
                row.reviewed_at = None  # a confirmation was of the old level: the new one awaits review
            row.level = level
            row.evidence = (item.get("evidence") or "").strip()
    offer.recount_elements()


def set_status(session: Session, offer: Offer, status: str) -> None:
    if status not in ("draft", "published", "archived"):
        raise InvalidData({"status": ["Ukendt status."]})
    offer.status = status
    offer.updated_at = utcnow()
    if status == "published" and offer.assured_at is None:
        offer.assured_at = utcnow()
    flush_versioned(session, offer)


def assure(session: Session, offer: Offer) -> None:
    """The NGO confirms the offer is still correct (kept apart from updated_at)."""
    offer.assured_at = utcnow()
    offer.updated_at = Offer.updated_at  # keep the stored value; otherwise the column's onupdate bumps it
    flush_versioned(session, offer)


def review_element(session: Session, offer: Offer, key: str, level: int | None, note: str,
                   reviewer: User) -> ElementAssessment:
    if key not in ELEMENT_KEYS:
        raise InvalidData({"element": ["Ukendt element."]})
    if level is not None and level not in (0, 1, 2, 3):
        raise InvalidData({"level": ["Niveau skal være 0, 1, 2 eller 3."]})
    note = (note or "").strip()
    if level is not None and not note:
        raise InvalidData({"note": ["Skriv en begrundelse for vurderingen."]})
    row = offer.element(key)
    if row is None:
        set_elements(offer, {})
        row = offer.element(key)
        assert row is not None  # set_elements made a row for every element
    row.reviewed_level = level
    row.review_note = note or None
    row.reviewed_by_id = reviewer.id
    row.reviewed_at = utcnow()
    offer.recount_elements()
    session.flush()
    return row


def delete_offer(session: Session, offer: Offer) -> None:
    session.delete(offer)
    session.flush()


# --- users and passwords ------------------------------------------------------------------------------

_HASHER = PasswordHasher()  # Argon2id with argon2-cffi's current recommended parameters


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def check_password(stored: str, password: str) -> bool:
    """True when the password fits the stored hash (Argon2, or the scrypt format of earlier versions)."""
    if stored.startswith("scrypt$"):
        return _check_scrypt(stored, password)
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(stored: str) -> bool:
    """An older format or older Argon2 parameters: hash again at the next successful login."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True


def _check_scrypt(stored: str, password: str) -> bool:
    """Hashes written before Argon2: "scrypt$n$r$p$salt-hex$digest-hex". Read only, to rehash them at login."""
    try:
        _algo, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def email_taken(session: Session, email: str) -> bool:
    return bool(email) and session.scalar(select(User.id).where(User.email == email.strip().lower())) is not None


def create_user(session: Session, data: dict, *, organisation: Organisation | None = None) -> User:
    clean = _load(UserSchema(), data)
    email = clean["email"].lower()
    if email_taken(session, email):
        raise InvalidData({"email": [EMAIL_TAKEN]})
    if clean["role"] == "ngo_editor" and organisation is None:
        raise InvalidData({"organisation": ["En redaktør skal høre til en organisation."]})
    user = User(email=email, name=clean.get("name", ""), password_hash=hash_password(clean["password"]),
                role=clean["role"], organisation=organisation if clean["role"] == "ngo_editor" else None,
                home_municipality=canonical_area(clean["home_municipality"]) if clean.get("home_municipality") else None)
    session.add(user)
    session.flush()
    return user


MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_DUMMY_HASH: list[str] = []


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with this e-mail and password, or None. Costs one password check whether or not the e-mail is
    known; after MAX_FAILED_LOGINS wrong passwords in a row the account is locked for LOCKOUT (the caller
    commits, so failures count across processes). The right password of a sign-up whose e-mail address is not
    confirmed yet raises AccountPending: only who knows the password learns that."""
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password(secrets.token_hex(12)))
        check_password(_DUMMY_HASH[0], password or "")  # same cost whether or not the user exists
        return None
    now = utcnow()
    correct = check_password(user.password_hash, password or "")
    if user.locked_until is not None and user.locked_until > now:
        return None
    if not user.active or not correct:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        return None
    if user.pending_until is not None:
        raise AccountPending("Bekræft din e-mailadresse, før du logger ind.")
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)  # the caller's commit stores it
        session.flush()
    return user


def end_sessions(user: User) -> None:
    """Every session of this user (on any device or worker) stops working at its next request."""
    user.session_version = (user.session_version or 1) + 1


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; ends the user's other sessions."""
    errors: dict[str, list[str]] = {}
    if not check_password(user.password_hash, current or ""):
        errors["current_password"] = ["Den nuværende adgangskode er forkert."]
    try:
        _load(UserSchema(), {"email": user.email, "role": user.role, "password": new})
    except InvalidData as exc:
        if "password" in exc.errors:
            errors["password"] = exc.errors["password"]
    if errors:
        raise InvalidData(errors)
    user.password_hash = hash_password(new)
    end_sessions(user)


# --- API tokens -----------------------------------------------------------------------------------------

DEFAULT_SCOPES = {"admin": list(SCOPES), "caseworker": ["match", "conversations"], "ngo_editor": ["offers:write"]}


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, name: str, role: str, organisation: Organisation | None = None,
                 user: User | None = None, scopes: list[str] | None = None,
                 expires_at: datetime | None = None, days: int | None = None) -> tuple[ApiToken, str]:
    """Make a bearer token; only its hash is stored. Returns the row and the token to show once."""
    errors: dict[str, list[str]] = {}
    if role not in ROLES:
        errors["role"] = [f"Ukendt rolle '{role}'. Vælg blandt: {', '.join(ROLES)}."]
    if role == "ngo_editor" and organisation is None:
        errors["organisation"] = ["Et token med rollen ngo_editor skal høre til en organisation."]
    scopes = list(DEFAULT_SCOPES.get(role, [])) if scopes is None else scopes
    bad = [s for s in scopes if s not in SCOPES]
    if bad:
        errors["scopes"] = [f"Ukendt scope: {', '.join(bad)}. Vælg blandt: {', '.join(SCOPES)}."]
    if not (name or "").strip():
        errors["name"] = [REQUIRED]
    if errors:
        raise InvalidData(errors)
    if days is not None:
        expires_at = utcnow() + timedelta(days=days)
    plain = "cm_" + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip(), token_hash=_token_digest(plain), prefix=plain[:10], role=role,
                   organisation=organisation, user_id=user.id if user else None, scopes=scopes,
                   expires_at=expires_at)
    session.add(row)
    session.flush()
    return row, plain


@dataclass(frozen=True)
class TokenInfo:
    """What a request needs to know about its bearer token (read with one Core query: it runs per API call)."""
    id: int
    name: str
    role: str
    organisation_id: int | None
    scopes: tuple[str, ...]
    last_used_at: datetime | None
    expires_at: datetime | None = None


def find_token(session: Session, plain: str) -> TokenInfo | None:
    """The valid (not revoked, not expired) token for this bearer string, or None."""
    if not plain or len(plain) > 200:
        return None
    t = ApiToken.__table__.c
    row = session.connection().execute(
        select(t.id, t.name, t.role, t.organisation_id, t.scopes, t.last_used_at, t.expires_at, t.revoked_at)
        .where(t.token_hash == _token_digest(plain))).first()
    if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= utcnow()):
        return None
    return TokenInfo(row.id, row.name, row.role, row.organisation_id, tuple(row.scopes or ()), row.last_used_at,
                     row.expires_at)


def token_digest(plain: str) -> str:
    """The key a bearer string is stored and looked up under (never the string itself)."""
    return _token_digest(plain)


def touch_token(session: Session, token_id: int, when: datetime) -> None:
    session.connection().execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=when))


def revoke_token(session: Session, token_id_or_prefix: str) -> ApiToken | None:
    cond = [ApiToken.prefix == token_id_or_prefix]
    if token_id_or_prefix.isdigit():
        cond.append(ApiToken.id == int(token_id_or_prefix))
    row = session.scalar(select(ApiToken).where(or_(*cond)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return row


def find_organisation(session: Session, ref: str) -> Organisation | None:
    """By id or external_id."""
    if ref is None:
        return None
    org = session.scalar(select(Organisation).where(Organisation.external_id == ref))
    if org is None and str(ref).isdigit():
        org = session.get(Organisation, int(ref))
    return org
