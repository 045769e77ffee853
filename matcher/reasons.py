"""Why an offer is shown, and which offers a family's constraints leave out (pure: no Flask, no database).

Two things a caseworker reads beside the ranking:

* :func:`explain` writes one or two short Danish sentences per offer, about the family: first the need the
  offer answers ("Tilbuddet handler om økonomi og gæld, som du nævnte."), then how it fits ("Dækker Odense; for
  børn 6–14 år, og barnet er 9."). No arrows, no quoted word lists, no stems. A word only counts as evidence
  when the offer really uses that word: two different words that merely share a short stem ("far" and "fare")
  are a stem collision, not a reason.
* :func:`ineligible` is the hard filter for what the caseworker made a condition: free only, formats that are
  not wanted, home visits wanted, a language other than Danish. It returns the Danish reason an offer is left
  out, which the engine counts for the "left out" line ("3 tilbud skjult: koster penge").
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .analysis import analyse_field, concept_label
from .models import Need
from .text import normalize

NO_MIN, NO_MAX = -1, 999
# Formats a family can ask for as a condition ("kun hjemmebesøg"); other wanted formats are preferences.
REQUIRED_FORMATS = frozenset({"hjemmebesøg"})
# Refused formats that are conditions: a family without a computer or that will not talk on the phone cannot use
# an offer that only takes place that way. Other refused formats ("helst ikke gruppe") are preferences: a shy
# parent may still be helped by a group, so such offers are ranked lower, not hidden.
HARD_EXCLUDED_FORMATS = frozenset({"online", "telefon", "chat"})
# Danish is the catalogue's language: asking for it never filters. Other languages are preferences: many offers
# serve families in other languages without saying so, so offers that name the language come first.
DEFAULT_LANGUAGE = "dansk"
# Endings an inflected Danish noun or verb adds to a short stem ("far", "fars", "faren", "fædrene" aside).
_SHORT_STEM_ENDINGS = ("", "s", "en", "ens", "er", "erne", "ernes", "et", "ets", "ene")
SHORT_STEM = 3

# Reasons for leaving an offer out (the engine counts them; the dialogue shows "N tilbud skjult: ...").
NOT_FREE = "koster penge"
NOT_HOME_VISIT = "ikke hjemmebesøg"


def excluded_only(excluded: Iterable[str]) -> str:
    return "kun " + " eller ".join(excluded)


# --- eligibility --------------------------------------------------------------------------------------

def ineligible(need: Need, rec: dict[str, Any], *, free: bool) -> str | None:
    """The Danish reason ``rec`` is left out by one of the need's conditions, or None when it may be shown.

    Conditions: ``free_only`` (the offer must be free), a refused remote format (an offer that only takes place
    online, by phone or chat is left out; one that can also be done otherwise stays), and a wanted home visit.
    Languages and other formats are preferences (see the constants above).
    """
    if need.free_only and not free:
        return NOT_FREE
    formats = {normalize(str(f)) for f in rec.get("formats") or ()}
    excluded = [f for f in need.excluded_formats if f in HARD_EXCLUDED_FORMATS]
    if excluded and formats and formats <= set(excluded):
        return excluded_only(sorted(formats))
    for f in need.formats:
        if f in REQUIRED_FORMATS and formats and f not in formats:
            return NOT_HOME_VISIT
    return None


def count_left_out(counts: dict[str, int]) -> list[dict[str, Any]]:
    """The engine's tally of :func:`ineligible` reasons as ``left_out`` items, most first."""
    return [{"count": n, "reason": r, "filter": True}
            for r, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n]


# --- reasons ---------------------------------------------------------------------------------------------

def same_word(query_word: str, offer_word: str, stem: str) -> bool:
    """True when the offer's word is the query's word (or an inflection of it), not just a shared stem.

    Long stems are specific enough ("økonomien" and "økonomiske"); a short stem of three letters or fewer
    collides with unrelated words ("far" and "fare"), so there both words must be the stem plus a usual ending.
    """
    q, o = normalize(query_word), normalize(offer_word)
    if q == o:
        return True
    if len(stem) > SHORT_STEM:
        return True
    return any(q == stem + e for e in _SHORT_STEM_ENDINGS) and any(o == stem + e for e in _SHORT_STEM_ENDINGS)


def _label(key: str) -> str:
    label = concept_label(key)
    return label[:1].lower() + label[1:] if label[:2] != label[:2].upper() else label


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " og " + items[-1]


def _age_range(lo: int, hi: int) -> str:
    if lo != NO_MIN and hi != NO_MAX:
        return f"{lo}–{hi} år"
    if lo != NO_MIN:
        return f"fra {lo} år"
    if hi != NO_MAX:
        return f"op til {hi} år"
    return "alle aldre"


def _ages(ages: list[int]) -> str:
    return _join([f"{a}" if a else "under 1" for a in ages])


