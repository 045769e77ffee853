"""Redaction of personal data in free Danish text.

Since conversations keep only what was understood (see :mod:`catalog.conversations`), redaction guards the
text that still passes through: shortlist notes before they are stored, log records, and anything shown back.
It removes

* CPR numbers: ten digits whose first six are a calendar date DDMMYY (or twelve with DDMMYYYY), in any
  spelling: separators ``-``, ``/``, ``.``, spaces or none, between any digits; modulus 11 is not required.
* Danish phone numbers: eight digits in any grouping (``12345678``, ``12 34 56 78``, ``655 50 464``,
  ``41-52-58-15``), with or without ``+45``/``0045``/``(+45)``; amounts, dates, times and pairs of years
  are kept.
* E-mail addresses, also written ``navn(at)mail.dk``, ``navn [at] mail.dk``, ``navn @ mail.dk``.
* Street addresses: a street name (recognised by the endings of Danish street names: -vej, -gade, -allé,
  -stræde, -parken, -vænget, ...) with a house number, optionally floor and side and postcode and town.
* Names: words of the shipped name list (``data/names.csv``: Danish first names and surnames from Danmarks
  Statistik's name statistics, Muslim first names and surnames; sources in ``data/NAMES_SOURCES.md``) when
  they are written with a capital letter and read as a name; any capitalised word introduced as a name
  ("hedder X", "navn: X", "kaldet X") or standing next to a family word ("min søn Oliver", "datteren Freja",
  "faren, Mohammed Ali,", "Mor Jannie"); a capitalised word joined by "og" to a name ("Line og Kasper");
  and surnames following a name.

Ordinary words survive: matching is on whole words ("rosen" is not "Rose"), lowercase words are never taken
as names (except right after "hedder"), a name that is also a common word is kept at the start of a sentence
unless a verb follows ("Bo i Odense" stays), and a place after "i"/"på"/"fra" is a place.

Every finding is replaced by a placeholder (``[CPR-nummer]``, ``[telefonnummer]``, ``[e-mail]``,
``[adresse]``, ``[navn]``); placeholders hold no digit, no ``@`` and no capitalised word, so ``redact`` is
idempotent. All patterns are linear in the input; ``redact`` never raises for a ``str``.
"""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["Redaction", "RedactingFilter", "redact", "PLACEHOLDERS", "KINDS", "name_words", "is_name", "common_words",
           "known_word"]

KINDS = ("cpr", "phone", "email", "address", "name")

PLACEHOLDERS = {
    "cpr": "[CPR-nummer]",
    "phone": "[telefonnummer]",
    "email": "[e-mail]",
    "address": "[adresse]",
    "name": "[navn]",
}

# (singular sentence, plural template) per kind; order is the order of messages().
_MESSAGES = (
    ("cpr", "Et CPR-nummer blev fjernet", "{n} CPR-numre blev fjernet"),
    ("phone", "Et telefonnummer blev fjernet", "{n} telefonnumre blev fjernet"),
    ("name", "Et navn blev fjernet", "{n} navne blev fjernet"),
    ("email", "En e-mailadresse blev fjernet", "{n} e-mailadresser blev fjernet"),
    ("address", "En adresse blev fjernet", "{n} adresser blev fjernet"),
)

DATA_DIR = Path(__file__).parent / "data"
NAMES_CSV = DATA_DIR / "names.csv"


@dataclass(frozen=True)
class Redaction:
    """Result of :func:`redact`: the redacted ``text`` and how many findings of each kind were replaced."""

    text: str
    removed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def changed(self) -> bool:
        return any(self.removed.get(kind, 0) for kind in KINDS)

    def messages(self) -> list[str]:
        """Danish sentences telling the caseworker what was removed."""
        out = []
        for kind, singular, plural in _MESSAGES:
            n = self.removed.get(kind, 0)
            if n == 1:
                out.append(singular)
            elif n > 1:
                out.append(plural.format(n=n))
        return out


# --------------------------------------------------------------------------
# Numbers: CPR and phone
# --------------------------------------------------------------------------

