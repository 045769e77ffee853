"""The chat's understanding across messages (pure: no Flask, no database).

A conversation keeps a *state*: a JSON-able dict built from :class:`~matcher.models.Need` plus what the
conversation added (the need that comes first, questions already asked, the paging offset). Each new message
(already redacted by the caller) refines that state:

    turn = refine(state, "kun gratis", understand=engine.understand, home_municipality="Aarhus")
    turn.state      # the new state (a new dict; the old one is not changed)
    turn.changes    # Danish sentences saying what changed, e.g. ["Kun gratis tilbud."]
    turn.offset     # where the result list starts ("vis flere" moves it on)
    need = need_from_state(turn.state)   # -> Need for engine.search(need, limit, offset)

Follow-ups understood: "kun gratis", "ikke online", "også noget til storebror på 12" (a second child or
need), "vis flere", "hvad med i Skanderborg?", "glem det med økonomien" (drop a need), "start forfra",
"vigtigst: Økonomi og gæld" (which need comes first), "det må gerne koste noget", "online er fint alligevel",
"nej, hun er 7 år" (a correction) and any new description, which adds to the search.

The state never holds the raw message: only the structured findings, the words that evoked a need (taken from
the redacted text) and the analysed search terms.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import ConceptHit, Need
from .reasons import HARD_EXCLUDED_FORMATS, REQUIRED_FORMATS
from .understand import understand

STATE_VERSION = 1
PAGE_SIZE = 5
# A need evoked this weakly does not count as a need of its own when deciding whether to ask which comes first.
SIGNIFICANT_WEIGHT = 0.5
# The weight of the other needs when one need comes first.
BACKGROUND_SHARE = 0.5
# A first description's main need comes first without asking when every other need weighs at most this share.
CLEAR_MAIN_SHARE = 0.8
STORY_WORDS = 40
# Longer messages are descriptions, not commands ("først og fremmest har mor brug for ...").
MAX_COMMAND_WORDS = 8

Understand = Callable[[str], Need]

# Quick replies for a vague text: common needs (concept labels of the thesaurus).
COMMON_NEEDS = (
    "Økonomi og gæld",
    "Trivsel hos børn og unge",
    "Netværk og ensomhed hos forældre",
    "Forældrekompetencer og opdragelse",
    "Lektier og skole",
)
AGE_OPTIONS = (("0–2 år", 1), ("3–5 år", 4), ("6–9 år", 8), ("10–13 år", 12), ("14–17 år", 15))

# --- recognising follow-ups ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\[[^\]\d@\[]{1,20}\]")
_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = " \t\n.,;:!?-–\"'«»()"

_RESET = re.compile(r"^(?:(?:så |lad os |vi )?(?:starter|start|begynd|begynder|starte) (?:helt )?forfra|forfra|"
                    r"ny søgning|nulstil(?: søgningen)?|ryd (?:alt|søgningen)|glem alt(?: det)?)\b[\s.,:;!–-]*")
_MORE = re.compile(r"^(?:(?:vis|se|giv mig|find|kan jeg se|må jeg se)(?: mig)? )?(?:nogle |endnu |lidt )?"
                   r"(?:flere|mere|de næste|næste)(?: tilbud| resultater| forslag| side)?(?: tak)?$")
_BACK = re.compile(r"^(?:(?:vis|se|gå) )?(?:tilbage|forrige|de forrige|de første)(?: tilbud| side| resultater)?$")
_DROP = re.compile(r"^(?:glem|drop|fjern|slet|se bort fra|spring over|udelad)\s+(?:(?:alt |lige )?"
                   r"(?:det|den|dem|delen|snakken)\s+)?(?:(?:med|om|omkring|vedrørende|angående)\s+)?(.+?)"
                   r"(?:\s+(?:alligevel|igen|væk|ud))?$")
_DROP_AFTER = re.compile(r"^(?:det med |det om )?(.+?)\s+(?:er ikke (?:relevant|vigtigt?|aktuelt?)|"
                         r"behøver vi ikke|skal ikke med|kan vi glemme|er ligegyldigt?)$")
_FOCUS = re.compile(r"^(?:vigtigst|det vigtigste(?: er)?|mest vigtigt|først|fokus(?: på)?|prioritér|prioriter|"
                    r"start med|begynd med|det haster mest med|mest presserende)\s*[:–-]?\s*(.+)$")
_FOCUS_AFTER = re.compile(r"^(.+?)\s+(?:er (?:det )?vigtigst|kommer først|først|fylder mest|haster mest)$")
_NOT_FREE = re.compile(r"\b(?:må gerne koste|må godt koste|gerne koste|behøver ikke (?:at )?være gratis|"
                       r"ikke kun gratis|ikke nødvendigvis gratis|også (?:betalte|betaling|tilbud der koster)|"
                       r"prisen er (?:ligegyldig|underordnet)|pris(?:en)? betyder ikke noget|betaling er (?:ok|fint))")
_CORRECTION = re.compile(r"^(?:nej|rettelse|undskyld|faktisk|det var forkert|forkert)\b|\bikke \d+\s*(?:år)?,? men\b")
_MUNI_WORDS = re.compile(r"\b(?:kommune\w*|område\w*|stedet|byen|hjemkommune\w*|geografi\w*)\b")
_AGE_WORDS = re.compile(r"\b(?:alder\w*|årgang\w*)\b")
_FREE_WORDS = re.compile(r"\b(?:gratis|pris\w*|betaling\w*|økonomien ved|koster)\b")

# Words that steer the conversation and must not become search terms.
_CONTROL_TEXT = ("kun gratis vigtigst vigtigt først nej ja alligevel koste koster må gerne glem drop fjern "
                 "slet start forfra vis flere mere næste tak også noget hvad med hellere stedet lige "
                 "tilbud tilbuddene behov prioritet fokus haster fylder mest relevant ligegyldigt rettelse "
                 "ok okay fint super godt forstået")
# Words that introduce what redaction removed ("hedder [navn]", "cpr [CPR-nummer]"): never search terms.
_PRIVACY_TEXT = "hedder hed navn navnet kaldes cpr cprnummer nummer tlf telefonnummer mobil mobilnummer nr mail"


@dataclass
class Turn:
    state: dict[str, Any]
    changes: list[str] = field(default_factory=list)
    offset: int = 0
    # "search" (first description), "refine" (the search changed), "more" (paging), "reset",
    # "nochange" (nothing new understood), "empty" (an empty message), "foreign" (not Danish: nothing read)
    action: str = "search"
    # "safeguarding" when the message names self-harm, suicide, violence or abuse (see :func:`safeguarding`)
    notice: str | None = None


# --- the state ---------------------------------------------------------------------------------------

def empty_state(home_municipality: str | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {
        "v": STATE_VERSION,
        "municipality": None,
        "municipality_source": None,
        "municipality_home": False,   # the area is the caseworker's home municipality
        "home_declined": False,       # the caseworker removed the home municipality: don't put it back
        "child_ages": [],
        "audience": [],
        "formats": [],
        "excluded_formats": [],
        "free_only": False,
        "languages": [],
        "concepts": [],               # [{"key", "label", "words", "weight"}]
        "focus": None,                # key of the need that comes first
        "term_weights": {},
        "offset": 0,
        "asked": [],                  # keys of clarifying questions already asked
    }
    _apply_home(state, home_municipality)
    return state


def clean_state(state: dict[str, Any] | None) -> dict[str, Any]:
    """A deep copy of ``state`` with every key present (states read back from storage may be partial)."""
    out = empty_state()
    if isinstance(state, dict):
        for key, value in copy.deepcopy(state).items():
            if key in out:
                out[key] = value
    out["child_ages"] = [int(a) for a in out["child_ages"] if isinstance(a, (int, float))]
    out["offset"] = max(0, int(out.get("offset") or 0))
    out["concepts"] = [c for c in out["concepts"] if isinstance(c, dict) and c.get("key")]
    if out["focus"] not in {c["key"] for c in out["concepts"]}:
        out["focus"] = None
    return out


def has_need(state: dict[str, Any]) -> bool:
    """True once the conversation has something to search for."""
    return bool(state.get("concepts") or state.get("term_weights") or state.get("child_ages"))


def _apply_home(state: dict[str, Any], home: str | None) -> None:
    if home and not state.get("municipality") and not state.get("home_declined"):
        state["municipality"] = home
        state["municipality_source"] = None
        state["municipality_home"] = True


def need_from_state(state: dict[str, Any]) -> Need:
    """The Need to search with: the state's findings; the need that comes first weighs most."""
    st = clean_state(state)
    focus = st["focus"]
    concepts = []
    for c in st["concepts"]:
        weight = float(c.get("weight", 1.0))
        if focus:
            weight = 1.0 if c["key"] == focus else weight * BACKGROUND_SHARE
        concepts.append(ConceptHit(c["key"], c.get("label") or c["key"], list(c.get("words") or []), weight))
    concepts.sort(key=lambda c: (c.key != focus, -c.weight))
    weights = {str(t): float(w) for t, w in (st["term_weights"] or {}).items()}
    return Need(
        municipality=st["municipality"],
        municipality_source=st["municipality_source"],
        child_ages=list(st["child_ages"]),
        audience=list(st["audience"]),
        formats=list(st["formats"]),
        excluded_formats=list(st["excluded_formats"]),
        free_only=bool(st["free_only"]),
        languages=list(st["languages"]),
        concepts=concepts,
        terms=sorted(weights),
        term_weights=weights,
    )


