"""Constants and helpers shared by the tests."""
from __future__ import annotations

import os
import re
from pathlib import Path

DEMO_PASSWORD = "korrekt-hest-batteri"

OFFER_DATA = {
    "title": "Lektiecafé for 4.–7. klasse",
    "description": "Frivillige hjælper børn med lektier to gange om ugen i biblioteket. Der er frugt, "
                   "ro til at lære og voksne, der har tid til at forklare matematik og læsning.",
    "target_group": "Skolebørn, der har brug for hjælp til lektierne",
    "age_min": 10, "age_max": 13, "audience": ["børn"], "areas": ["Vejle"], "formats": ["gruppe"],
    "cost": "gratis", "schedule": "Tirsdag og torsdag kl. 15-17", "tags": ["lektiehjælp", "skole"],
    "contact": {"email": "lektier@example.org", "phone": "+45 12 34 56 78"},
}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


ARTIFACTS = Path(os.environ.get("CIVILMATCH_TEST_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))


_SIGNUP_LINK = re.compile(r"/ngo/aktiver/[A-Za-z0-9_.-]+")


def mails_to(app, address: str) -> list[tuple[str, str]]:
    """(subject, body) of every mail the service wrote to `address`, oldest first (tests run without SMTP, so
    each one waits in the outbox)."""
    from sqlalchemy import select

    from catalog.models import OutboxMessage
    from web.extensions import db

    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == address)
                                  .order_by(OutboxMessage.id)).all()
        return [(row.subject, row.body) for row in rows]


def signup_link(app, address: str) -> str:
    """The path of the newest sign-up confirmation link mailed to `address`."""
    found = [m.group(0) for _subject, body in mails_to(app, address) for m in _SIGNUP_LINK.finditer(body)]
    assert found, f"no confirmation link was mailed to {address}"
    return found[-1]


def confirm_signup(app, client, address: str):
    """Follow the link in the sign-up mail as its reader would: open it, press the button (logs in)."""
    path = signup_link(app, address)
    assert client.get(path).status_code == 200
    response = client.post(path)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response
