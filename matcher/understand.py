"""Need understanding: from a caseworker's free text or a family's story to a :class:`Need`.

One extractor per aspect (``matcher/extract/``): the municipality (:mod:`.extract.place`: gazetteer,
postcodes, fuzzy; a place in passing is not the home), the children's and parents' ages
(:mod:`.extract.age`: durations and past ages are not ages, pregnancy is 0), wanted/excluded formats,
"gratis", languages and who the help is for (:mod:`.extract.format`), and the needs with the main need
first (:mod:`.extract.need`). Words used for the municipality, an age or a format never feed the need
terms.
"""
from __future__ import annotations

from functools import lru_cache

from .extract.age import CHILD_NOUNS, PARENT_NOUNS, RX_PREGNANT, extract_ages
from .extract.common import NUMBER_WORDS, Text, num
from .extract.format import (
    AUDIENCE_WORDS,
    FORMAT_WORDS,
    LANGUAGES,
    audience,
    extract_formats,
    free_only,
    languages,
)
from .extract.need import Situation, read_needs
from .extract.place import PlaceExtractor
from .models import Need
from .places import Gazetteer

MAX_TEXT = 20_000  # characters analysed (longer texts are cut; a chat message is far shorter)


class NeedParser:
    def __init__(self, gazetteer: Gazetteer | None = None):
        self.places = PlaceExtractor(gazetteer)
        self.gaz = self.places.gaz

    def parse(self, text: str, known=None) -> Need:
        """``known(word)`` (optional): words known elsewhere (the offers' words), never typo-corrected."""
        t = Text.of((text or "")[:MAX_TEXT])
        need = Need()
        place = self.places.extract(t, default_known)
        need.municipality, need.municipality_source = place.municipality, place.source
        need.municipality_alternatives, need.municipality_ambiguous = place.alternatives, place.others
        ages = extract_ages(t)
        need.child_ages, need.parent_ages = ages.child_ages, ages.parent_ages
        need.pregnant = bool(RX_PREGNANT.search(t.norm))
        fmt = extract_formats(t.surf)
        need.formats, need.excluded_formats = fmt.formats, fmt.excluded
        need.free_only = free_only(t.norm)
        need.languages = languages(t.surf)
        need.audience = audience(t.surf)
        situation = Situation(need.child_ages, need.parent_ages, need.pregnant, ages.young_writer)
        needs = read_needs(t, situation, place.masked | ages.masked, fmt.masked, known)
        need.concepts = needs.concepts
        need.term_weights = needs.term_weights
        need.terms = sorted(needs.term_weights)
        need.word_weight = needs.word_weight
        return need


@lru_cache(maxsize=1)
def default_parser() -> NeedParser:
    return NeedParser()


def default_known(word: str) -> bool:
    from .analysis import default_analyzer
    an = default_analyzer()
    return word in an.surface_vocab


def understand(text: str) -> Need:
    return default_parser().parse(text)


__all__ = [
    "AUDIENCE_WORDS",
    "CHILD_NOUNS",
    "FORMAT_WORDS",
    "LANGUAGES",
    "MAX_TEXT",
    "NUMBER_WORDS",
    "PARENT_NOUNS",
    "NeedParser",
    "default_known",
    "default_parser",
    "num",
    "understand",
]