# --- what was understood: chips -------------------------------------------------------------------------

def _ages_text(ages: list[int]) -> str:
    return ", ".join(f"{a} år" if a else "under 1 år" for a in ages)


def chips(state: dict[str, Any]) -> list[dict[str, str]]:
    """What was understood, one removable item each: {"key", "kind", "label", "value"}.

    ``key`` is what :func:`remove_item` takes; ``label`` is the Danish text of the chip.
    """
    st = clean_state(state)
    out: list[dict[str, str]] = []
    for c in sorted(st["concepts"], key=lambda c: c["key"] != st["focus"]):
        first = " (vigtigst)" if c["key"] == st["focus"] else ""
        out.append({"key": f"concept:{c['key']}", "kind": "need", "label": f"Behov: {c['label']}{first}",
                    "value": c["label"]})
    if st["municipality"]:
        home = " (din hjemkommune)" if st["municipality_home"] else ""
        out.append({"key": "municipality", "kind": "municipality",
                    "label": f"Kommune: {st['municipality']}{home}", "value": st["municipality"]})
    for age in st["child_ages"]:
        out.append({"key": f"age:{age}", "kind": "age", "label": f"Barn: {_ages_text([age])}",
                    "value": _ages_text([age])})
    if st["free_only"]:
        out.append({"key": "free", "kind": "constraint", "label": "Kun gratis", "value": "gratis"})
    # the wording says whether a chip is a condition (offers are hidden) or a preference (ranked first)
    for f in st["formats"]:
        label = f"Kun {f}" if f in REQUIRED_FORMATS else f"Gerne {f}"
        out.append({"key": f"format:{f}", "kind": "constraint", "label": label, "value": f})
    for f in st["excluded_formats"]:
        label = f"Ikke {f}" if f in HARD_EXCLUDED_FORMATS else f"Helst ikke {f}"
        out.append({"key": f"excluded:{f}", "kind": "constraint", "label": label, "value": f})
    for lang in st["languages"]:
        out.append({"key": f"language:{lang}", "kind": "constraint", "label": f"Gerne på {lang}",
                    "value": lang})
    return out


