"""The demo catalogue and demo users for the quick start."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .exchange import import_catalogue
from .models import Offer, Organisation
from .services import create_user

DEMO_FILE = Path(__file__).parent / "data" / "demo_catalogue.json"
DEMO_USERS = (
    ("admin@demo.civilmatch.dk", "Demo administrator", "admin", None),
    ("sagsbehandler@demo.civilmatch.dk", "Demo sagsbehandler", "caseworker", "Aarhus"),
    ("ngo@demo.civilmatch.dk", "Demo organisation", "ngo_editor", None),
)


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(Offer))


def load_demo(session: Session, passwords: dict[str, str]) -> list[tuple[str, str, str]]:
    """Import the demo catalogue (organisations verified) and create one user per role.

    `passwords` maps each demo e-mail to its password. Returns (role, e-mail, password) rows to print.
    """
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    import_catalogue(session, data)
    first_org = session.scalar(select(Organisation).order_by(Organisation.id))
    logins = []
    for email, name, role, home in DEMO_USERS:
        create_user(session, {"email": email, "name": name, "password": passwords[email], "role": role,
                              "home_municipality": home},
                    organisation=first_org if role == "ngo_editor" else None)
        logins.append((role, email, passwords[email]))
    return logins
