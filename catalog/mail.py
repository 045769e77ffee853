"""Outgoing mail: through SMTP when CIVILMATCH_SMTP_URL is set, otherwise into the outbox an admin reads.

Every message is kept in `outbox_message` either way (sent_at tells whether it left). URL forms:
`smtp://host:25`, `smtp+starttls://user:password@host:587`, `smtps://user:password@host:465`.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlalchemy.orm import Session

from .db import utcnow
from .models import OutboxMessage


class MailError(Exception):
    pass


def _deliver(smtp_url: str, message: EmailMessage) -> None:
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps", "smtp+starttls"):
        raise MailError(f"Ukendt SMTP-adresse: {url.scheme}://")
    host = url.hostname or "127.0.0.1"
    client: smtplib.SMTP
    if url.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, url.port or 465, timeout=30)
    else:
        client = smtplib.SMTP(host, url.port or 25, timeout=30)
    with client:
        if url.scheme == "smtp+starttls":
            client.starttls()
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)


def send(session: Session, *, to: str, subject: str, body: str, sender: str,
         smtp_url: str | None = None) -> OutboxMessage:
    """Send (or, without SMTP, keep for the admin) one plain-text message; the caller commits."""
    record = OutboxMessage(recipient=to, subject=subject, body=body, created_at=utcnow())
    if smtp_url:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = sender, to, subject
        message.set_content(body)
        try:
            _deliver(smtp_url, message)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"Kunne ikke sende til {to}: {type(exc).__name__}") from exc
        record.sent_at = utcnow()
    session.add(record)
    session.flush()
    return record