def understood(state: dict[str, Any]) -> dict[str, Any]:
    """The JSON the API and the chat's JSON endpoint return as ``understood``."""
    st = clean_state(state)
    ordered = sorted(st["concepts"], key=lambda c: (c["key"] != st["focus"], -float(c.get("weight", 1.0))))
    return {
        # the need that comes first leads (the chosen one, else the strongest), the others are context
        "needs": [{"key": c["key"], "label": c["label"], "role": "main" if i == 0 else "context",
                   "words": list(c.get("words") or [])} for i, c in enumerate(ordered)],
        "first_need": st["focus"],
        "municipality": st["municipality"],
        "municipality_is_home": bool(st["municipality"] and st["municipality_home"]),
        "child_ages": list(st["child_ages"]),
        "formats": list(st["formats"]),
        "excluded_formats": list(st["excluded_formats"]),
        "free_only": bool(st["free_only"]),
        "languages": list(st["languages"]),
        "chips": chips(st),
    }


# --- refining ----------------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    text = _PLACEHOLDER.sub(" ", text or "")
    return _SPACES.sub(" ", text.casefold()).strip(_EDGE_PUNCT)


def _control_terms(understand: Understand) -> set[str]:
    return set(understand(_CONTROL_TEXT).term_weights or {})


def _privacy_terms(understand: Understand) -> set[str]:
    return set(understand(_PRIVACY_TEXT).term_weights or {})


def _terms_of(understand: Understand, text: str) -> dict[str, float]:
    need = understand(text)
    return dict(need.term_weights or {t: 1.0 for t in need.terms})


def _default_understand() -> Understand:
    return understand


def refine(state: dict[str, Any] | None, message: str, *, understand: Understand | None = None,
           home_municipality: str | None = None, page_size: int = PAGE_SIZE) -> Turn:
    """The new state after ``message`` (already redacted), with what changed in Danish.

    A message that is not Danish changes nothing (action "foreign"); one that names self-harm, suicide,
    violence or abuse gets ``notice="safeguarding"`` and puts crisis help first.
    """
    if not_danish(message or ""):
        st = clean_state(state)
        _apply_home(st, home_municipality)
        return Turn(st, [], st["offset"], "foreign")
    turn = _refine(state, message, understand=understand, home_municipality=home_municipality,
                   page_size=page_size)
    if safeguarding(message or ""):
        turn.notice = "safeguarding"
        _crisis_first(turn.state)
    return turn