_SP = "[ \u00a0\u202f]"
_SEP_CHARS = "./\\-\u2010\u2011\u2012\u2013\u2014\u2212"
_SEP = rf"(?:{_SP}?[{_SEP_CHARS}]{_SP}?|{_SP})"
_PREFIX = rf"(?:(?:\+|00){_SP}?45{_SP}?[-.]?{_SP}?|\(\+?45\){_SP}?)"
# A run of digit groups joined by single separators; the run never starts or ends inside a number.
_RUN = re.compile(rf"(?<!\d)(?<!\d[.,])({_PREFIX})?(\d+(?:{_SEP}\d+)*)(?!\d)")
_GROUP = re.compile(r"\d+")
_AMOUNT_AFTER = re.compile(
    r"\s{0,3}(?:kr\b|dkk\b|kroner\b|,-|\.-|mio\b|mia\b|euro\b|eur\b|€|%|procent\b)", re.IGNORECASE)
_AMOUNT_BEFORE = re.compile(r"(?:\bkr\.?|\bdkk|€)\s{0,3}$", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_date(day: int, month: int, year: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    if month == 2 and day == 29:
        return year % 4 == 0
    return day <= _DAYS_IN_MONTH[month - 1]


def _is_cpr(digits: str) -> bool:
    if len(digits) == 10:
        return _valid_date(int(digits[0:2]), int(digits[2:4]), int(digits[4:6]))
    if len(digits) == 12:  # DDMMYYYY-XXXX
        year = int(digits[4:8])
        return 1870 <= year <= 2099 and _valid_date(int(digits[0:2]), int(digits[2:4]), year)
    return False


def _looks_like_date_or_time(text: str) -> bool:
    """'12-03-2026', '01/02/2026', '10.00-12.00': eight digits that are not a phone number."""
    groups = _GROUP.findall(text)
    if len(groups) == 3 and len(groups[2]) == 4 and _YEAR.fullmatch(groups[2]) and all(
            1 <= len(g) <= 2 for g in groups[:2]) and not re.search(_SP, text) and \
            _valid_date(int(groups[0]), int(groups[1]), int(groups[2])):
        return True
    if len(groups) == 4 and all(len(g) == 2 for g in groups) and re.fullmatch(
            rf"\d\d[.:]\d\d{_SP}?[-\u2013]{_SP}?\d\d[.:]\d\d", text):
        return True
    return False


def _phone_ok(text: str, start: int, end: int, span: str, prefixed: bool) -> bool:
    if prefixed:
        return True
    if _AMOUNT_AFTER.match(text, end) or _AMOUNT_BEFORE.search(text[max(0, start - 8):start]):
        return False
    groups = _GROUP.findall(span)
    if len(groups) == 2 and all(len(g) == 4 and _YEAR.fullmatch(g) for g in groups):
        return False
    return not _looks_like_date_or_time(span)


def _redact_numbers(text: str, removed: dict[str, int]) -> str:
    out: list[str] = []
    pos = 0
    for m in _RUN.finditer(text):
        prefix = m.group(1)
        body_start = m.start(2)
        if prefix is not None and prefix.lstrip().startswith("00"):
            # "0045 ..." is digits too ("00450000" is a phone number): its group is read like any other
            prefix, body_start = None, m.start()
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, body_start, m.end())]
        i = 0
        while i < len(groups):
            if text[groups[i][0]:groups[i][1]] == "0045" and \
                    sum(b - a for a, b in groups[i + 1:]) >= 8:
                i += 1  # the country code of the number that follows (taken with it below)
                continue   # (but "0045 0000" is one number in two halves, not a code and half a number)
            found = None
            for j in range(i + 1, len(groups) + 1):
                digits = "".join(text[a:b] for a, b in groups[i:j])
                if len(digits) > 12:
                    break
                start, end = groups[i][0], groups[j - 1][1]
                if _is_cpr(digits):
                    found = ("cpr", start, end)
                elif len(digits) == 8 and found is None:
                    use_prefix = prefix is not None and i == 0
                    span_start = m.start() if use_prefix else start
                    if not use_prefix and i > 0 and groups[i - 1][0] >= pos and \
                            text[groups[i - 1][0]:groups[i - 1][1]] in ("45", "0045"):
                        pre = groups[i - 1][0]
                        if text[pre:pre + 4] == "0045" or text[pre - 1:pre] == "+":
                            use_prefix, span_start = True, pre - (text[pre - 1:pre] == "+")
                    if _phone_ok(text, span_start, end, text[start:end], use_prefix):
                        found = ("phone", span_start, end)
            if found is None:
                i += 1
                continue
            kind, start, end = found
            out.append(text[pos:start])
            out.append(PLACEHOLDERS[kind])
            removed[kind] += 1
            pos = end
            while i < len(groups) and groups[i][0] < end:
                i += 1
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------
# E-mail addresses
# --------------------------------------------------------------------------

