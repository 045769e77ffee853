"""Need: which needs a text names, which one is the main need, and the plain words to search with.

The concept tagger (matcher.analysis, thesaurus words and situation patterns) finds the need words;
:mod:`matcher.readings` re-reads them in context (accusations, resources, dates, whose need); several
words for one need strengthen it (noisy-or); rules of the field decide whose need a word is (a child's
low mood is the child's, a mother's low mood around a birth is a post-natal reaction); and
:mod:`matcher.focus` puts the main need first and the others as context. Words of a negated need
("ingen misbrug"), of the place, an age or a format are no search terms.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..analysis import ATok, CHit, analyse_tokens, concept_label, default_tagger, terms_of
from ..focus import apply_focus, follow_rules, salience, sentences, word_weight
from ..models import ConceptHit
from ..readings import reread
from ..text import NEGATIONS, clause_starts
from .age import PARENT_NOUNS
from .common import Text

YOUNG_PARENT_WEIGHT = 0.8   # a parent aged 12-24 is evidence of the young-parents need


@dataclass
class NeedReading:
    concepts: list[ConceptHit] = field(default_factory=list)   # main need first
    term_weights: dict[str, float] = field(default_factory=dict)
    word_weight: float = 1.0


@dataclass
class Situation:
    """What the other extractors found that decides whose need a word is."""
    child_ages: list[int]
    parent_ages: list[int]
    pregnant: bool
    young_writer: bool = False   # the young person writes ("jeg er 15 og meget ensom")


def read_needs(t: Text, situation: Situation, masked: set[int], format_idx: set[int],
               known: Callable[[str], bool] | None = None) -> NeedReading:
    """The needs of a text; ``masked``: tokens of the place and the ages; ``format_idx``: format words."""
    atoks = analyse_tokens(t.surf, masked, known)
    clauses = clause_starts(t.norm, [(x[1], x[2]) for x in t.toks], t.surf)
    negated: list[tuple[int, int]] = []
    chits = default_tagger().tag(atoks, clauses, negated)
    spans = sentences(t.norm, [(x[1], x[2]) for x in t.toks])
    sentence_of = [k for k, sp in enumerate(spans) for _ in range(sp.start, sp.end)]
    chits = reread(chits, atoks, sentence_of)
    by_key = _merge(chits, atoks)
    _young_parent(by_key, situation.parent_ages)
    raw = {k: c.weight for k, c in by_key.items()}
    context_rules(situation, by_key, t.surf)
    sal = salience(((h.key, h.weight, h.start, h.end) for h in chits), spans)
    # the rules above re-weigh whose need a word is: salience follows them
    sal = follow_rules(sal, raw, {k: c.weight for k, c in by_key.items()})
    first: dict[str, int] = {}
    for h in chits:
        first.setdefault(h.key, h.start)
    n_words = sum(1 for x in atoks if x.info is not None and not x.stop)
    concepts = apply_focus(list(by_key.values()), sal, first, n_words)
    skip = format_idx | _negated_words(chits, negated, atoks)
    tw = terms_of([x if i not in skip else ATok(x.surface, None, True) for i, x in enumerate(atoks)])
    return NeedReading(concepts, tw, word_weight(len(tw)))


def _negated_words(chits: list[CHit], negated: list[tuple[int, int]], atoks: list[ATok]) -> set[int]:
    """A negated need's words ("ingen misbrug") are no evidence for it as plain words either,
    unless a kept term covers them ("ingen netværk")."""
    kept = {k for h in chits for k in range(h.start, h.end)}
    return {k for a, b in negated for k in range(a, b) if k not in kept and atoks[k].surface not in NEGATIONS}


def _merge(chits: list[CHit], atoks: list[ATok]) -> dict[str, ConceptHit]:
    """One ConceptHit per need, with every word that evoked it; several pieces of evidence strengthen
    a need (noisy-or)."""
    by_key: dict[str, ConceptHit] = {}
    for h in chits:
        words = " ".join(atoks[k].surface for k in range(h.start, h.end))
        ch = by_key.get(h.key)
        if ch is None:
            by_key[h.key] = ConceptHit(h.key, concept_label(h.key), [words], h.weight)
            continue
        if words not in ch.words:
            ch.words.append(words)
        ch.weight = 1 - (1 - ch.weight) * (1 - h.weight)
    return by_key


def _strengthen(by_key: dict[str, ConceptHit], key: str, words: list[str], w: float) -> ConceptHit:
    """Add evidence ``w`` to need ``key`` (noisy-or), creating it with ``words`` if the text has none yet."""
    ch = by_key.get(key)
    if ch is None:
        ch = by_key[key] = ConceptHit(key, concept_label(key), list(words), w)
    else:
        ch.weight = 1 - (1 - ch.weight) * (1 - w)
    return ch


def _young_parent(by_key: dict[str, ConceptHit], parent_ages: list[int]) -> None:
    """A young parent (under 25) is evidence of the young-parents need."""
    young = [a for a in parent_ages if 12 <= a <= 24]
    if young:
        w = ", ".join(str(a) for a in young) + " år"
        _strengthen(by_key, "unge_enlige_foraeldre", [f"forælder {w}"], YOUNG_PARENT_WEIGHT)


def context_rules(situation: Situation, by_key: dict[str, ConceptHit], surf: list[str]) -> None:
    """Who the trouble is about changes the concept (general rules of the field)."""
    ages = situation.child_ages
    baby = (0 in ages) or situation.pregnant or any(s in _BIRTH_WORDS for s in surf)
    parent_named = any(s in PARENT_NOUNS or s in _PARENT_MENTIONS for s in surf)
    # the child is the subject: a child is named and no parent is ("drengen har ingen venner")
    child_subject = not baby and any(s in _CHILD_SUBJECTS for s in surf) and not parent_named
    youth = any(a >= 6 for a in ages) or any(s in _YOUTH_WORDS for s in surf) or child_subject
    _childs_mood(by_key, child_subject or (youth and not baby and not parent_named))
    if situation.young_writer:
        _young_writers_loneliness(by_key)
    _fathers(by_key, surf)
    _stages(by_key, ages, surf)
    tr = by_key.get("trivsel_unge")
    if baby and not youth:
        _postnatal(by_key)
    # no school-age child and no young person: loneliness etc. is the parents'
    if tr is not None and not youth:
        tr.weight *= 0.3
        nw = by_key.get("netvaerk_foraeldre")
        if nw is not None:
            nw.weight = 1 - (1 - nw.weight) * 0.5


def _stages(by_key: dict[str, ConceptHit], ages: list[int], surf: list[str]) -> None:
    """A baby under one year is itself evidence of the infant need (weakly: it may be only context);
    starting school ("skal starte i 0. klasse") is the school-start need."""
    if 0 in ages and "graviditet_spaed" not in by_key:
        by_key["graviditet_spaed"] = ConceptHit(
            "graviditet_spaed", concept_label("graviditet_spaed"), ["barn under 1 år"], 0.4)
    if _RX_SCHOOL_NEED.search(" ".join(surf)) and "lektiehjaelp_skole" not in by_key:
        by_key["lektiehjaelp_skole"] = ConceptHit(
            "lektiehjaelp_skole", concept_label("lektiehjaelp_skole"), ["skolestart"], 0.7)


def _childs_mood(by_key: dict[str, ConceptHit], about_child: bool) -> None:
    """A child's low mood is the child's (mis)trivsel, not a parent's psychiatric illness."""
    ps = by_key.get("psykisk_sygdom_foraelder")
    if ps is None or not about_child or not all(w in _MOOD_WORDS for w in ps.words):
        return
    _strengthen(by_key, "trivsel_unge", ps.words, ps.weight * 0.9)
    ps.weight *= 0.3


