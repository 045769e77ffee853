"""Data classes of the matcher API (see docs/DESIGN.md)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ConceptHit:
    key: str
    label: str                 # Danish
    words: list[str]           # the query words that evoked it
    weight: float = 1.0        # evidence strength (0-1)
    role: str = "main"         # "main": the need to rank for first; "context": another need the text names

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "words": list(self.words),
                "weight": round(float(self.weight), 3), "role": self.role}


@dataclass
class Need:
    municipality: str | None = None
    municipality_source: str | None = None
    child_ages: list[int] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    excluded_formats: list[str] = field(default_factory=list)
    free_only: bool = False
    languages: list[str] = field(default_factory=list)
    concepts: list[ConceptHit] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    # Extras (not in DESIGN.md, additive): ages of parents named in the text,
    # pregnancy flag, weights of the analysed terms.
    parent_ages: list[int] = field(default_factory=list)
    pregnant: bool = False
    term_weights: dict[str, float] = field(default_factory=dict)
    # Further municipalities the named place (a postal district spanning several)
    # lies in: an offer covering any of them is eligible, the first one preferred.
    municipality_alternatives: list[str] = field(default_factory=list)
    # Other municipalities the same place name can mean ("Hasle": Aarhus or
    # Bornholm); not eligible, but a dialogue may ask which one is meant.
    municipality_ambiguous: list[str] = field(default_factory=list)
    # Multiplier of plain word (BM25) evidence: 1 for a short text, less for a long story, so
    # need concepts carry long texts (see matcher.focus.word_weight and matcher.rank).
    word_weight: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "municipality_source": self.municipality_source,
            "municipality_alternatives": list(self.municipality_alternatives),
            "municipality_ambiguous": list(self.municipality_ambiguous),
            "child_ages": [int(a) for a in self.child_ages],
            "parent_ages": [int(a) for a in self.parent_ages],
            "pregnant": bool(self.pregnant),
            "audience": list(self.audience),
            "formats": list(self.formats),
            "excluded_formats": list(self.excluded_formats),
            "free_only": bool(self.free_only),
            "languages": list(self.languages),
            "concepts": [c.to_dict() for c in self.concepts],
            "terms": list(self.terms),
            "word_weight": round(float(self.word_weight), 3),
        }

    def override(self, *, municipality: str | None = None, child_ages: list[int] | None = None,
                 formats: list[str] | None = None) -> Need:
        """What a caller states outright wins over what was read from the text (None: keep the text's).

        ``municipality=""`` means the whole country (no area filter); a name is taken as given, so a postal
        district's alternatives no longer widen the area. Wanted formats are no longer also refused."""
        if municipality is not None:
            self.municipality = municipality or None
            self.municipality_source = "angivet" if municipality else None
        if child_ages is not None:
            self.child_ages = [int(a) for a in child_ages]
        if formats is not None:
            self.formats = list(formats)
            self.excluded_formats = [f for f in self.excluded_formats if f not in self.formats]
        return self


@dataclass
class Hit:
    offer_id: Any
    score: float
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"offer_id": self.offer_id, "score": round(float(self.score), 4),
                "reasons": list(self.reasons)}


@dataclass
class MatchResult:
    need: Need
    results: list[Hit] = field(default_factory=list)
    left_out: list[dict[str, Any]] = field(default_factory=list)
    total_eligible: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "understood": self.need.to_dict(),
            "results": [h.to_dict() for h in self.results],
            "left_out": [dict(x) for x in self.left_out],
            "total_eligible": int(self.total_eligible),
        }


__all__ = ["ConceptHit", "Need", "Hit", "MatchResult", "asdict"]
