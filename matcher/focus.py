"""Focus: which of the needs a text names is the family's main need.

A caseworker's keyword line names one or two needs; a parent's letter tells a story and names
three or four, of which one is what the writer asks for help with. A reader finds it by how much of
the text is about each need, by what is asked for ("hvad gør vi?", "hvor kan vi få hjælp"), and by
where the writer is now versus the backstory ("for tre år siden", "dengang", "som 12-årig").

:func:`salience` scores each need concept from its hits in the text (sentence by sentence: a need
counts once per sentence, more in an asking or present sentence, less in the backstory);
:func:`apply_focus` orders the concepts (main need first, never alphabetically) and lowers the
other needs' weights to context, the more so the longer the text and the less of it they fill.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .models import ConceptHit

# Sentence factors: a need in the ask or in the present counts more; in the backstory, less.
ASK_FACTOR = 1.5
NOW_FACTOR = 1.2
PAST_FACTOR = 0.4
# A clear word says more about the need than a vague one: hit weights count to this power.
SPECIFICITY = 2.0
# Further words about the same need in one sentence add this share of their weight.
MORE_WORDS = 0.5
# Needs that are often the consequence of another told in the same story (a child's low mood after
# bullying, a divorce, a parent's drinking) count this share of their salience: the cause comes first.
GENERIC = {"trivsel_unge": 0.6}
# Context weight: another need keeps CONTEXT_SHARE of its weight in a long text when it fills
# much less of the text than the main need (1 - strength * (1 - CONTEXT_SHARE) * (1 - relative salience)).
CONTEXT_SHARE = 0.2
# Focus strength grows with the text's length: caseworker lines (up to FOCUS_FROM words) keep their
# needs side by side, a story of FOCUS_FULL words or more is read for its main need.
FOCUS_FROM = 15
# How sharply the context weight falls with a need's salience relative to the main need's.
RELATIVE_POWER = 2.0
FOCUS_FULL = 50
# The main need weighs at least this much (a story's main need is often told in mild words).
MAIN_MIN_WEIGHT = 0.85
# Plain word evidence: a text of up to WORD_TERMS0 content terms counts its words fully; a longer
# one is scaled by sqrt(WORD_TERMS0 / terms), so the sheer number of a story's words cannot
# outvote a clear need.
WORD_TERMS0 = 8

_ASK = re.compile(
    r"\?|\b(?:hvad (?:gør|skal|kan|stiller)|hvordan (?:kan|skal|gør|får|hjælper|kommer)|hvor (?:kan|finder|får|skal)|"
    r"hvem kan|kender (?:du|i|nogen)|brug for|behov for|har brug|søger|ønsker|vil (?:rigtig )?gerne|"
    r"håber|mangler|savner|hjælp til|hjælpe (?:ham|hende|os|mig|dem)|råd (?:om|til)|gode råd)\b"
)
_NOW = re.compile(r"\b(?:nu|lige nu|i dag|for tiden|efterhånden|stadig|længere|mere og mere|hver dag|hele tiden)\b")
_RESOLVED = re.compile(
    r"\b(?:(?:går|gik|har det|er) (?:fint|godt|bedre|ok) (?:nu|igen|i dag)|overstået|det er slut|er ovre|"
    r"ikke (?:længere|mere) (?:et problem|noget problem)|kom(?:mer)? (?:godt )?over det|fået styr på)\b")
_PAST = re.compile(
    r"\b(?:for (?:\w+ )?(?:\w+ )?(?:år|måneder|uger|tid) siden|dengang|engang|tidligere|i sin tid|"
    r"da (?:jeg|han|hun|vi|de|den|det|min|mit|mine|hans|hendes) (?:\w+ )?(?:var|blev|gik|kom|fik|havde|begyndte|mistede|flyttede)|"
    r"som (?:lille|barn|baby|ung|teenager|\d{1,2}-årig|\w+årig)|i (?:folkeskolen|børnehaven|vuggestuen|barndommen)|"
    r"(?:sidste|forrige) år|det første år)\b"
)


@dataclass(frozen=True, slots=True)
class Span:
    """One sentence: token range [start, end) and how it counts."""
    start: int
    end: int
    factor: float


def sentences(norm: str, spans: Sequence[tuple[int, int]]) -> list[Span]:
    """Split the tokens into sentences (at . ! ? and line breaks) and weigh each one."""
    out: list[Span] = []
    n = len(spans)
    a = 0
    for i in range(n):
        gap_end = spans[i + 1][0] if i + 1 < n else len(norm)
        gap = norm[spans[i][1]:gap_end]
        if i + 1 < n and not any(ch in gap for ch in ".!?\n"):
            continue
        lo = spans[a][0]
        text = norm[lo:gap_end]
        out.append(Span(a, i + 1, _factor(text)))
        a = i + 1
    return out


def _factor(text: str) -> float:
    f = 1.0
    if _ASK.search(text):
        f *= ASK_FACTOR
    now = bool(_NOW.search(text))
    if _RESOLVED.search(text) or (_PAST.search(text) and not now):
        f *= PAST_FACTOR      # the backstory, or something the writer says is over ("det går fint nu")
    elif now:
        f *= NOW_FACTOR
    return f


def salience(hits: Iterable[tuple[str, float, int, int]], spans: Sequence[Span]) -> dict[str, float]:
    """Per concept, summed over sentences: its strongest hit there plus MORE_WORDS of its other hits, each
    hit's weight to the power SPECIFICITY, times the sentence's factor (and GENERIC for a consequence need).

    ``hits``: (concept key, hit weight, first token, end token)."""
    per: dict[tuple[str, int], list[float]] = {}
    # a phrase and a word inside it ("i fængsel", "fængsel") both count: a need named in a phrase is
    # named more clearly than by a single word
    for key, w, pos, _end in hits:
        s = _span_of(spans, pos)
        f = spans[s].factor if s is not None else 1.0
        per.setdefault((key, -1 if s is None else s), []).append(w ** SPECIFICITY * f)
    out: dict[str, float] = {}
    for (key, _s), vs in per.items():
        vs.sort(reverse=True)
        v = vs[0] + MORE_WORDS * sum(vs[1:])
        out[key] = out.get(key, 0.0) + v * GENERIC.get(key, 1.0)
    return out


def follow_rules(sal: dict[str, float], raw: dict[str, float], final: dict[str, float]) -> dict[str, float]:
    """Salience after rules that re-weigh whose need a word is (``raw`` -> ``final`` concept weights):
    a weakened concept loses salience in proportion, a strengthened or added one gains the difference."""
    out: dict[str, float] = {}
    for k, w in final.items():
        r = raw.get(k, 0.0)
        v = sal.get(k, 0.0)
        if r > 0 and w < r:
            v *= (w / r) ** SPECIFICITY
        elif w > r:
            v += w ** SPECIFICITY - r ** SPECIFICITY
        out[k] = v
    return out


def _span_of(spans: Sequence[Span], pos: int) -> int | None:
    for k, sp in enumerate(spans):
        if sp.start <= pos < sp.end:
            return k
    return None


def focus_strength(n_words: int) -> float:
    """0 for a caseworker's line, 1 for a long story."""
    return max(0.0, min(1.0, (n_words - FOCUS_FROM) / (FOCUS_FULL - FOCUS_FROM)))


