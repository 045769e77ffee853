"""Evidence, not claims: an element assessed at level 2 or higher needs evidence text that says something.

Refused, with a Danish message at `elements.<key>.evidence`: evidence shorter than MIN_CHARS characters or
MIN_WORDS words; evidence that is (nearly) the same text as another element's in the same offer; evidence that
repeats the guide's own wording (an element's meaning or guiding question, catalog/elements.py).
"""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from .elements import BY_KEY, ELEMENTS

MIN_LEVEL = 2
MIN_CHARS = 30
MIN_WORDS = 5
COPY_RATIO = 90      # rapidfuzz ratio (0-100) from which two evidence texts count as the same
GUIDE_RATIO = 85     # ... from which evidence counts as the guide's wording

_GUIDE = [(e.key, text) for e in ELEMENTS for text in (e.meaning, e.question, e.name)]


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def check(elements: dict[str, dict]) -> dict[str, list[str]]:
    """Errors keyed by field path for `elements` ({key: {"level", "evidence"}})."""
    errors: dict[str, list[str]] = {}
    seen: list[tuple[str, str]] = []
    for key, item in elements.items():
        if key not in BY_KEY:
            continue
        level = int(item.get("level") or 0)
        text = (item.get("evidence") or "").strip()
        norm = _norm(text)
        path = f"elements.{key}.evidence"
        if level < MIN_LEVEL:
            if norm:
                seen.append((key, norm))
            continue
        name = BY_KEY[key].name
        if len(text) < MIN_CHARS or len(norm.split()) < MIN_WORDS:
            errors[path] = [f"{name}: niveau {level} kræver en begrundelse på mindst {MIN_CHARS} tegn og "
                            f"{MIN_WORDS} ord, der siger, hvad I konkret gør eller har (fx et dokument, et "
                            "skema eller en fast praksis)."]
            continue
        guide = next((k for k, g in _GUIDE if fuzz.ratio(norm, _norm(g)) >= GUIDE_RATIO
                      or (len(norm) <= len(_norm(g)) + 10 and fuzz.partial_ratio(norm, _norm(g)) >= 95)), None)
        if guide is not None:
            errors[path] = [f"{name}: begrundelsen gentager vejledningens ord. Skriv med jeres egne ord, "
                            "hvordan I gør."]
            continue
        twin = next((k for k, other in seen if fuzz.ratio(norm, other) >= COPY_RATIO), None)
        if twin is not None:
            errors[path] = [f"{name}: begrundelsen er den samme som for »{BY_KEY[twin].name}«. Skriv, hvad der "
                            "gælder for netop dette element."]
            continue
        seen.append((key, norm))
    return errors