def _refine(state: dict[str, Any] | None, message: str, *, understand: Understand | None = None,
            home_municipality: str | None = None, page_size: int = PAGE_SIZE) -> Turn:
    understand = understand or _default_understand()
    st = clean_state(state)
    _apply_home(st, home_municipality)
    text = _PLACEHOLDER.sub(" ", message or "").strip()
    norm = _norm(text)
    if not norm:
        return Turn(st, [], st["offset"], "empty")

    reset = _RESET.match(norm)
    if reset:
        fresh = empty_state(home_municipality)
        rest = norm[reset.end():].strip(_EDGE_PUNCT)
        changes = ["Søgningen er startet forfra."]
        if rest:
            # "start forfra: mor i Vejle ..." - the rest is a new first description (keep its capitals).
            rest_text = text.lstrip()
            rest_text = rest_text[_offset_after_reset(rest_text):]
            turn = _merge(fresh, rest_text, understand, first=True)
            return Turn(turn.state, changes, 0, "reset")
        return Turn(fresh, changes, 0, "reset")

    if _MORE.match(norm):
        if not has_need(st):
            return Turn(st, ["Skriv først, hvad familien har brug for."], 0, "nochange")
        st["offset"] += page_size
        return Turn(st, [f"Viser flere tilbud: nr. {st['offset'] + 1}–{st['offset'] + page_size}."],
                    st["offset"], "more")
    if _BACK.match(norm):
        st["offset"] = max(0, st["offset"] - page_size)
        return Turn(st, [f"Viser tilbud nr. {st['offset'] + 1}–{st['offset'] + page_size}."], st["offset"], "more")

    short = len(norm.split()) <= MAX_COMMAND_WORDS
    drop = short and (_DROP.match(norm) or _DROP_AFTER.match(norm))
    if drop and not _RESET.match(drop.group(1)):
        changes = _drop(st, drop.group(1), understand)
        if changes:
            st["offset"] = 0
            return Turn(st, changes, 0, "refine")
        return Turn(st, ["Jeg kunne ikke se, hvad der skulle fjernes. Brug knapperne ved det, jeg har forstået."],
                    st["offset"], "nochange")

    focus = short and (_FOCUS.match(norm) or _FOCUS_AFTER.match(norm))
    if focus:
        changes = _set_focus(st, focus.group(1), understand)
        if changes:
            st["offset"] = 0
            return Turn(st, changes, 0, "refine")

    return _merge(st, text, understand, first=not has_need(st))


# --- honest answers ---------------------------------------------------------------------------------------

# A child or parent in acute danger: self-harm, suicide, violence or abuse named in the text. The phrases are
# matched on the lower-cased text; negated mentions ("ingen tegn på vold") still get the notice: it costs a
# caseworker one calm paragraph, a missed one costs more.
_SAFEGUARDING = re.compile(
    r"\b(?:selvmord\w*|selvskad\w*|skader? sig selv|skadet sig selv|skærer i sig selv|skære i sig selv|"
    r"cutter|cutting|tage sit (?:eget )?liv|tager sit (?:eget )?liv|ikke (?:vil|gider|orker) leve|"
    r"ikke vil være her mere|død(?:s)?tanker|vil dø|"
    r"vold\w*|slår (?:barnet|børnene|drengen|pigen|hende|ham|sin|sit|mor|dem)|slået|tæsk\w*|mishandl\w*|"
    r"overgreb\w*|seksuelt misbrug\w*|misbrugt seksuelt|krænk\w*|incest|voldtæg\w*|voldta\w*)\b")
# The thesaurus' needs that lead to crisis help, most specific first.
CRISIS_CONCEPTS = ("vold", "anonym_raadgivning")

# Words only an English text has (function words and the words a caseworker would use). Danish texts borrow
# few of these; two of them, and more than the Danish function words, mark a text as English.
_ENGLISH = frozenset("""
    the and is are was were be been with without for from this that these those has have had his her hers
    they them their our we you your my mine he she it its of to in on at by an a year years old months
    child children kid kids son daughter boy girl mother mom mum father dad parent parents family needs need
    help lives living who which what where when how does doesn't don't can't cannot would could should very
    school lonely money debt please support
""".split())
_DANISH_LETTERS = re.compile(r"[æøå]")
_LETTERS = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[a-zA-ZæøåÆØÅéÉüÜöÖäÄ]")

