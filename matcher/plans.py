"""Plans: a family's plan is several goals; each goal is matched on its own, then the results are combined.

Pure logic (no Flask, no database). A goal may carry a theme: an ICS triangle heading (the newer version)
or an area of the børnefaglig undersøgelse. The theme adds a gentle bias: its related concepts join the
goal's Need with a lower weight than concepts read from the text (a concept the text already names keeps
its own, stronger weight).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .analysis import concept_label
from .models import ConceptHit, Hit, Need

PRIMARY = 0.35     # a theme's core concepts; a concept read from the text weighs up to 1.0
SECONDARY = 0.2    # a theme's neighbouring concepts

# Canonical theme name -> {concept key: weight}. ICS headings (newer version) first, then the areas of the
# børnefaglig undersøgelse that differ from them (Udvikling og adfærd, Sundhedsforhold and Fritidsforhold og
# venskaber are in both lists).
THEMES: dict[str, dict[str, float]] = {
    # Barnets udvikling
    "Sundhedsforhold": {"handicap_sygdom_barn": PRIMARY, "trivsel_unge": SECONDARY,
                        "fodselsdepression": SECONDARY, "psykisk_sygdom_foraelder": SECONDARY},
    "Dagtilbud, skoleforhold og læring": {"lektiehjaelp_skole": PRIMARY, "mobning": SECONDARY,
                                          "mentor_unge": SECONDARY},
    "Udvikling og adfærd": {"trivsel_unge": PRIMARY, "mentor_unge": SECONDARY,
                            "foraeldrekompetencer": SECONDARY},
    "Fritidsforhold og venskaber": {"fritid": PRIMARY, "trivsel_unge": SECONDARY, "mentor_unge": SECONDARY,
                                    "ferie_oplevelser": SECONDARY},
    # Forældrekompetencer
    "Trygt omsorgsmiljø": {"foraeldrekompetencer": PRIMARY, "graviditet_spaed": SECONDARY,
                           "vold": SECONDARY},
    "Stimulering og vejledning": {"foraeldrekompetencer": PRIMARY, "lektiehjaelp_skole": SECONDARY},
    "Understøttelse af relationer": {"foraeldrekompetencer": PRIMARY, "mentor_unge": SECONDARY,
                                     "faedre": SECONDARY, "skilsmisse": SECONDARY},
    # Familie og netværk
    "Familieforhold og baggrund": {"skilsmisse": SECONDARY, "misbrug_familie": SECONDARY,
                                   "psykisk_sygdom_foraelder": SECONDARY, "unge_enlige_foraeldre": SECONDARY,
                                   "faengsel_kriminalitet": SECONDARY, "sorg": SECONDARY},
    "Bolig, beskæftigelse og økonomi": {"oekonomi_gaeld": PRIMARY, "materiel_hjaelp": PRIMARY,
                                        "ferie_oplevelser": SECONDARY},
    "Socialt netværk": {"netvaerk_foraeldre": PRIMARY},
    # Børnefaglig undersøgelse (Barnets Lov § 20-22; the classic SEL § 50 areas)
    "Familieforhold": {"skilsmisse": SECONDARY, "misbrug_familie": SECONDARY,
                       "psykisk_sygdom_foraelder": SECONDARY, "unge_enlige_foraeldre": SECONDARY,
                       "faengsel_kriminalitet": SECONDARY, "sorg": SECONDARY},
    "Skoleforhold": {"lektiehjaelp_skole": PRIMARY, "mobning": SECONDARY, "mentor_unge": SECONDARY},
    "Andre relevante forhold": {},
}

ICS_THEMES = ("Sundhedsforhold", "Dagtilbud, skoleforhold og læring", "Udvikling og adfærd",
              "Fritidsforhold og venskaber", "Trygt omsorgsmiljø", "Stimulering og vejledning",
              "Understøttelse af relationer", "Familieforhold og baggrund", "Bolig, beskæftigelse og økonomi",
              "Socialt netværk")
BFU_THEMES = ("Udvikling og adfærd", "Familieforhold", "Skoleforhold", "Sundhedsforhold",
              "Fritidsforhold og venskaber", "Andre relevante forhold")
ALLOWED_THEMES: tuple[str, ...] = tuple(dict.fromkeys(ICS_THEMES + BFU_THEMES))


def _fold(name: str) -> str:
    """Case-insensitive; "Bolig/beskæftigelse og økonomi" and "Bolig, beskæftigelse og økonomi" are the same."""
    s = name.casefold().replace("/", ",").replace("-", " ")
    s = re.sub(r"\s*,\s*", ", ", s)
    return " ".join(s.split()).strip(" ,")


_BY_FOLDED = {_fold(t): t for t in ALLOWED_THEMES}


def canonical_theme(name: str) -> str | None:
    """The canonical theme for `name` (case, slashes and spacing ignored), or None if unknown."""
    return _BY_FOLDED.get(_fold(name or ""))


def apply_theme(need: Need, theme: str | None) -> Need:
    """Add the theme's concepts to the Need with their (low) weights; never weaken a concept from the text."""
    canonical = canonical_theme(theme) if theme else None
    if canonical is None:
        return need
    have = {c.key: c for c in need.concepts}
    for key, weight in THEMES[canonical].items():
        hit = have.get(key)
        if hit is None:
            hit = ConceptHit(key=key, label=concept_label(key), words=[f"tema: {canonical}"], weight=weight)
            need.concepts.append(hit)
            have[key] = hit
    return need