def apply_focus(concepts: list[ConceptHit], sal: dict[str, float], first: dict[str, int],
                n_words: int) -> list[ConceptHit]:
    """Order the concepts main need first and set their roles and weights.

    Ranking of needs: salience, then the strongest single piece of evidence, then the later first
    mention (the ask follows the story) - never the key's alphabetical order."""
    if not concepts:
        return []
    order = sorted(concepts, key=lambda c: (-sal.get(c.key, c.weight), -c.weight, -first.get(c.key, 0)))
    main = order[0]
    top = max(sal.get(main.key, main.weight), 1e-9)
    strength = focus_strength(n_words)
    main.weight = max(main.weight, MAIN_MIN_WEIGHT) if strength > 0 else main.weight
    main.role = "main"
    for c in order[1:]:
        c.role = "context"
        r = min(1.0, sal.get(c.key, c.weight) / top)
        c.weight *= 1 - strength * (1 - CONTEXT_SHARE) * (1 - r ** RELATIVE_POWER)
    return order


def word_weight(n_terms: int) -> float:
    """Multiplier of plain word (BM25) evidence for a text with ``n_terms`` content terms."""
    if n_terms <= WORD_TERMS0:
        return 1.0
    return math.sqrt(WORD_TERMS0 / n_terms)


__all__ = ["Span", "apply_focus", "focus_strength", "follow_rules", "salience", "sentences", "word_weight"]
