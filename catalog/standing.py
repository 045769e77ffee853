"""An admin rejects or suspends an organisation with a reason its editors see (or makes it active again)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .models import Organisation
from .services import InvalidData

STANDINGS = {"active": "Aktiv", "rejected": "Afvist", "suspended": "Suspenderet"}
REASON_MIN, REASON_MAX = 10, 1000


def set_standing(session: Session, org: Organisation, standing: str, reason: str | None) -> None:
    """Rejected or suspended organisations lose their verification, so none of their offers is shown.
    Made active again, an organisation still waits for an admin to verify it."""
    reason = " ".join((reason or "").split())
    if standing not in STANDINGS:
        raise InvalidData({"standing": ["Vælg aktiv, afvist eller suspenderet."]})
    if standing != "active":
        if len(reason) < REASON_MIN:
            raise InvalidData({"reason": [f"Skriv en begrundelse på mindst {REASON_MIN} tegn; "
                                          "organisationens redaktører ser den."]})
        if len(reason) > REASON_MAX:
            raise InvalidData({"reason": [f"Højst {REASON_MAX} tegn."]})
        org.verified = False
        org.verified_at = None
    org.standing = standing
    org.standing_reason = reason if standing != "active" else None
    session.flush()