NOT_DANISH_REPLY = ("Jeg kan kun læse dansk. Skriv venligst familiens situation og behov på dansk. / "
                    "I can only read Danish. Please describe the family's situation and needs in Danish.")
NOTHING_UNDERSTOOD_REPLY = (
    "Jeg kunne ikke finde et behov i beskeden. Jeg kan læse familiens behov og situation, børnenes alder, "
    "kommunen og ønsker som »kun gratis« eller »ikke online«. Skriv fx: »Mor i Vejle med en dreng på 4 er "
    "meget alene og har svært ved at få økonomien til at hænge sammen« eller »Pigen på 12 bliver mobbet og "
    "har brug for hjælp til lektierne. De bor i Odense.«")
SAFEGUARDING_REPLY = ("Beskeden nævner noget, der kan betyde, at et barn eller en voksen er i fare. "
                      "Er der akut fare, så ring 112. Se de akutte muligheder øverst; tilbud om krisehjælp "
                      "står først.")


def not_danish(message: str) -> bool:
    """True when the message is clearly not Danish: mostly non-Latin letters, or English."""
    letters = _LETTERS.findall(message)
    if len(letters) >= 3 and len(_LATIN.findall(message)) < len(letters) / 2:
        return True
    tokens = re.findall(r"[^\W\d_]+(?:'[a-z]+)?", message.casefold())
    if not tokens or _DANISH_LETTERS.search(message.casefold()):
        return False
    from .text import STOP_WORDS
    english = sum(1 for t in tokens if t in _ENGLISH)
    danish = sum(1 for t in tokens if t in STOP_WORDS and t not in _ENGLISH)
    return english >= 2 and english > danish


def safeguarding(message: str) -> bool:
    """True when the message names self-harm, suicide, violence or abuse."""
    return bool(_SAFEGUARDING.search((message or "").casefold()))


def _crisis_first(st: dict[str, Any]) -> None:
    """Crisis help comes first: the text's violence need if it has one, else anonymous counselling."""
    keys = {c["key"] for c in st["concepts"]}
    key = next((k for k in CRISIS_CONCEPTS if k in keys), None)
    if key is None:
        key = CRISIS_CONCEPTS[-1]
        from .thesaurus import CONCEPTS_BY_KEY
        st["concepts"].append({"key": key, "label": CONCEPTS_BY_KEY[key].label, "words": [], "weight": 1.0})
    st["focus"] = key


def nothing_understood(state: dict[str, Any]) -> bool:
    """True when the conversation has no need, child or condition the service could read."""
    st = clean_state(state)
    return not (st["concepts"] or st["child_ages"] or st["free_only"] or st["formats"]
                or st["excluded_formats"] or st["languages"]
                or (st["municipality"] and not st["municipality_home"]))


def _offset_after_reset(text: str) -> int:
    """Index in ``text`` just after a leading reset phrase (case-insensitive, same length when casefolded)."""
    lowered = text.casefold()
    if len(lowered) != len(text):
        return 0
    m = _RESET.match(lowered)
    return m.end() if m else 0


def _clear_main(need: Need, text: str) -> str | None:
    """The main need of a first description when the text leaves no doubt: a story whose main need clearly
    outweighs the others (then the chat does not ask which comes first). Competing needs, a short text: None."""
    cs = [c for c in need.concepts if c.weight >= SIGNIFICANT_WEIGHT]
    if len(cs) < 2 or cs[0].role != "main" or len(text.split()) < STORY_WORDS:
        return None
    return cs[0].key if cs[1].weight <= CLEAR_MAIN_SHARE * cs[0].weight else None


def _merge(st: dict[str, Any], text: str, understand: Understand, *, first: bool) -> Turn:
    need = understand(text)
    norm = _norm(text)
    changes: list[str] = []
    _merge_place(st, need, changes)
    _merge_ages(st, need, norm, changes)
    for a in need.audience:
        if a not in st["audience"]:
            st["audience"].append(a)
    _merge_formats(st, need, changes)
    _merge_price_and_languages(st, need, norm, changes)
    _merge_needs(st, need, changes)
    if _merge_terms(st, need, understand, first=first) and not changes:
        changes.append("Søgningen tager også de nye ord med.")

    if first:
        st["offset"] = 0
        if st["focus"] is None:
            st["focus"] = _clear_main(need, text)
        return Turn(st, [c for c in changes if c.startswith("Kommune ændret")], 0, "search")
    if not changes:
        return Turn(st, [], st["offset"], "nochange")
    st["offset"] = 0
    return Turn(st, changes, 0, "refine")


