"""Reminders to confirm offers: who is due, one message per organisation, signed one-click links.

A link (catalog.links) carries a random token signed with the app's secret, so a tampered or expired link is
refused before the database is asked; only the token's SHA-256 is stored, and it confirms its one offer once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from . import links, mail, services
from .db import utcnow
from .freshness import POLICY, months_before
from .links import LinkRefused
from .models import ConfirmLink, Offer, Organisation, User

__all__ = ["LinkRefused", "confirm", "due_offers", "issue_link", "link_offer", "send_reminders"]

SALT = "civilmatch-confirm-offer"
_INVALID = "Linket er ugyldigt. Kopiér hele linket fra mailen, eller log ind."
_EXPIRED = "Linket er udløbet. Log ind, og bekræft tilbuddet på jeres side."


def _kind() -> links.LinkKind:
    # Built per call: the link validity is configurable (catalog.freshness.configure).
    return links.LinkKind(
        salt=SALT, max_age_seconds=POLICY.link_days * 86400, invalid=_INVALID, expired=_EXPIRED,
        used=lambda at: f"Linket er allerede brugt. Tilbuddet blev bekræftet {at.day}/{at.month} {at.year}.")


def due_offers(session: Session, now: datetime | None = None) -> list[Offer]:
    """Published offers of verified organisations unconfirmed for REMIND_MONTHS (hidden ones too), not
    reminded within the last REMIND_INTERVAL_DAYS."""
    now = now or utcnow()
    cutoff = months_before(now, POLICY.remind_months)
    recent = select(ConfirmLink.offer_id).where(  # (sign-up links have no offer: NULL would void NOT IN)
        ConfirmLink.offer_id.is_not(None),
        ConfirmLink.created_at > now - timedelta(days=POLICY.remind_interval_days))
    query = (select(Offer).join(Organisation, Organisation.id == Offer.organisation_id)
             .where(Offer.status == "published", Organisation.verified.is_(True),
                    or_(Offer.assured_at.is_(None), Offer.assured_at < cutoff), Offer.id.not_in(recent))
             .options(selectinload(Offer.organisation)).order_by(Offer.organisation_id, Offer.title, Offer.id))
    return list(session.scalars(query))


def issue_link(session: Session, offer: Offer, secret: str, now: datetime | None = None) -> str:
    """A new signed token confirming `offer` (valid LINK_DAYS, once)."""
    now = now or utcnow()
    return links.issue(session, _kind(), secret, now=now, expires_at=now + timedelta(days=POLICY.link_days),
                       offer_id=offer.id)


def _find(session: Session, signed: str, secret: str, now: datetime) -> ConfirmLink:
    link = links.find(session, _kind(), signed, secret, now)
    if link.offer_id is None:  # not a reminder's link
        raise LinkRefused(_INVALID)
    return link


def link_offer(session: Session, signed: str, secret: str, now: datetime | None = None) -> Offer:
    """The offer a still-usable link would confirm (LinkRefused otherwise); changes nothing."""
    link = _find(session, signed, secret, now or utcnow())
    return session.get_one(Offer, link.offer_id)


def confirm(session: Session, signed: str, secret: str, now: datetime | None = None) -> Offer:
    """Use the link: its offer is confirmed now and the link is spent. The caller commits."""
    now = now or utcnow()
    link = _find(session, signed, secret, now)
    link.used_at = now
    offer = session.get_one(Offer, link.offer_id)
    services.assure(session, offer)
    return offer


def recipients(session: Session, org: Organisation) -> list[str]:
    editors = session.scalars(select(User.email).where(User.organisation_id == org.id, User.active.is_(True),
                                                       User.pending_until.is_(None),
                                                       User.role == "ngo_editor").order_by(User.email)).all()
    return list(editors) or ([org.email] if org.email else [])


@dataclass
class ReminderReport:
    organisations: int = 0
    offers: int = 0
    messages: int = 0
    sent: int = 0
    without_address: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.offers} tilbud hos {self.organisations} organisationer skal bekræftes; "
                f"{self.messages} beskeder ({self.sent} sendt med SMTP, {self.messages - self.sent} i udbakken).")
        if self.without_address:
            text += " Uden e-mailadresse: " + ", ".join(self.without_address) + "."
        return text


def _body(org: Organisation, lines: list[str]) -> str:
    return (f"Kære {org.name}\n\n"
            "Sagsbehandlere stoler på, at tilbuddene i civilmatch er aktuelle. Disse tilbud er ikke bekræftet "
            f"i {POLICY.remind_months} måneder. Efter {POLICY.stale_months} måneder vises de lavere og med en "
            f"markering, og efter {POLICY.hidden_months} måneder skjules de, indtil I bekræfter dem igen.\n\n"
            + "\n\n".join(lines)
            + f"\n\nLinkene virker i {POLICY.link_days} dage og kun én gang.\n\nVenlig hilsen\ncivilmatch\n")


def send_reminders(session: Session, *, secret: str, base_url: str, sender: str, smtp_url: str | None = None,
                   now: datetime | None = None) -> ReminderReport:
    """One message per organisation listing its due offers. Commits per organisation, so a mail server
    failing halfway leaves the organisations already reminded recorded and the rest due."""
    now = now or utcnow()
    report = ReminderReport()
    base = base_url.rstrip("/")
    by_org: dict[int, list[Offer]] = {}
    for offer in due_offers(session, now):
        by_org.setdefault(offer.organisation_id, []).append(offer)
    for offers in by_org.values():
        org = offers[0].organisation
        to = recipients(session, org)
        report.organisations += 1
        report.offers += len(offers)
        if not to:
            report.without_address.append(org.name)
            continue
        lines = []
        for offer in offers:
            signed = issue_link(session, offer, secret, now)
            when = f"bekræftet {offer.assured_at:%d.%m.%Y}" if offer.assured_at else "aldrig bekræftet"
            lines.append(f"- {offer.title} ({when})\n"
                         f"  Stadig korrekt: {base}/ngo/bekraeft/{signed}\n"
                         f"  Ret tilbuddet: {base}/ngo/offers/{offer.id}/edit")
        for address in to:
            record = mail.send(session, to=address, subject="Er jeres tilbud stadig aktuelle?",
                               body=_body(org, lines), sender=sender, smtp_url=smtp_url)
            report.messages += 1
            report.sent += record.sent_at is not None
        session.commit()
    return report


def outbox_count(session: Session) -> int:
    from .models import OutboxMessage

    return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