# --- combining the goals' results ---------------------------------------------------------------------------

@dataclass
class CombinedHit:
    offer_id: Any
    score: float
    goals: list[str] = field(default_factory=list)         # goal ids in plan order
    reasons: list[str] = field(default_factory=list)


def join_danish(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def goals_reason(goal_ids: Sequence[str]) -> str:
    return "Passer til mål " + join_danish(goal_ids)


MAX_REASONS = 8


def combine(per_goal: Sequence[tuple[str, Sequence[Hit]]], limit: int = 10) -> list[CombinedHit]:
    """One ranked list for the whole plan.

    Each goal's scores are normalised by that goal's best score (so a vague goal does not drown a precise
    one), and an offer's combined score is the sum over the goals it serves: an offer that serves two goals
    well ranks above one that serves a single goal. Ties: more goals first, then first seen (stable).
    Reasons: which goals it serves, each goal's main reason ("Mål g1: ..."), then the other reasons once.
    """
    combined: dict[Any, CombinedHit] = {}
    reasons: dict[Any, list[tuple[str, list[str]]]] = {}
    order: dict[Any, int] = {}
    for goal_id, hits in per_goal:
        best = max((float(h.score) for h in hits), default=0.0)
        if best <= 0:
            continue
        for h in hits:
            if h.score <= 0:
                continue
            entry = combined.get(h.offer_id)
            if entry is None:
                entry = combined[h.offer_id] = CombinedHit(h.offer_id, 0.0)
                reasons[h.offer_id] = []
                order[h.offer_id] = len(order)
            entry.score += float(h.score) / best
            if goal_id not in entry.goals:
                entry.goals.append(goal_id)
                reasons[h.offer_id].append((goal_id, list(h.reasons)))
    out = sorted(combined.values(), key=lambda c: (-round(c.score, 9), -len(c.goals), order[c.offer_id]))
    for c in out:
        c.score = round(c.score, 4)
        c.reasons = _combined_reasons(c.goals, reasons[c.offer_id])
    return out[:max(0, int(limit))]


def _combined_reasons(goal_ids: list[str], per_goal: list[tuple[str, list[str]]]) -> list[str]:
    out = [goals_reason(goal_ids)]
    several = len(per_goal) > 1
    rest: list[str] = []
    for goal_id, rs in per_goal:
        if rs:
            out.append(f"Mål {goal_id}: {rs[0]}" if several else rs[0])
        rest.extend(rs[1:])
    for r in rest:
        if r not in out and len(out) < MAX_REASONS:
            out.append(r)
    return out


def merge_left_out(per_goal: Sequence[Sequence[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The plan's left_out: per reason the largest count any goal saw (at least that many were left out)."""
    counts: dict[str, int] = {}
    for left_out in per_goal:
        for item in left_out:
            reason = str(item.get("reason", ""))
            counts[reason] = max(counts.get(reason, 0), int(item.get("count", 0)))
    return [{"count": n, "reason": r} for r, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


__all__ = ["THEMES", "ALLOWED_THEMES", "ICS_THEMES", "BFU_THEMES", "canonical_theme", "apply_theme",
           "CombinedHit", "combine", "merge_left_out", "goals_reason", "join_danish"]