def _concept_evidence(fields: Iterable[str], texts: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Per concept, the offer's words that evoke it (with their stem)."""
    concept_words: dict[str, list[tuple[str, str]]] = {}
    for f in fields:
        toks, hits = analyse_field(texts[f])
        for h in hits:
            span = toks[h.start:h.end]
            surface = " ".join(t.surface for t in span)
            st = span[0].info.stem if len(span) == 1 and span[0].info is not None else ""
            concept_words.setdefault(h.key, []).append((surface, st))
    return concept_words


def _stem_evidence(fields: Iterable[str], texts: dict[str, str]) -> dict[str, list[str]]:
    """Per stem (or compound part), the offer's words."""
    stem_words: dict[str, list[str]] = {}
    for f in fields:
        toks, _hits = analyse_field(texts[f])
        for t in toks:
            if t.info is not None and not t.stop:
                stem_words.setdefault(t.info.stem, []).append(t.surface)
                for p in t.info.parts:
                    stem_words.setdefault(p, []).append(t.surface)
    return stem_words


def _real_evidence(query_words: list[str], offer_words: list[tuple[str, str]]) -> bool:
    """An offer's words for a concept count unless every one is a short-stem collision with the need's words."""
    for surface, st in offer_words:
        if not st or len(st) > SHORT_STEM or " " in surface:
            return True
        if any(same_word(q, surface, st) for q in query_words) or not query_words:
            return True
    return False


def explain(need: Need, related: dict[str, tuple[float, str, bool]], rec: dict[str, Any], *, national: bool,
            langs: frozenset[str] | set[str], fields: Iterable[str], texts: dict[str, str],
            term_stems: dict[str, str] | None = None) -> list[str]:
    """One or two Danish sentences: the need the offer answers, then how it fits the family.

    ``related`` is :func:`matcher.rank.related_concepts` of the need (concept -> (weight, source, direct));
    ``texts`` the offer's field texts; ``term_stems`` maps analysed query terms to the query word they came
    from (when known) so a shared stem can be checked for a collision.
    """
    fields = tuple(fields)
    concept_words = _concept_evidence(fields, texts)
    qwords = {c.key: list(c.words) for c in need.concepts}
    contrib = []
    for c, (w, src, direct) in related.items():
        if c in concept_words and (not direct or _real_evidence(qwords.get(c, []), concept_words[c])):
            contrib.append((w * (1.0 if direct else 0.8), c, src, direct))
    contrib.sort(key=lambda x: (-x[0], x[1]))
    out: list[str] = []
    strong = [(w, c) for w, c, _s, d in contrib if d]
    # a need the text only touched in passing is named only beside a clear one
    named = [c for w, c in strong if w >= 0.5 * strong[0][0]][:2] if strong else []
    if named:
        out.append(f"Tilbuddet handler om {' og om '.join(_label(c) for c in named)}, som du nævnte.")
    elif contrib:
        _w, c, src, _d = contrib[0]
        out.append(f"Tilbuddet handler om {_label(c)}, som hænger sammen med {_label(src)}.")
    else:
        shared = []
        stem_words = _stem_evidence(fields, texts)   # (only needed here: no concept links the two)
        for t in need.terms:
            ws = stem_words.get(t)
            if not ws:
                continue
            q = (term_stems or {}).get(t, t)
            if len(t) <= SHORT_STEM and not same_word(q, ws[0], t):
                continue  # a stem collision is no evidence
            if ws[0] not in shared:
                shared.append(ws[0])
        if shared:
            out.append(f"Tilbuddet nævner {_join(shared[:3])} ligesom din beskrivelse.")
    fit = _fit(need, rec, national=national, langs=langs)
    if fit:
        out.append(fit)
    return out


def _fit(need: Need, rec: dict[str, Any], *, national: bool, langs: frozenset[str] | set[str]) -> str:
    parts: list[str] = []
    areas = [str(a) for a in rec.get("areas") or ()]
    if national:
        parts.append("landsdækkende")
    elif need.municipality:
        if need.municipality in areas:
            parts.append(f"dækker {need.municipality}")
        else:
            other = next((m for m in need.municipality_alternatives if m in areas), need.municipality)
            parts.append(f"dækker {other}, som postdistriktet også ligger i")
    elif areas:
        shown = areas[:3]
        parts.append("lokalt tilbud i " + _join(shown) + (" m.fl." if len(areas) > 3 else ""))
    amin, amax = rec.get("age_min"), rec.get("age_max")
    lo = NO_MIN if amin is None else int(amin)
    hi = NO_MAX if amax is None else int(amax)
    if need.child_ages:
        fits = [a for a in need.child_ages if lo <= a <= hi]
        if amin is None and amax is None:
            parts.append("ingen aldersgrænse")
        elif fits:
            who = "barnet er" if len(fits) == 1 else "børnene er"
            parts.append(f"for børn {_age_range(lo, hi)}, og {who} {_ages(fits)}")
    elif amin is not None or amax is not None:
        parts.append(f"for børn {_age_range(lo, hi)}")
    formats = [normalize(str(f)) for f in rec.get("formats") or ()]
    met = [f for f in need.formats if f in formats]
    if met:
        parts.append(f"foregår som {_join(met)}, som ønsket")
    also = [f for f in need.excluded_formats if f in formats]
    if also:
        parts.append(f"kan foregå på anden måde end {_join(also)}")
    if need.free_only:
        parts.append("gratis")
    spoken = [lang for lang in need.languages if lang != DEFAULT_LANGUAGE and lang in langs]
    if spoken:
        parts.append(f"tilbydes på {_join(spoken)}")
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


__all__ = ["ineligible", "count_left_out", "explain", "same_word", "NOT_FREE", "NOT_HOME_VISIT"]
