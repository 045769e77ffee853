"""Record each match for the coverage map: per need concept understood, how many eligible offers served it.

Called by every place that runs a first-page match (API, chat, embed). Stores no text and no identifiers
(catalog/coverage.py); a failure here never breaks the match (only the exception's type is logged).
"""
from __future__ import annotations

import dataclasses
import logging

from catalog.coverage import MAX_CONCEPTS, record_match

log = logging.getLogger(__name__)


def eligible_by_concept(engine, need) -> dict[str, int]:
    """For each concept of `need`: the eligible offers (same municipality, ages, formats) a search for that
    concept alone finds. 0 means the need met no offer at all."""
    out: dict[str, int] = {}
    for concept in list(need.concepts)[:MAX_CONCEPTS]:
        alone = dataclasses.replace(need, concepts=[concept], terms=[], term_weights={})
        out[concept.key] = int(engine.search(alone, limit=1).total_eligible)
    return out


def record(session, engine, need) -> None:
    """Add the match's row (the caller commits with its own transaction, or not at all)."""
    if not need.concepts:
        return
    try:
        counts = eligible_by_concept(engine, need)
    except Exception as exc:  # the coverage map must never cost a caseworker a result
        log.warning("Could not count eligible offers per need: %s", type(exc).__name__)
        return
    record_match(session, need.municipality, counts)