_AT = r"(?:[ \t]?@[ \t]?|[ \t]?[(\[{][ \t]?(?:at|snabel-a)[ \t]?[)\]}][ \t]?)"
_DOT = r"(?:\.|[ \t]?[(\[{][ \t]?(?:dot|punktum)[ \t]?[)\]}][ \t]?)"
_EMAIL = re.compile(rf"(?<![\w.%+-])[\w.%+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}([^\W\d_]{{2,24}})(?![\w-])",
                    re.IGNORECASE)


def _redact_email(text: str, removed: dict[str, int]) -> str:
    def repl(m: re.Match) -> str:
        removed["email"] += 1
        return PLACEHOLDERS["email"]

    return _EMAIL.sub(repl, text)


# --------------------------------------------------------------------------
# Street addresses
# --------------------------------------------------------------------------

# Endings of Danish street names (as in the gazetteer's and the address register's street names).
_STREET_STRONG = ("vej", "vejen", "gade", "gaden", "allé", "alle", "stræde", "strædet", "vænget", "vænge",
                  "plads", "pladsen", "torv", "torvet", "boulevard", "parken", "stien", "passagen", "promenaden")
_STREET_WEAK = ("park", "sti", "have", "haven", "høj", "højen", "bakken", "bakke", "toften", "toft", "vang",
                "vangen", "engen", "marken", "lunden", "krogen", "kvarter", "løkke", "løkken", "bjerget",
                "kæret", "hegnet", "holmen", "skoven", "dalen", "ageren", "gården", "brinken", "kajen", "ringen",
                "diget", "gyden", "volden", "leddet", "huse", "stykket", "udsigten", "tofterne", "agre", "enge",
                "lykke", "mosen", "bro", "broen", "hus", "strand", "stranden", "have")
_STREET_WORD = (r"(?:[^\W\d_]+(?:[-'][^\W\d_]+)*)")
_FLOOR = (rf"(?:,?{_SP}*(?:(?:st|kl|kld|stuen)\b\.?|\d{{1,2}}\.)(?:,?{_SP}*(?:sal|th|tv|mf|t\.h|t\.v)\b\.?)?"
          rf"|,?{_SP}*(?:th|tv|mf)\b\.?)")
_TOWN = rf"(?:,?{_SP}*\d{{4}}{_SP}+[A-ZÆØÅ][^\W\d_]+(?:-[A-ZÆØÅ][^\W\d_]*)?(?:{_SP}[A-ZÆØÅ]{{1,2}}\b)?)"
_ADDRESS = re.compile(
    rf"(?<![\w])((?:[A-ZÆØÅ][\w.'-]*{_SP}){{0,3}})({_STREET_WORD}){_SP}+(\d{{1,4}}(?:{_SP}?[A-Za-z](?![\w]))?)"
    rf"(?!{_SP}?(?:år|dage|dag|gange|gang|timer|time|uger|uge|måneder|mdr|kr|kroner|børn|personer|klasse|"
    rf"%|\.{_SP}?klasse)\b)"
    rf"({_FLOOR}?{_TOWN}?)")
_STREET_ENDS_STRONG = tuple(sorted(_STREET_STRONG, key=len, reverse=True))
_STREET_ENDS_WEAK = tuple(sorted(set(_STREET_WEAK), key=len, reverse=True))
_SEPARATE_STREET_WORDS = {"vej", "gade", "allé", "alle", "plads", "torv", "boulevard", "stræde", "vænge"}


def _street_word(word: str, prefix: str) -> bool:
    low = word.lower()
    capital = word[:1].isupper()
    if low in _SEPARATE_STREET_WORDS:
        return bool(prefix.strip())  # "Jens Baggesens Vej 4"
    for end in _STREET_ENDS_STRONG:
        if low.endswith(end) and len(low) > len(end) + 1:
            return True
    if capital:
        for end in _STREET_ENDS_WEAK:
            if low.endswith(end) and len(low) > len(end) + 1:
                return True
    return False


