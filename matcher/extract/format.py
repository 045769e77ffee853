"""Format: how the family wants the help (and does not), whether it must be free, in which language, for whom.

"gerne online", "ikke gruppe" (a negation up to six filler words before the format word: "hun magter
ikke at sidde i en gruppe"), "hjemme hos", "en til en"; a possession is no wish ("de tog hans telefon").
"gratis", "har ikke råd til at betale"; language words ("arabisktalende"); who the help is for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text import NEGATIONS

FORMAT_WORDS: dict[str, str] = {
    "gruppe": "gruppe", "grupper": "gruppe", "gruppen": "gruppe", "grupperne": "gruppe",
    "gruppeforløb": "gruppe", "gruppeforløbet": "gruppe", "holdforløb": "gruppe", "gruppetilbud": "gruppe",
    "samtalegruppe": "gruppe", "gruppesamtaler": "gruppe",
    "individuel": "individuel", "individuelle": "individuel", "individuelt": "individuel",
    "enesamtale": "individuel", "enesamtaler": "individuel",
    "hjemmebesøg": "hjemmebesøg", "hjemmebesøgene": "hjemmebesøg",
    "online": "online", "video": "online", "videomøde": "online", "videosamtale": "online",
    "videosamtaler": "online", "digital": "online", "digitalt": "online", "onlineforløb": "online",
    "nettet": "online", "zoom": "online", "teams": "online",
    "telefon": "telefon", "telefonen": "telefon", "telefonisk": "telefon", "telefonsamtale": "telefon",
    "telefonsamtaler": "telefon", "ringe": "telefon",
    "chat": "chat", "chatte": "chat", "chatten": "chat",
}
_FORMAT_PHRASES = (
    (("i", "hjemmet"), "hjemmebesøg"), (("hjemme", "hos"), "hjemmebesøg"), (("komme", "hjem"), "hjemmebesøg"),
    (("en", "til", "en"), "individuel"), (("alene", "med", "en"), "individuel"),
)
_FORMAT_NEG_FILLERS = frozenset({
    "i", "en", "et", "noget", "nogen", "skal", "vil", "ønsker", "at", "have", "lyst", "til", "deltage", "være",
    "med", "gå", "kan", "kunne", "magter", "orker", "tør", "sidde", "sig", "hun", "han", "de", "mor", "far",
    "vi", "har", "må", "gerne", "så", "meget", "er", "over", "for", "ikke",
})

_POSSESSIVES = frozenset({"hans", "hendes", "min", "mit", "sin", "sit", "deres", "vores", "din", "dit", "jeres"})

LANGUAGES = {
    "arabisk": "arabisk", "somali": "somali", "somalisk": "somali", "engelsk": "engelsk",
    "tyrkisk": "tyrkisk", "urdu": "urdu", "farsi": "farsi", "persisk": "farsi", "dari": "dari",
    "pashto": "pashto", "tigrinya": "tigrinya", "ukrainsk": "ukrainsk", "polsk": "polsk",
    "kurdisk": "kurdisk", "russisk": "russisk", "tamil": "tamil", "vietnamesisk": "vietnamesisk",
    "bosnisk": "bosnisk", "albansk": "albansk", "fransk": "fransk", "spansk": "spansk", "tysk": "tysk",
    "thai": "thai", "rumænsk": "rumænsk", "litauisk": "litauisk", "tegnsprog": "tegnsprog",
}

AUDIENCE_WORDS = {
    "mor": "mor", "moren": "mor", "mødre": "mor", "mødrene": "mor", "alenemor": "mor",
    "far": "far", "faren": "far", "fædre": "far", "fædrene": "far", "alenefar": "far",
    "forældre": "forældre", "forældrene": "forældre", "forælder": "forældre", "forælderen": "forældre",
    "barn": "barn", "barnet": "barn", "børn": "barn", "børnene": "barn", "dreng": "barn", "drengen": "barn",
    "pige": "barn", "pigen": "barn", "søn": "barn", "sønnen": "barn", "datter": "barn", "datteren": "barn",
    "baby": "barn", "babyen": "barn",
    "ung": "ung", "unge": "ung", "teenager": "ung", "teenageren": "ung", "ungdom": "ung",
    "familie": "familie", "familien": "familie", "familier": "familie", "gravid": "forældre",
}

_FREE_PATTERNS = re.compile(
    r"\b(gratis|omkostningsfri\w*|uden (?:egen)?betaling|ingen egenbetaling|må ikke koste|koster ikke noget|"
    r"ikke (?:har )?råd til at betale|ikke koste noget|skal være gratis)"
)


@dataclass
class FormatReading:
    formats: list[str] = field(default_factory=list)      # wanted
    excluded: list[str] = field(default_factory=list)     # refused
    masked: set[int] = field(default_factory=set)         # format words (no need terms)


def _negated(surf: list[str], i: int) -> bool:
    j = i - 1
    hops = 0
    while j >= 0 and hops <= 6:
        s = surf[j]
        if s in NEGATIONS:
            return True
        if s not in _FORMAT_NEG_FILLERS:
            return False
        j -= 1
        hops += 1
    return False


def _format_hits(surf: list[str]) -> list[tuple[int, int, str]]:
    hits: list[tuple[int, int, str]] = []
    for i, s in enumerate(surf):
        f = FORMAT_WORDS.get(s)
        if f is None and len(s) > 7 and s.endswith(("gruppe", "grupper", "gruppen", "gruppeforløb")):
            f = "gruppe"
        if f is not None:
            hits.append((i, i + 1, f))
        for words, fmt in _FORMAT_PHRASES:
            if tuple(surf[i:i + len(words)]) == words:
                hits.append((i, i + len(words), fmt))
    return hits


def extract_formats(surf: list[str]) -> FormatReading:
    """Wanted and refused formats; a refused one is never also wanted."""
    out = FormatReading()
    for a, b, f in _format_hits(surf):
        if FORMAT_WORDS.get(surf[a]):
            out.masked.update(range(a, b))
        if a > 0 and surf[a - 1] in _POSSESSIVES:
            continue  # "de tog hans telefon": a thing, not how the help is given
        if _negated(surf, a):
            if f not in out.excluded:
                out.excluded.append(f)
        elif f not in out.formats:
            out.formats.append(f)
    out.formats = [f for f in out.formats if f not in out.excluded]
    return out


def free_only(norm: str) -> bool:
    return bool(_FREE_PATTERNS.search(norm))


def languages(surf: list[str]) -> list[str]:
    out: list[str] = []
    for s in surf:
        lang = LANGUAGES.get(s.removesuffix("talende"))
        if lang and lang not in out:
            out.append(lang)
    return out


def audience(surf: list[str]) -> list[str]:
    """Who the help is for ("familie" only as "hele familien" / "familien sammen")."""
    out: list[str] = []
    for i, s in enumerate(surf):
        a = AUDIENCE_WORDS.get(s)
        if a == "familie" and not (i > 0 and surf[i - 1] in ("hele", "familien", "sammen")):
            a = "familie" if s == "familien" and i > 0 and surf[i - 1] == "hele" else None
        if a and a not in out:
            out.append(a)
    return out


__all__ = [
    "AUDIENCE_WORDS",
    "FORMAT_WORDS",
    "LANGUAGES",
    "FormatReading",
    "audience",
    "extract_formats",
    "free_only",
    "languages",
]
