"""Who, when and whether: re-reading a text's need hits in their context.

The tagger finds need words; a story uses many of them about something other than a present need:
an accusation the writer rejects ("hun påstår, at han har været voldelig"), a resource the family has
("der hvor mit netværk er"), a date ("lige før sommerferien", "efter jul"), an hour ("en time hos
psykologen"), a child's friendships told with the parents' words ("min datter har ingen veninder").
:func:`reread` returns the hits with their weights changed (or moved to another concept) by these
general rules of how Danish families write.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .analysis import ATok, CHit

# A need named inside a reported accusation counts this much ("påstår, at han har slået").
ACCUSED_FACTOR = 0.25
# A need word used of what the family has, not what it lacks ("vores gode netværk").
RESOURCE_FACTOR = 0.15
# "Alone" said by a writer who names a partner is loneliness in the task, not single parenthood.
PARTNERED_FACTOR = 0.3
_MY = frozenset({"min", "mit", "vores"})
_PARTNERS = frozenset({"mand", "kone", "kæreste", "partner", "ægtefælle", "samlever"})
# What one can lose without grief: "mistet forstanden / lysten / sit arbejde / kontakten".
_ABSTRACT_LOSS = frozenset({"forstanden", "kontrollen", "lysten", "overblikket", "jobbet", "arbejdet", "arbejde",
                            "job", "modet", "troen", "appetitten", "pusten", "grebet", "kontakten", "tråden",
                            "overskuddet", "humøret", "retten", "boligen", "lejligheden", "pladsen"})
_SIBLINGS = frozenset({"storebror", "storesøster", "storebroren", "storesøsteren"})
_POSSESSIVE = frozenset({"hans", "hendes", "min", "mit", "sin", "sit", "deres", "vores", "din", "jeres"})
# Words that report a claim the writer does not share; a need up to ACCUSED_REACH words later is the claim.
_CLAIMS = frozenset({"påstår", "påstod", "påstand", "påstande", "beskylder", "beskyldte", "beskyldninger",
                     "beskyldning", "anklager", "anklage", "anklagede", "anklaget", "mistænkt", "mistænker",
                     "mistanke", "opdigtede", "opdigtet", "falske", "falsk", "løgn", "løgne", "usande"})
ACCUSED_REACH = 8
# Words before a need word that make it something the family has.
_RESOURCE_BEFORE = frozenset({"godt", "god", "gode", "stort", "stor", "store", "stærkt", "stærk", "stærke",
                              "fint", "fin", "mit", "min", "vores", "vort", "deres", "heldigvis", "trygt"})
_RESOURCE_WORDS = frozenset({"netværk", "netværket", "bagland", "baglandet", "familie", "familien", "venner",
                             "vennerne", "veninder", "fællesskab", "fællesskabet", "støtte"})
_LACK_BEFORE = frozenset({"mangler", "savner", "intet", "ingen", "uden", "lille", "spinkelt", "svagt", "mistet"})
# Words before a holiday or a season that make it a date ("før sommerferien", "op til jul").
_TIME_BEFORE = frozenset({"før", "efter", "inden", "siden", "fra", "over", "sidste", "næste",
                          "denne", "hele", "forrige", "sidst", "løbet"})
_DATE_WORDS = frozenset({"sommerferien", "sommerferie", "ferien", "efterårsferien", "vinterferien",
                         "påskeferien", "jul", "julen", "sommer", "sommeren", "weekenden", "påske", "påsken"})
_DATE_CONCEPTS = frozenset({"ferie_oplevelser", "materiel_hjaelp"})
# "en time", "hver time", "to timer hos": an hour or an appointment, not a school lesson.
_HOUR_BEFORE = frozenset({"en", "et", "hver", "halv", "halvanden", "to", "tre", "fire", "få", "par", "nogle"})
# A child's friendships: the words of the parents' network need, said of a child.
_CHILD_WORDS = frozenset({"datter", "datteren", "søn", "sønnen", "dreng", "drengen", "pige", "pigen", "barnet",
                          "barn", "teenager", "teenageren", "storebror", "lillebror", "storesøster",
                          "lillesøster", "knægten", "tøsen", "eleven", "barnebarn", "barnebarnet"})
_ADULT_SUBJECTS = frozenset({"jeg", "vi", "mor", "far", "moren", "faren", "forældrene", "min mand", "mig", "os"})
_FRIEND_WORDS = frozenset({"veninder", "venner", "veninde", "ven", "kammerater", "kammerat", "alene", "ensom",
                           "ensomt", "isoleret", "udenfor"})


def reread(hits: Sequence[CHit], toks: Sequence[ATok], sentence_of: Sequence[int]) -> list[CHit]:
    """The hits after the rules above. ``sentence_of[i]``: the sentence index of token i."""
    surf = [t.surface for t in toks]
    ctx = _Context(surf, sentence_of,
                   # a need word used of what the family has makes the sentence's words of that need a resource
                   {(h.key, sentence_of[h.start]) for h in hits if _resource(surf, h)},
                   any(surf[k] in _MY and surf[k + 1] in _PARTNERS for k in range(len(surf) - 1)))
    out: list[CHit] = []
    for h in hits:
        if _not_a_need(ctx, h):
            continue
        if h.key == "netvaerk_foraeldre" and any(x in _FRIEND_WORDS for x in surf[h.start:h.end]) and \
                _child_subject(surf, h.start, sentence_of):
            out.append(h._replace(key="trivsel_unge", weight=h.weight * 0.9))
            continue
        w = h.weight * _factor(ctx, h)
        out.append(h if w == h.weight else h._replace(weight=w))
    return out


@dataclass(frozen=True)
class _Context:
    surf: Sequence[str]
    sentence_of: Sequence[int]
    resources: set[tuple[str, int]]
    partner: bool                      # the writer names a partner ("min mand")


def _factor(ctx: _Context, h: CHit) -> float:
    """How much of its weight a hit keeps: less inside an accusation, as a resource, or "alone" said by a
    writer with a partner ("min mand og jeg ... jeg står meget alene": alone with it, not a single parent)."""
    if _accused(ctx.surf, h.start, ctx.sentence_of):
        return ACCUSED_FACTOR
    if (h.key, ctx.sentence_of[h.start]) in ctx.resources:
        return RESOURCE_FACTOR
    if h.key == "unge_enlige_foraeldre" and "alene" in ctx.surf[h.start:h.end] and ctx.partner:
        return PARTNERED_FACTOR
    return 1.0


def _not_a_need(ctx: _Context, h: CHit) -> bool:
    """A sibling ("hans storesøster på 7"), a date ("før sommerferien"), an hour ("en time hos")."""
    surf = ctx.surf
    words = surf[h.start:h.end]
    prev = surf[h.start - 1] if h.start > 0 else ""
    nxt = surf[h.end] if h.end < len(surf) else ""
    if h.key == "mentor_unge" and any(x in _SIBLINGS for x in words) and _a_sibling(surf, h):
        return True
    if h.key in _DATE_CONCEPTS and len(words) == 1 and words[0] in _DATE_WORDS and prev in _TIME_BEFORE:
        return True
    if h.key == "sorg" and len(words) == 1 and words[0].startswith("mist") and \
            (nxt in _ABSTRACT_LOSS or surf[h.end + 1:h.end + 2] and surf[h.end + 1] in _ABSTRACT_LOSS):
        return True  # "mistet forstanden", "mistede sit arbejde": a loss, but no bereavement
    return words == ["time"] and (prev in _HOUR_BEFORE or nxt == "hos")


def _a_sibling(surf: Sequence[str], h: CHit) -> bool:
    return (h.start > 0 and surf[h.start - 1] in _POSSESSIVE) or surf[h.end:h.end + 1] == ["på"] or \
        surf[h.end:h.end + 1] in (["og"], [","])


def _resource(surf: Sequence[str], h: CHit) -> bool:
    words = surf[h.start:h.end]
    before = surf[max(0, h.start - 2):h.start]
    return (any(x in _RESOURCE_WORDS for x in words) and any(x in _RESOURCE_BEFORE for x in before)
            and not any(x in _LACK_BEFORE for x in surf[max(0, h.start - 3):h.end]))


def _accused(surf: Sequence[str], i: int, sentence_of: Sequence[int]) -> bool:
    s = sentence_of[i]
    for j in range(i - 1, max(-1, i - ACCUSED_REACH - 1), -1):
        if sentence_of[j] != s:
            break
        if surf[j] in _CLAIMS:
            return True
    # "anklager om vold, som er opdigtede": the claim word follows within the sentence
    for j in range(i + 1, min(len(surf), i + 6)):
        if sentence_of[j] != s:
            break
        if surf[j] in ("opdigtede", "opdigtet", "falske", "usande", "løgn"):
            return True
    return False


def _child_subject(surf: Sequence[str], i: int, sentence_of: Sequence[int]) -> bool:
    """The nearest person before token i in its sentence is a child ("min datter har ingen veninder"),
    or a "han"/"hun" whose nearest named person before it is one ("en pige på 9. Hun har ingen veninder")."""
    s = sentence_of[i]
    for j in range(i - 1, -1, -1):
        if sentence_of[j] != s:
            return False
        if surf[j] in _CHILD_WORDS:
            return True
        if surf[j] in _ADULT_SUBJECTS:
            return False
        if surf[j] in _PRONOUNS:
            return _refers_to_child(surf, j)
    return False


def _refers_to_child(surf: Sequence[str], j: int) -> bool:
    """"han"/"hun" at token j: is the nearest person of that gender named before it a child?"""
    female = surf[j] == "hun"
    for k in range(j - 1, max(-1, j - 40), -1):
        w = surf[k]
        g = _GENDER.get(w)
        if g is not None and g != female:
            continue
        if w in _CHILD_WORDS:
            return True
        if w in _ADULT_NOUNS:
            return False
    return False


_PRONOUNS = frozenset({"han", "hun"})
# True: female, False: male (persons without a gender in the word match either pronoun).
_GENDER = {**{w: True for w in ("pige", "pigen", "datter", "datteren", "storesøster", "lillesøster", "tøsen", "mor",
                                "moren", "kone", "konen", "ekskone", "mormor", "farmor", "stedmor", "bonusmor",
                                "veninde", "søster", "kvinde", "kvinden")},
           **{w: False for w in ("dreng", "drengen", "søn", "sønnen", "storebror", "lillebror", "knægten", "far",
                                 "faren", "mand", "manden", "eksmand", "morfar", "farfar", "stedfar", "bonusfar",
                                 "bror")}}
_ADULT_NOUNS = frozenset({"kvinde", "kvinden", "mor", "far", "moren", "faren", "mand", "manden", "kæreste", "kæresten", "eksmand",
                          "ekskone", "kone", "konen", "mormor", "farmor", "morfar", "farfar", "stedfar", "stedmor",
                          "bonusfar", "bonusmor", "partner", "partneren", "veninde", "søster", "bror"})


__all__ = ["reread"]