def _merge_place(st: dict[str, Any], need: Need, changes: list[str]) -> None:
    """A new municipality replaces the old ("hvad med i Skanderborg?", or just "Skanderborg")."""
    if not need.municipality or need.municipality == st["municipality"]:
        return
    old, was_home = st["municipality"], st["municipality_home"]
    st["municipality"], st["municipality_source"] = need.municipality, need.municipality_source
    st["municipality_home"] = False
    if old and was_home:
        changes.append(f"Kommune ændret fra {old} (din hjemkommune) til {need.municipality}.")
    elif old:
        changes.append(f"Kommune ændret fra {old} til {need.municipality}.")
    else:
        changes.append(f"Kommune: {need.municipality}.")


def _merge_ages(st: dict[str, Any], need: Need, norm: str, changes: list[str]) -> None:
    """Children's ages: a correction replaces, anything else adds ("også storebror på 12")."""
    new_ages = [int(a) for a in need.child_ages]
    if not new_ages:
        return
    if st["child_ages"] and _CORRECTION.search(norm):
        corrected = _correct_ages(st["child_ages"], new_ages)
        if corrected != st["child_ages"]:
            st["child_ages"] = corrected
            changes.append(f"Barnets alder rettet til {_ages_text(new_ages)}.")
        return
    added = [a for a in new_ages if a not in st["child_ages"]]
    if added:
        had = bool(st["child_ages"])
        st["child_ages"] = st["child_ages"] + added
        changes.append(f"Barn tilføjet: {_ages_text(added)}." if had else f"Barnets alder: {_ages_text(added)}.")


def _merge_formats(st: dict[str, Any], need: Need, changes: list[str]) -> None:
    """Wanted formats leave the excluded list and vice versa."""
    for f in need.excluded_formats:
        if f in st["formats"]:
            st["formats"].remove(f)
        if f not in st["excluded_formats"]:
            st["excluded_formats"].append(f)
            changes.append(f"Ikke {f}." if f in HARD_EXCLUDED_FORMATS
                           else f"Helst ikke {f} (tilbuddene rykker ned).")
    for f in need.formats:
        if f in need.excluded_formats:
            continue
        if f in st["excluded_formats"]:
            st["excluded_formats"].remove(f)
            changes.append(f"{f.capitalize()} er med igen.")
        if f not in st["formats"]:
            st["formats"].append(f)
            changes.append(f"Kun {f}." if f in REQUIRED_FORMATS else f"Gerne {f}.")


def _merge_price_and_languages(st: dict[str, Any], need: Need, norm: str, changes: list[str]) -> None:
    if _NOT_FREE.search(norm):
        if st["free_only"]:
            st["free_only"] = False
            changes.append("Også tilbud, der koster noget.")
    elif need.free_only and not st["free_only"]:
        st["free_only"] = True
        changes.append("Kun gratis tilbud.")
    for lang in need.languages:
        if lang not in st["languages"]:
            st["languages"].append(lang)
            changes.append(f"Gerne tilbud på {lang} (de kommer først).")


def _merge_needs(st: dict[str, Any], need: Need, changes: list[str]) -> None:
    """New needs are added ("også noget til storebror"), known ones get the new words."""
    known = {c["key"]: c for c in st["concepts"]}
    for c in need.concepts:
        if c.key in known:
            old = known[c.key]
            old["words"] = list(dict.fromkeys(list(old.get("words") or []) + list(c.words)))
            old["weight"] = max(float(old.get("weight", 0)), float(c.weight))
        else:
            entry = {"key": c.key, "label": c.label, "words": list(c.words), "weight": float(c.weight)}
            st["concepts"].append(entry)
            known[c.key] = entry
            changes.append(f"Nyt behov: {c.label}.")


def _merge_terms(st: dict[str, Any], need: Need, understand: Understand, *, first: bool) -> bool:
    """The search terms (not the words that only steer the conversation); whether a new one came."""
    terms = dict(need.term_weights or {t: 1.0 for t in need.terms})
    if terms:
        skip = _privacy_terms(understand) | (set() if first else _control_terms(understand))
        terms = {t: w for t, w in terms.items() if t not in skip}
    added_terms = False
    for t, w in terms.items():
        if w > st["term_weights"].get(t, 0):
            added_terms = added_terms or t not in st["term_weights"]
            st["term_weights"][t] = float(w)
    return added_terms


def _correct_ages(old: list[int], new: list[int]) -> list[int]:
    """'nej, han er 5 år': each new age replaces the nearest old one (all of them if as many or more)."""
    if len(new) >= len(old):
        return list(new)
    out = list(old)
    free = list(range(len(out)))
    for age in new:
        i = min(free, key=lambda k: (abs(out[k] - age), k))
        out[i] = age
        free.remove(i)
    return list(dict.fromkeys(out))