def _redact_addresses(text: str, removed: dict[str, int]) -> str:
    out: list[str] = []
    pos = 0
    for m in _ADDRESS.finditer(text):
        prefix, word = m.group(1), m.group(2)
        if not _street_word(word, prefix):
            continue
        start = m.start(2)
        # capitalised words right before the street word belong to it ("H.C. Andersens Boulevard"), unless one
        # starts the sentence and is an ordinary word
        if prefix:
            words = prefix.split()
            keep = 0
            for k, w in enumerate(words):
                if w.lower().rstrip(".") in common_words() and not w.lower().endswith("s"):
                    keep = k + 1
            start = m.start(1) + len(" ".join(words[:keep])) + (1 if keep else 0)
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(PLACEHOLDERS["address"])
        removed["address"] += 1
        pos = m.end()
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_][\u0300-\u036f]*(?:[^\W\d_][\u0300-\u036f]*)*(?:[-'\u2019][^\W\d_]+)*")

# Words that introduce a name: "hedder X", "navn: X", "kaldet X".
_INTRODUCERS = {"hedder", "hed", "kaldes", "kaldet", "navn", "navnet", "fornavn", "efternavn", "mellemnavn"}
# Family and relation words: a capitalised word right next to one is a name ("datteren Freja", "Mor Jannie").
_FAMILY = set("""
mor moren mors mama mamma far faren fars papa forælder forælderen forældre forældrene
søn sønnen sønner datter datteren døtre barn barnet børn børnene dreng drengen drenge pige pigen piger
bror broren brødre storebror storebroren lillebror lillebroren søster søsteren søstre storesøster
storesøsteren lillesøster lillesøsteren søskende tvilling tvillingen tvillinger baby babyen
mormor morfar farmor farfar bedstemor bedstefar oldemor onkel onklen moster mosteren faster fasteren
tante tanten kusine fætter nevø niece stedfar stedfaren stedmor stedmoren papfar papfaren papmor papmoren
plejemor plejefar plejebarn plejebarnet plejesøn plejedatter kæreste kæresten mand manden kone konen
hustru hustruen ægtefælle ægtefællen partner partneren samlever samleveren eksmand ekskone ekskæreste
veninde veninden ven vennen nabo naboen fru hr sagsbehandler lærer læreren pædagog pædagogen
""".split())
# Verbs of contact: "ring til X", "talt med X", "kontakt X", "hilsen X".
_CONTACT_DIRECT = {"kontakt", "kontakte", "kontaktet", "kontaktes", "hilsen", "spørg", "spørge", "besøg",
                   "besøge", "besøgt", "ringede", "v"}
_CONTACT_VERBS = {"ring", "ringe", "ringet", "ringer", "ringes", "skriv", "skrive", "skrevet", "skriver", "talt",
                  "tale", "taler", "talte", "snakket", "snakke", "snakker", "aftalt", "aftale", "aftaler", "mødes",
                  "mødt", "møde", "følges", "sms", "sms'e", "send", "sende", "sendt", "hent", "hente", "hentes"}
_OWNER = {"min", "mit", "mine", "hendes", "hans", "deres", "vores", "jeres", "sin", "sit", "sine", "din", "dit"}
# Capitalised words that are never names here.
_NOT_NAMES = set("""
han hun den det de der dem jeg du vi i man og men eller så da når hvis som at til fra på med om for af
hans hendes deres vores min mit mine sin sit sine din dit dine ingen ikke alle nogle hver mange flere
ja nej tak hej kære mvh venlig hilsen barnet familien kommune kommunen region
januar februar marts april maj juni juli august september oktober november december
mandag tirsdag onsdag torsdag fredag lørdag søndag
""".split())
# Endings of Danish nouns in the definite or plural form ("Prisen er", "Situationen er"): not names.
_NOUN_ENDINGS = ("en", "et", "ne", "erne", "ing", "ingen", "hed", "heden", "else", "tion", "sion", "ium", "isme",
                 "skab", "dom")
_PRONOUNS = {"han", "hun", "den", "det", "de", "der", "dem", "jeg", "du", "vi", "i", "man", "og", "men", "eller"}
_VERBS = {"er", "var", "har", "havde", "går", "gik", "bliver", "blev", "kan", "skal", "vil", "må", "siger",
          "hjælper", "ringer", "kommer", "bor", "laver", "mangler", "elsker", "hader", "spiller", "starter",
          "sagde", "fortæller", "boede", "føler", "virker", "får", "fik", "ønsker",
          "savner", "græder", "spiser", "sover", "leger", "gør", "ved", "synes", "tror", "hedder", "og"}
_PLACE_PREPS = {"i", "på", "fra", "til", "ved", "nær", "omkring", "mod", "over", "gennem", "syd", "nord",
                "øst", "vest", "udenfor", "uden"}
_MAX_NAME_WORDS = 4


@lru_cache(maxsize=1)
def name_words() -> frozenset[str]:
    """The shipped name list, lowercased (first names and surnames; initials and non-words left out)."""
    out = set()
    with NAMES_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = (row.get("name") or "").strip()
            for part in re.split(r"[\s]+", name):
                low = part.lower()
                if len(low) >= 2 and low.replace("-", "").replace("'", "").isalpha():
                    out.add(low)
    return frozenset(out - _FAMILY - _NOT_NAMES)


def is_name(word: str) -> bool:
    """True when ``word`` (any case) is in the shipped name list."""
    return word.lower() in name_words()


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Ordinary Danish words the service knows (the matcher's stop words and vocabulary) and a few everyday
    words that are also names: at the start of a sentence these read as words, not names."""
    words = set(_NOT_NAMES) | set(_VERBS) | {
        "bo", "rose", "sten", "mor", "far", "sol", "storm", "skov", "dam", "holm", "lund", "bjerg", "bach",
        "mark", "vang", "kær", "bent", "kim", "jul", "liv", "tom", "per", "hans", "sommer", "vinter", "have",
        "tage", "post", "bank", "mine", "sine", "din", "andre", "holdt", "loft", "thi", "de", "ask", "birk",
        "eg", "elm", "engel", "fisker", "smed", "møller", "bager", "skytte", "dahl", "lind", "ravn", "ulv",
        "ørn", "due", "fugl", "sand", "strand", "hav", "bæk", "å", "by", "borg", "gaard", "gård", "vest",
        "nord", "syd", "øst", "kirk", "kirke", "sø", "ager", "hede", "mose", "kjær", "kvist", "gren", "blad",
    }
    try:  # the matcher's Danish vocabulary (optional: redaction also works without it)
        from matcher.analysis import default_analyzer
        from matcher.text import STOP_WORDS

        words |= set(STOP_WORDS) | set(default_analyzer().surface_vocab)
    except Exception:  # pragma: no cover - matcher always ships with catalog
        pass
    return frozenset(words)


@lru_cache(maxsize=50_000)
def known_word(low: str) -> bool:
    """True for an everyday Danish word the service knows: in :func:`common_words`, or a word whose stem the
    matcher's lexicon knows, or a compound of known parts ("sommerlejr")."""
    if low in common_words():
        return True
    try:
        from matcher.analysis import default_analyzer
        from matcher.text import stem
    except Exception:  # pragma: no cover
        return False
    an = default_analyzer()
    return stem(low) in an.stem_vocab or bool(an.split(low))


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    """Lowercased municipality and place names (a capitalised place after "i"/"på" is a place, not a name)."""
    out: set[str] = set()
    paths = [DATA_DIR / "kommuner.csv"]
    try:
        import matcher

        paths.append(Path(matcher.__file__).parent / "data" / "places.csv")
    except Exception:  # pragma: no cover
        pass
    for path in paths:
        if not path.exists():
            continue
        with path.open(encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            for row in reader:
                if row:
                    for part in row[0].split():
                        out.add(part.lower())
    return frozenset(out)


def _sentence_start(text: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and text[k] in " \t\"'«»(-–•*":
        k -= 1
    return k < 0 or text[k] in ".!?:;\n\r]"  # "]": after a placeholder ("[adresse] Warsame hjælper")


def _redact_names(text: str, removed: dict[str, int]) -> str:
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    if not words:
        return text
    names = name_words()
    common = common_words()
    places = _places()
    n = len(words)
    is_name_tok = [False] * n

    def gap(i: int) -> str:
        """The characters between word i-1 and word i."""
        return text[words[i - 1][1]:words[i][0]] if i > 0 else text[:words[i][0]]

    def plain_gap(i: int, allow_comma: bool = True) -> bool:
        g = gap(i)
        return g.strip(" \t\u00a0" + ("," if allow_comma else "")) == "" and "\n" not in g

    def capital(w: str) -> bool:
        return w[:1].isupper()

    def placeish(i: int) -> bool:
        low = words[i][2].lower()
        if low not in places:
            return False
        return i > 0 and plain_gap(i, allow_comma=False) and words[i - 1][2].lower() in _PLACE_PREPS

    def candidate(i: int) -> bool:
        w = words[i][2]
        low = w.lower()
        return capital(w) and low not in _NOT_NAMES and low not in _FAMILY and not placeish(i) \
            and not w.isupper() or (capital(w) and w.isupper() and len(w) > 1 and low in names)

    def name_like(i: int) -> bool:
        """A capitalised word that can be a name where the context says so ("Sønnen Mine", "faren Hans")."""
        w = words[i][2]
        low = w.lower()
        return candidate(i) or (capital(w) and low in names and low not in _PRONOUNS and not placeish(i))

    for i in range(n):
        start, end, w = words[i]
        low = w.lower()
        if not capital(w):
            # lowercase names only right after an introducer ("hun hedder jannie")
            if i > 0 and words[i - 1][2].lower() in ("hedder", "hed") and low in names and low not in common \
                    and plain_gap(i, allow_comma=False):
                is_name_tok[i] = True
            continue
        if not name_like(i):
            continue
        prev = words[i - 1][2].lower() if i > 0 else ""
        prev_close = i > 0 and plain_gap(i)
        prev_colon = i > 0 and gap(i).strip(" \t").rstrip("\n").strip(" \t") == ":" and gap(i).count("\n") <= 1
        if prev_colon and prev in _INTRODUCERS:
            is_name_tok[i] = True
            continue
        if i > 0 and prev_close and gap(i).strip(" \t") == "" and (
                prev in ("hedder", "hed", "kaldes", "kaldet") or
                (prev == "for" and i > 1 and words[i - 2][2].lower() in ("kaldes", "kaldet")) or
                (prev in ("navn", "navnet") and i > 1 and words[i - 2][2].lower() == "ved") or
                (prev == "er" and i > 1 and words[i - 2][2].lower() in ("navnet", "navn"))):
            is_name_tok[i] = True
            continue
        paren = i > 0 and gap(i).strip(" \t") == "(" and "\n" not in gap(i)
        if i > 0 and (prev_close or paren) and prev in _FAMILY:
            is_name_tok[i] = True
            continue
        if i > 0 and prev_close and (prev in _CONTACT_DIRECT or (
                prev in ("til", "med", "hos") and i > 1 and plain_gap(i - 1, False)
                and words[i - 2][2].lower() in _CONTACT_VERBS)):
            is_name_tok[i] = True
            continue
        if not candidate(i):
            continue
        nxt_word = words[i + 1][2] if i + 1 < n and plain_gap(i + 1, allow_comma=False) else ""
        if low not in names and nxt_word.lower() in _VERBS and nxt_word != "og" and not known_word(low) \
                and not low.endswith(_NOUN_ENDINGS) and w[1:].isalpha() and w[1:].islower():
            # "Warsame er 7 år", "Hodan vil gerne ...": an unknown word starting a sentence, then a verb
            is_name_tok[i] = True
            continue
        if low in names:
            if _sentence_start(text, start):
                # at the start of a sentence a name is followed by a verb, "og" or a surname ("Ring til ...",
                # "Bo i Odense" are words); an everyday word needs a verb ("Bo er 9 år")
                nxt = words[i + 1][2] if i + 1 < n and plain_gap(i + 1, allow_comma=False) else ""
                verb = nxt.lower() in _VERBS and (nxt != "og" or low not in common)
                surname = capital(nxt) and nxt.lower() in names and low not in common
                if not (verb or surname):
                    continue
            is_name_tok[i] = True

    # continuations: a capitalised word right after a name (surname), and "X og Y" with one a name
    for i in range(1, n):
        if is_name_tok[i - 1] and not is_name_tok[i] and capital(words[i][2]) and candidate(i) \
                and gap(i).strip(" \t") in ("", "-") and "\n" not in gap(i):
            is_name_tok[i] = True
    for i in range(n - 2, -1, -1):  # a first name the list lacks, before a surname it has: "Ayaan Hansen"
        low = words[i][2].lower()
        if is_name_tok[i + 1] and not is_name_tok[i] and name_like(i) and (low in names or not known_word(low)) \
                and gap(i + 1).strip(" \t") == "" and "\n" not in gap(i + 1):
            is_name_tok[i] = True
    for i in range(2, n):
        if words[i - 1][2] == "og" and plain_gap(i - 1, False) and plain_gap(i, False):
            a, b = i - 2, i
            if is_name_tok[a] and not is_name_tok[b] and candidate(b) and not _sentence_start(text, words[b][0]):
                is_name_tok[b] = True
            elif is_name_tok[b] and not is_name_tok[a] and candidate(a):
                is_name_tok[a] = True

    # join consecutive name words (with initials "Jens K. Olsen") into one finding
    out: list[str] = []
    pos = 0
    i = 0
    while i < n:
        if not is_name_tok[i]:
            i += 1
            continue
        start, end = words[i][0], words[i][1]
        j = i + 1
        count = 1
        while j < n and count < _MAX_NAME_WORDS:
            g = gap(j)
            if is_name_tok[j] and g.strip(" \t") in ("", "-") and "\n" not in g:
                end = words[j][1]
            elif capital(words[j][2]) and len(words[j][2]) == 1 and g.strip(" \t") == "" and \
                    text.startswith(".", words[j][1]) and j + 1 < n and capital(words[j + 1][2]) and \
                    candidate(j + 1) and text[words[j][1] + 1:words[j + 1][0]].strip(" \t") == "":
                end = words[j + 1][1]
                j += 1
            else:
                break
            j += 1
            count += 1
        out.append(text[pos:start])
        out.append(PLACEHOLDERS["name"])
        removed["name"] += 1
        pos = end
        i = j
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


# Order matters: e-mails first (their local part may contain digits), addresses before numbers (house
# numbers and postcodes), then CPR/phone numbers, names last.
_PASSES = (_redact_email, _redact_addresses, _redact_numbers, _redact_names)
_MAX_ROUNDS = 3


def redact(text: str) -> Redaction:
    """``text`` with CPR numbers, phone numbers, e-mails, addresses and names replaced by placeholders."""
    if not isinstance(text, str):
        raise TypeError(f"redact() expects str, not {type(text).__name__}")
    removed = dict.fromkeys(KINDS, 0)
    current = text
    for _ in range(_MAX_ROUNDS):
        before = current
        for fn in _PASSES:
            current = fn(current, removed)
        if current == before:
            break
    return Redaction(text=current, removed=removed)


# --------------------------------------------------------------------------
# Logging
# --------------------------------------------------------------------------

_UNREDACTABLE = "[logbesked fjernet: kunne ikke redigeres]"


def _safe_str(obj) -> str:
    try:
        return str(obj)
    except Exception:
        try:
            return repr(obj)
        except Exception:
            return "<?>"


class RedactingFilter(logging.Filter):
    """Logging filter that redacts personal data from records (defence in depth).

    Attach it to handlers (``handler.addFilter(RedactingFilter())``) so records propagated from child loggers
    are covered too. The fully formatted message is redacted; when anything is found the record's ``msg``
    becomes the redacted text and ``args`` becomes ``()``. Exception text and stack info are redacted as well.
    The filter never drops a record and never raises.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._redact_message(record)
        except Exception:
            record.msg, record.args = _UNREDACTABLE, ()
        try:
            self._redact_extras(record)
        except Exception:
            record.exc_info, record.exc_text, record.stack_info = None, _UNREDACTABLE, None
        return True

    @staticmethod
    def _redact_message(record):
        try:
            message = record.getMessage()
        except Exception:
            message = _safe_str(record.msg)
            if record.args:
                message += " " + _safe_str(record.args)
        result = redact(message)
        if result.changed:
            record.msg = result.text
            record.args = ()

    @staticmethod
    def _redact_extras(record):
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(_safe_str(record.exc_text)).text
        if record.stack_info:
            record.stack_info = redact(_safe_str(record.stack_info)).text
