"""An NGO signs itself up: the answer never tells whether the e-mail address already has an account.

Every valid sign-up costs one password hash and sends one mail, and the page then says "check your e-mail":

- a new address: the organisation and its first editor are created *pending* (`pending_until`), and the mail
  holds a one-time link (catalog.links) that confirms the address, activates both and logs the editor in;
- an address with an account: nothing is created; the mail tells its owner that someone tried to sign up with
  it and how to log in;
- an address whose sign-up still waits: nothing new is created; the mail holds a fresh link for that sign-up.

A pending account cannot log in (catalog.services.authenticate); one nobody confirms is deleted after
SIGNUP_VALID by :func:`purge_pending` (`civilmatch purge` and the service's own schedule).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from . import links, mail, services
from .db import utcnow
from .links import LinkRefused
from .models import ConfirmLink, Organisation, User
from .schemas import OrganisationSchema, UserSchema
from .services import InvalidData, _load

__all__ = ["LinkRefused", "MailSettings", "SIGNUP_VALID", "activate", "pending_user", "purge_pending", "register",
           "validate"]

SIGNUP_VALID = timedelta(hours=48)
SALT = "civilmatch-confirm-signup"
HOURS = int(SIGNUP_VALID.total_seconds() // 3600)

KIND = links.LinkKind(
    salt=SALT, max_age_seconds=int(SIGNUP_VALID.total_seconds()),
    invalid="Linket er ugyldigt. Kopiér hele linket fra mailen.",
    expired=(f"Linket er udløbet. Et link til at bekræfte en tilmelding virker i {HOURS} timer. "
             "Opret organisationen igen, så får du et nyt."),
    used=lambda at: ("Linket er allerede brugt, og kontoen er aktiveret. Log ind med din e-mailadresse og "
                     "adgangskode."))


@dataclass(frozen=True)
class MailSettings:
    """What a sign-up's mail needs from the configuration."""
    secret: str
    base_url: str
    sender: str
    smtp_url: str | None = None


def validate(org_data: dict, user_data: dict) -> tuple[dict, dict]:
    """The cleaned organisation and editor, or InvalidData with `organisation.*` / `user.*` paths. Asks no
    database: nothing here may depend on whether the e-mail address is known."""
    errors: dict[str, list[str]] = {}
    org_clean: dict = {}
    user_clean: dict = {}
    try:
        org_clean = _load(OrganisationSchema(), org_data)
    except InvalidData as exc:
        errors.update({f"organisation.{k}": v for k, v in exc.errors.items()})
    try:
        user_clean = _load(UserSchema(), {**user_data, "role": "ngo_editor"})
    except InvalidData as exc:
        errors.update({f"user.{k}": v for k, v in exc.errors.items()})
    if errors:
        raise InvalidData(errors)
    user_clean["email"] = user_clean["email"].strip().lower()
    return org_clean, user_clean


def register(session: Session, org_clean: dict, user_clean: dict, settings: MailSettings,
             now: datetime | None = None) -> str:
    """Act on a validated sign-up and send its one mail; the caller commits and answers the same whatever
    this returns ("created", "resent" or "known", for tests and nothing else)."""
    now = now or utcnow()
    email = user_clean["email"]
    existing = session.scalar(select(User).where(User.email == email))
    if existing is None:
        new_org = Organisation(**org_clean, verified=False, pending_until=now + SIGNUP_VALID)
        session.add(new_org)
        session.flush()
        user = services.create_user(session, user_clean, organisation=new_org)  # the one password hash
        user.pending_until = now + SIGNUP_VALID
        session.flush()
        _send_link(session, user, new_org, settings, now, again=False)
        return "created"
    services.hash_password(user_clean["password"])  # the same cost as creating the account; thrown away
    if existing.pending_until is not None:
        org = session.get(Organisation, existing.organisation_id) if existing.organisation_id else None
        existing.pending_until = now + SIGNUP_VALID  # the new link's validity
        if org is not None and org.pending_until is not None:
            org.pending_until = existing.pending_until
        _send_link(session, existing, org, settings, now, again=True)
        return "resent"
    base = settings.base_url.rstrip("/")
    mail.send(session, to=email, subject="Forsøg på at oprette en konto i civilmatch", sender=settings.sender,
              smtp_url=settings.smtp_url, body=(
                  "Hej\n\n"
                  "Nogen – måske dig – har forsøgt at oprette en organisation i civilmatch med denne "
                  "e-mailadresse. Der findes allerede en bruger med den, så der er ikke oprettet noget nyt, "
                  "og intet er ændret.\n\n"
                  f"Vil du logge ind, så gør det her: {base}/login\n\n"
                  "Har du glemt din adgangskode, kan civilmatch' administrator give dig en ny: svar på denne "
                  "mail, eller kontakt administratoren, som du plejer.\n\n"
                  "Var det ikke dig, kan du se bort fra denne mail.\n\n"
                  "Venlig hilsen\ncivilmatch\n"))
    return "known"


