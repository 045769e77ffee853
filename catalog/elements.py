"""Socialstyrelsen's 11 elements of promising practice ("lovende praksis") and our 0-3 self-assessment.

The element names are Socialstyrelsen's own. The 0-3 levels, the guiding questions and the summary bands
are civilmatch's design (see shared domain notes): a profile, never an official approval.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Element:
    key: str
    name: str
    meaning: str
    question: str


ELEMENTS: tuple[Element, ...] = (
    Element("teori_og_viden", "Teori og viden",
            "Praksis er forankret i veldefineret teori og den bedste aktuelle viden.",
            "Hvilken viden eller teori bygger aktiviteten på? Har I en forandringsteori "
            "(aktiviteter → resultater → mål)?"),
    Element("virkning", "Virkning",
            "Der findes undersøgelser, der peger på, at praksis har en positiv virkning for borgerne.",
            "Findes der undersøgelser eller evalueringer af aktiviteten (jeres egen eller metoden "
            "generelt)? Hvad viste de?"),
    Element("beskrivelse", "Beskrivelse",
            "Praksis er systematisk beskrevet: målgruppe, aktiviteter og mål.",
            "Er målgruppe, aktiviteter, varighed/hyppighed og mål beskrevet skriftligt "
            "(fx i en metodebeskrivelse)?"),
    Element("maal", "Mål",
            "Der er klare og relevante mål for deltagernes udvikling eller trivsel.",
            "Hvilke konkrete mål har aktiviteten for deltagerne (barn/forælder)?"),
    Element("overfoerbarhed", "Overførbarhed",
            "Praksis kan overføres til andre tilbud rettet mod lignende målgrupper.",
            "Kører aktiviteten flere steder, eller er der materiale/uddannelse, så andre kan gøre "
            "det samme?"),
    Element("oekonomi", "Økonomi",
            "Praksis er forbundet med en vis grad af økonomisk rentabilitet.",
            "Hvad koster et forløb pr. deltager/familie, hvordan er det finansieret, og hvad betaler "
            "familien?"),
    Element("faglig_refleksion", "Faglig refleksion",
            "Praksis understøtter fælles faglig refleksion.",
            "Hvordan får frivillige/medarbejdere supervision, sparring og efteruddannelse?"),
    Element("relationelt_samarbejde", "Relationelt samarbejde",
            "Medarbejderne har de relationelle kompetencer, der skal til for at samarbejde med "
            "borgere, kolleger og andre fagpersoner.",
            "Hvordan rekrutteres, uddannes og screenes frivillige (børneattest), og hvordan "
            "samarbejder I med kommune, skole og sundhedspleje?"),
    Element("individuel_tilrettelaeggelse", "Individuel tilrettelæggelse",
            "Praksis tager udgangspunkt i målgruppens styrker, udfordringer og ønsker og inddrager "
            "borgerne.",
            "Hvordan tilpasses forløbet til den enkelte familie/barn, og hvordan inddrages deltagerne?"),
    Element("monitorering", "Monitorering",
            "Deltagernes udvikling eller trivsel følges systematisk i forhold til målene.",
            "Hvordan følger I deltagernes udvikling ift. målene (fx trivselsskema før/efter, "
            "fremmøde)? Kan I give tilbagemelding til sagsbehandler med samtykke?"),
    Element("opfoelgning", "Opfølgning",
            "Praksis følges løbende op og tilpasses.",
            "Hvordan evaluerer og justerer I aktiviteten løbende?"),
)

ELEMENT_KEYS: tuple[str, ...] = tuple(e.key for e in ELEMENTS)
BY_KEY: dict[str, Element] = {e.key: e for e in ELEMENTS}

LEVELS: dict[int, str] = {
    0: "Ikke beskrevet",
    1: "Delvist / uformelt",
    2: "Beskrevet skriftligt og fast praksis",
    3: "Dokumenteret (fx evaluering, manual, data)",
}

BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 4, "Under udvikling"),
    (5, 7, "Lovende træk"),
    (8, 11, "Mange lovende træk"),
)
BAND_KEYS = {"under_udvikling": (0, 4), "lovende_traek": (5, 7), "mange_lovende_traek": (8, 11)}

DISCLAIMER = ("Profilen er organisationens egen vurdering ud fra Socialstyrelsens 11 elementer i lovende "
              "praksis. Den er ikke en officiel godkendelse.")


def count_present(levels: dict[str, int]) -> int:
    """How many elements stand at level 2 or more (0-11)."""
    return sum(1 for k in ELEMENT_KEYS if (levels.get(k) or 0) >= 2)


def band(count: int) -> str:
    for low, high, label in BANDS:
        if low <= count <= high:
            return label
    raise ValueError(f"element count out of range: {count}")
