"""An admin reviews all 11 elements of an offer at once: all or nothing."""
from __future__ import annotations

from sqlalchemy.orm import Session

from .elements import BY_KEY, ELEMENT_KEYS, LEVELS
from .models import Offer, User
from .services import InvalidData, review_element


def review_all(session: Session, offer: Offer, choices: dict[str, tuple[str, str]], reviewer: User) -> int:
    """`choices`: element key -> (raw level, note). Raw level "" or "confirm" confirms the organisation's own
    level, "skip" leaves the element unreviewed, "0"-"3" sets the reviewer's level (a change needs a note).
    Every problem is reported (paths `<key>.level` / `<key>.note`) before anything is written.
    Returns how many elements were reviewed."""
    errors: dict[str, list[str]] = {}
    plan: list[tuple[str, int | None, str]] = []
    for key in ELEMENT_KEYS:
        raw, note = choices.get(key, ("skip", ""))
        raw, note = (raw or "").strip(), (note or "").strip()
        if raw == "skip":
            continue
        row = offer.element(key)
        own = row.level if row else 0
        if raw in ("", "confirm"):
            level = None
        elif raw.isdigit() and int(raw) in LEVELS:
            level = None if int(raw) == own else int(raw)
        else:
            errors[f"{key}.level"] = [f"{BY_KEY[key].name}: vælg et niveau fra 0 til 3."]
            continue
        if level is not None and not note:
            errors[f"{key}.note"] = [f"{BY_KEY[key].name}: skriv en begrundelse, når du ændrer organisationens "
                                     "niveau."]
            continue
        plan.append((key, level, note))
    if errors:
        raise InvalidData(errors)
    for key, level, note in plan:
        review_element(session, offer, key, level, note, reviewer)
    return len(plan)