def _concept_terms(understand: Understand, concept: dict[str, Any]) -> set[str]:
    words = " ".join(concept.get("words") or [])
    return set(_terms_of(understand, words)) if words.strip() else set()


def _remove_concept(st: dict[str, Any], key: str, understand: Understand | None) -> str | None:
    for c in list(st["concepts"]):
        if c["key"] == key:
            st["concepts"].remove(c)
            if understand is not None:
                for t in _concept_terms(understand, c):
                    st["term_weights"].pop(t, None)
            if st["focus"] == key:
                st["focus"] = None
            return f"Behovet '{c['label']}' er fjernet."
    return None


def _remove_municipality(st: dict[str, Any]) -> str | None:
    if not st["municipality"]:
        return None
    old, was_home = st["municipality"], st["municipality_home"]
    st["municipality"], st["municipality_source"], st["municipality_home"] = None, None, False
    st["home_declined"] = True  # the caseworker chose no area: the home municipality stays out
    if was_home:
        return f"Kommunen {old} (din hjemkommune) er fjernet: søgningen gælder hele landet."
    return f"Kommunen {old} er fjernet: søgningen gælder hele landet."


def _drop(st: dict[str, Any], target: str, understand: Understand) -> list[str]:
    """'glem det med økonomien': remove what ``target`` names (a need, the area, an age, a constraint)."""
    target = target.strip(_EDGE_PUNCT)
    need = understand(target)
    changes: list[str] = []
    # needs
    keys = [c.key for c in need.concepts if any(s["key"] == c.key for s in st["concepts"])]
    if not keys:
        keys = [s["key"] for s in st["concepts"] if _names_concept(target, s)]
    for key in keys:
        msg = _remove_concept(st, key, understand)
        if msg:
            changes.append(msg)
    if keys:
        for t in _terms_of(understand, target):
            st["term_weights"].pop(t, None)
    # the area
    if st["municipality"] and (_MUNI_WORDS.search(target) or need.municipality == st["municipality"]
                               or target == st["municipality"].casefold()):
        changes.append(_remove_municipality(st))  # type: ignore[arg-type]  # the area is set: a message
    # ages
    ages = [a for a in need.child_ages if a in st["child_ages"]]
    if ages:
        st["child_ages"] = [a for a in st["child_ages"] if a not in ages]
        changes.append(f"Barnet på {_ages_text(ages)} er fjernet fra søgningen.")
    elif st["child_ages"] and _AGE_WORDS.search(target):
        st["child_ages"] = []
        changes.append("Børnenes alder er fjernet fra søgningen.")
    # constraints
    if st["free_only"] and (need.free_only or _FREE_WORDS.search(target)):
        st["free_only"] = False
        changes.append("Også tilbud, der koster noget.")
    for f in list(dict.fromkeys(need.formats + need.excluded_formats)):
        if f in st["formats"]:
            st["formats"].remove(f)
            changes.append(f"Ønsket om {f} er fjernet.")
        if f in st["excluded_formats"]:
            st["excluded_formats"].remove(f)
            changes.append(f"{f.capitalize()} er med igen.")
    for lang in need.languages:
        if lang in st["languages"]:
            st["languages"].remove(lang)
            changes.append(f"Sproget {lang} er fjernet.")
    return [c for c in changes if c]


def _names_concept(target: str, concept: dict[str, Any]) -> bool:
    """A loose match of the words of ``target`` with a need's label or the words that evoked it."""
    words = [w for w in re.findall(r"\w+", target.casefold()) if len(w) >= 4]
    if not words:
        return False
    haystack = [w for w in re.findall(r"\w+", (concept.get("label") or "").casefold()) if len(w) >= 4]
    for phrase in concept.get("words") or []:
        haystack.extend(w for w in re.findall(r"\w+", phrase.casefold()) if len(w) >= 4)
    return any(w[:5] == h[:5] for w in words for h in haystack)


def _set_focus(st: dict[str, Any], target: str, understand: Understand) -> list[str]:
    target = target.strip(_EDGE_PUNCT)
    by_label = {c["label"].casefold(): c for c in st["concepts"]}
    chosen = by_label.get(target.casefold())
    if chosen is None:
        need = understand(target)
        known = {c["key"]: c for c in st["concepts"]}
        for c in need.concepts:
            if c.key in known:
                chosen = known[c.key]
                break
        if chosen is None and need.concepts:
            # a need not mentioned before: add it (a quick reply to a vague text)
            exact = [c for c in need.concepts if c.label.casefold() == target.casefold()]
            c = (exact or need.concepts)[0]
            chosen = {"key": c.key, "label": c.label, "words": list(c.words), "weight": 1.0}
            st["concepts"].append(chosen)
            for t, w in _terms_of(understand, target).items():
                st["term_weights"].setdefault(t, float(w))
        if chosen is None:
            chosen = next((c for c in st["concepts"] if _names_concept(target, c)), None)
    if chosen is None:
        return []
    if st["focus"] == chosen["key"]:
        return [f"'{chosen['label']}' kommer allerede først."]
    st["focus"] = chosen["key"]
    return [f"'{chosen['label']}' kommer nu først."]


