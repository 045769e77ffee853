"""HSDS taxonomies and terms: ids that never change, and the terms an offer publishes."""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass

from ..elements import DISCLAIMER, ELEMENTS
from ..models import AUDIENCES, FORMATS, Offer

HSDS_VERSION = "3.0"
# Never change: every service area, phone, attribute and taxonomy term id is derived from it.
NAMESPACE = uuidlib.UUID("3d6f0f8e-2b7a-4c55-9a43-7f1f5b2e8c10")
DAWA_KOMMUNE = "https://api.dataforsyningen.dk/kommuner/"

STATUS_TO_HSDS = {"published": "active", "draft": "inactive", "archived": "defunct"}
STATUS_FROM_HSDS = {"active": "published", "inactive": "draft", "defunct": "archived",
                    "temporarily closed": "draft"}

LANGUAGE_CODES = {
    "dansk": "da", "engelsk": "en", "arabisk": "ar", "tyrkisk": "tr", "somali": "so", "urdu": "ur",
    "farsi": "fa", "persisk": "fa", "dari": "prs", "pashto": "ps", "tigrinya": "ti", "ukrainsk": "uk",
    "russisk": "ru", "polsk": "pl", "rumænsk": "ro", "litauisk": "lt", "tysk": "de", "fransk": "fr",
    "spansk": "es", "kurdisk": "ku", "bosnisk": "bs", "serbisk": "sr", "kroatisk": "hr", "vietnamesisk": "vi",
    "tamil": "ta", "thai": "th", "tagalog": "tl", "svensk": "sv", "norsk": "no", "grønlandsk": "kl",
    "færøsk": "fo", "tegnsprog": "sgn",
}


def stable_id(*parts: str) -> str:
    return str(uuidlib.uuid5(NAMESPACE, ":".join(parts)))


# --- taxonomies -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    link_type: str

    @property
    def id(self) -> str:
        return stable_id("taxonomy", self.key)

    def to_hsds(self) -> dict:
        return {"id": self.id, "name": self.name, "description": self.description, "version": "1"}


TAGS = Taxonomy("civilmatch-tags", "civilmatch-tags",
                "Nøgleord, som organisationerne selv har sat på deres tilbud i civilmatch.", "category")
NEEDS = Taxonomy("civilmatch-behov", "civilmatch-behov",
                 "Behov, som civilmatch' tesaurus genkender i tilbuddets tekst (afledt af teksten, ikke "
                 "indtastet af organisationen).", "need")
FORMAT_TAXONOMY = Taxonomy("civilmatch-former", "civilmatch-former",
                           "Tilbuddets form: " + ", ".join(FORMATS) + ".", "format")
AUDIENCE_TAXONOMY = Taxonomy("civilmatch-maalgrupper", "civilmatch-maalgrupper",
                             "Hvem tilbuddet er for (forældre, børn, unge, ...).", "audience")
ELEMENT_TAXONOMY = Taxonomy("socialstyrelsen-lovende-praksis", "socialstyrelsen-lovende-praksis",
                            "Socialstyrelsens 11 elementer i lovende praksis. Attributtens value er niveauet "
                            "0-3 (0 ikke beskrevet, 1 delvist/uformelt, 2 beskrevet skriftligt og fast praksis, "
                            "3 dokumenteret). " + DISCLAIMER, "quality")
TAXONOMIES: tuple[Taxonomy, ...] = (TAGS, NEEDS, FORMAT_TAXONOMY, AUDIENCE_TAXONOMY, ELEMENT_TAXONOMY)
TAXONOMY_BY_ID = {t.id: t for t in TAXONOMIES}


@dataclass(frozen=True)
class Term:
    taxonomy: Taxonomy
    code: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return stable_id("term", self.taxonomy.key, self.code.casefold())

    def to_hsds(self) -> dict:
        return {"id": self.id, "code": self.code, "name": self.name, "description": self.description,
                "taxonomy": self.taxonomy.name, "taxonomy_id": self.taxonomy.id,
                "taxonomy_detail": self.taxonomy.to_hsds(), "language": "da"}


def tag_term(tag: str) -> Term:
    return Term(TAGS, tag, tag, f"Nøgleord: {tag}")


def need_term(key: str, label: str) -> Term:
    return Term(NEEDS, key, label, f"Behov genkendt af civilmatch: {label}")


def format_term(fmt: str) -> Term:
    return Term(FORMAT_TAXONOMY, fmt, fmt, f"Form: {fmt}")


def audience_term(value: str) -> Term:
    return Term(AUDIENCE_TAXONOMY, value, value, f"Målgruppe: {value}")


ELEMENT_TERMS: tuple[Term, ...] = tuple(Term(ELEMENT_TAXONOMY, e.key, e.name, e.meaning) for e in ELEMENTS)
ELEMENT_TERM_BY_CODE = {t.code: t for t in ELEMENT_TERMS}

# Concepts of an offer: (key, Danish label) pairs. The web layer passes the matcher's; None means tags only.
ConceptsFn = Callable[[Offer], list[tuple[str, str]]]


def offer_terms(offer: Offer, concepts: ConceptsFn | None = None) -> list[tuple[Term, str | None]]:
    """Every taxonomy term the service publishes, with the attribute value (the level for elements)."""
    out: list[tuple[Term, str | None]] = []
    out += [(tag_term(t), None) for t in dict.fromkeys(offer.tags or [])]
    out += [(format_term(f), None) for f in dict.fromkeys(offer.formats or [])]
    out += [(audience_term(a), None) for a in dict.fromkeys(offer.audience or [])]
    if concepts is not None:
        out += [(need_term(k, label), None) for k, label in dict.fromkeys(concepts(offer))]
    if offer.element_rows:
        levels = offer.element_levels()
        out += [(t, str(levels[t.code])) for t in ELEMENT_TERMS]
    seen: set[str] = set()
    unique = []
    for term, value in out:
        if term.id not in seen:
            seen.add(term.id)
            unique.append((term, value))
    return unique


def fixed_terms() -> list[Term]:
    return list(ELEMENT_TERMS) + [format_term(f) for f in FORMATS] + [audience_term(a) for a in AUDIENCES]