def _send_link(session: Session, user: User, org: Organisation | None, settings: MailSettings, now: datetime,
               *, again: bool) -> None:
    signed = links.issue(session, KIND, settings.secret, now=now, expires_at=now + SIGNUP_VALID,
                         user_id=user.id)
    url = f"{settings.base_url.rstrip('/')}/ngo/aktiver/{signed}"
    name = org.name if org is not None else ""
    intro = ("Du (eller en anden) har oprettet organisationen igen med denne e-mailadresse, men din første "
             f"tilmelding af {name} venter stadig på, at du bekræfter den. Den gælder, også den adgangskode, "
             "du valgte dengang." if again else
             f"Tak, fordi du har oprettet {name} i civilmatch. Bekræft din e-mailadresse, så er kontoen klar.")
    mail.send(session, to=user.email, subject="Bekræft din e-mailadresse til civilmatch", sender=settings.sender,
              smtp_url=settings.smtp_url, body=(
                  f"Hej\n\n{intro}\n\n"
                  f"Bekræft her: {url}\n\n"
                  f"Linket virker i {HOURS} timer og kun én gang. Bekræfter du ikke, slettes tilmeldingen.\n\n"
                  "Har du ikke oprettet en organisation i civilmatch, kan du se bort fra denne mail.\n\n"
                  "Venlig hilsen\ncivilmatch\n"))


def _pending(session: Session, signed: str, secret: str, now: datetime) -> tuple[ConfirmLink, User]:
    link = links.find(session, KIND, signed, secret, now)
    user = session.get(User, link.user_id) if link.user_id is not None else None
    if user is None:
        raise LinkRefused(KIND.invalid)
    if user.pending_until is None:  # an older link of an account another link already activated
        raise LinkRefused(KIND.used(now), gone=True)
    return link, user


def pending_user(session: Session, signed: str, secret: str, now: datetime | None = None) -> User:
    """The pending account a still-usable link would activate (LinkRefused otherwise); changes nothing."""
    return _pending(session, signed, secret, now or utcnow())[1]


def activate(session: Session, signed: str, secret: str, now: datetime | None = None) -> User:
    """Use the link: the account and its organisation stop being pending, the link is spent. The caller
    commits (and logs the user in)."""
    now = now or utcnow()
    link, user = _pending(session, signed, secret, now)
    link.used_at = now
    user.pending_until = None
    org = session.get(Organisation, user.organisation_id) if user.organisation_id else None
    if org is not None:
        org.pending_until = None
    session.flush()
    return user


def purge_pending(session: Session, now: datetime | None = None) -> int:
    """Delete sign-ups nobody confirmed in time: the accounts, their links (cascade) and every organisation
    still pending that no account belongs to any more. The number of accounts deleted; the caller commits."""
    now = now or utcnow()
    users = list(session.scalars(select(User).where(User.pending_until.is_not(None), User.pending_until <= now)))
    for user in users:
        session.delete(user)
    session.flush()
    has_users = exists().where(User.organisation_id == Organisation.id)
    orgs = list(session.scalars(select(Organisation).where(Organisation.pending_until.is_not(None),
                                                           Organisation.pending_until <= now, ~has_users)))
    for org in orgs:
        session.delete(org)
    session.flush()
    return len(users)