def remove_item(state: dict[str, Any] | None, key: str, *, understand: Understand | None = None) -> Turn:
    """Remove one chip (see :func:`chips`): ``concept:<key>``, ``municipality``, ``age:<n>``, ``free``,
    ``format:<f>``, ``excluded:<f>``, ``language:<l>``."""
    understand = understand or _default_understand()
    st = clean_state(state)
    kind, _, value = (key or "").partition(":")
    msg: str | None = None
    if kind == "concept":
        msg = _remove_concept(st, value, understand)
    elif kind == "municipality":
        msg = _remove_municipality(st)
    elif kind == "age" and value.isdigit() and int(value) in st["child_ages"]:
        st["child_ages"].remove(int(value))
        msg = f"Barnet på {_ages_text([int(value)])} er fjernet fra søgningen."
    elif kind == "free" and st["free_only"]:
        st["free_only"] = False
        msg = "Også tilbud, der koster noget."
    elif kind == "format" and value in st["formats"]:
        st["formats"].remove(value)
        msg = f"Ønsket om {value} er fjernet."
    elif kind == "excluded" and value in st["excluded_formats"]:
        st["excluded_formats"].remove(value)
        msg = f"{value.capitalize()} er med igen."
    elif kind == "language" and value in st["languages"]:
        st["languages"].remove(value)
        msg = f"Sproget {value} er fjernet."
    if msg is None:
        return Turn(st, [], st["offset"], "nochange")
    st["offset"] = 0
    return Turn(st, [msg], 0, "refine")


# --- at most one clarifying question ------------------------------------------------------------------------

def clarifying_question(state: dict[str, Any], *, municipality_matters: bool = True,
                        age_restricted: bool = False, area_options: list[str] | tuple[str, ...] = ()
                        ) -> dict[str, Any] | None:
    """The one question worth asking now, or None: {"key", "text", "options": [{"label", "message"}]}.

    Asked only where the answer would change the ranking: the municipality (none named, no home municipality,
    and local offers are in play), a child's age (none named and age-restricted offers are in play), or which
    need comes first (several needs, or a vague text). Each question is asked at most once per search.
    """
    st = clean_state(state)
    asked = set(st["asked"])
    if not has_need(st):
        return None
    if not st["municipality"] and municipality_matters and "municipality" not in asked and not st["home_declined"]:
        return {"key": "municipality",
                "text": "Hvilken kommune bor familien i? Så kan jeg tage de lokale tilbud med.",
                "options": [{"label": a, "message": a} for a in list(dict.fromkeys(area_options))[:4]]}
    if not st["child_ages"] and age_restricted and "age" not in asked:
        return {"key": "age", "text": "Hvor gammel er barnet? Nogle af tilbuddene har en aldersgrænse.",
                "options": [{"label": label, "message": f"Barnet er {age} år"} for label, age in AGE_OPTIONS]}
    if st["focus"] is None and "focus" not in asked:
        significant = [c for c in st["concepts"] if float(c.get("weight", 1.0)) >= SIGNIFICANT_WEIGHT]
        if len(significant) >= 2:
            return {"key": "focus", "text": "Hvad fylder mest for familien lige nu?",
                    "options": [{"label": c["label"], "message": f"Vigtigst: {c['label']}"}
                                for c in significant[:4]]}
        if not significant:
            return {"key": "focus", "text": "Hvad har familien mest brug for hjælp til?",
                    "options": [{"label": label, "message": f"Vigtigst: {label}"} for label in COMMON_NEEDS]}
    return None


def mark_asked(state: dict[str, Any], question: dict[str, Any] | None) -> dict[str, Any]:
    st = clean_state(state)
    if question and question["key"] not in st["asked"]:
        st["asked"].append(question["key"])
    return st


__all__ = ["PAGE_SIZE", "Turn", "not_danish", "safeguarding", "nothing_understood", "NOT_DANISH_REPLY",
           "NOTHING_UNDERSTOOD_REPLY", "SAFEGUARDING_REPLY",
           "empty_state", "clean_state", "has_need", "need_from_state", "chips",
           "understood", "refine", "remove_item", "clarifying_question", "mark_asked"]