def _young_writers_loneliness(by_key: dict[str, ConceptHit]) -> None:
    """A young person's own loneliness is the young person's wellbeing, not the parents' network."""
    nw = by_key.get("netvaerk_foraeldre")
    if nw is None:
        return
    _strengthen(by_key, "trivsel_unge", nw.words, nw.weight * 0.9)
    nw.weight *= 0.3


def _fathers(by_key: dict[str, ConceptHit], surf: list[str]) -> None:
    """A father's own parenting or loneliness is also the fathers' need (fædres rolle)."""
    if (any(s in _FATHER_WORDS for s in surf) and not any(s in _MOTHER_WORDS for s in surf)
            and ("foraeldrekompetencer" in by_key or "netvaerk_foraeldre" in by_key)):
        fa = by_key.get("faedre")
        if fa is None:
            by_key["faedre"] = ConceptHit("faedre", concept_label("faedre"), ["far"], 0.5)
        elif fa.weight < 0.5:
            fa.weight = 0.5


def _postnatal(by_key: dict[str, ConceptHit]) -> None:
    """Low mood around a baby or a pregnancy is a parent's post-natal reaction."""
    mood = [by_key[k] for k in ("trivsel_unge", "psykisk_sygdom_foraelder") if k in by_key]
    if mood:
        w = max(c.weight for c in mood) * 0.8
        words = [x for c in mood for x in c.words]
        _strengthen(by_key, "fodselsdepression", words[:3], w)


# words that place a parent's low mood around a birth ("trist efter fødslen", "siden hun fødte")
_BIRTH_WORDS = frozenset({"fødslen", "fødsel", "født", "fødte", "barsel", "barslen", "barselsorlov", "nyfødt",
                          "nyfødte", "nybagt", "nybagte", "spædbarn", "spædbarnet", "babyen", "baby"})

_CHILD_SUBJECTS = frozenset({"drengen", "pigen", "sønnen", "datteren", "barnet", "teenageren", "eleven",
                             "knægten", "tøsen"})
# parents named otherwise than by PARENT_NOUNS ("mors drikkeri", "hans far")
_PARENT_MENTIONS = frozenset({"mors", "fars", "forældres", "forældrenes", "forælderens", "moderen", "faderen",
                              "stedfaren", "stedmoren", "mormors", "farmors"})
# psychiatric words that, said of a child, are the child's low mood
_MOOD_WORDS = frozenset({"deprimeret", "depression", "depressiv", "depressive", "stress", "stresset", "angst",
                         "ptsd", "traumatiseret", "psykiske problemer", "psykisk sårbar", "psykiske vanskeligheder",
                         "psykiske udfordringer", "psykisk ustabil", "ocd", "psykisk dårlig", "psykisk skrøbelig",
                         "psykisk helbred", "psykiske helbred", "forsøgt selvmord", "selvmordsforsøg",
                         "psykisk tilstand", "psykiske tilstand"})
_FATHER_WORDS = frozenset({"far", "faren", "fædre", "fædrene", "alenefar", "faderen", "fars"})
_MOTHER_WORDS = frozenset({"mor", "moren", "mødre", "mødrene", "alenemor", "moderen", "mors", "kvinde", "kvinden",
                           "gravid", "gravide"})
_RX_SCHOOL_NEED = re.compile(r"\b(?:starte|starter|begynde|begynder|skal) i (?:0|børnehaveklasse|skole)\b")

_YOUTH_WORDS = frozenset({
    "ung", "unge", "teenager", "teenageren", "teenagere", "teenagepige", "teenagedreng", "pubertet",
    "puberteten", "skoleelev", "elev", "klasse", "klassen", "skolen", "gymnasiet", "efterskole",
})


__all__ = ["NeedReading", "Situation", "context_rules", "read_needs"]
