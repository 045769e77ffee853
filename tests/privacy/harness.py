"""Privacy harness: generated Danish case texts full of personal data, sent through every entry point; then the
database (every table), the SQLite file and its WAL, the DEBUG logs and the responses are searched for it.

    python tests/privacy/harness.py --cases 3000        # prints the leak table and the over-redaction

The generator is seeded and the project's own: first names and surnames from the shipped name list
(``catalog/data/names.csv``), names that are also Danish words ("Bo", "Rose", "Sten", "Storm"), names the list
lacks (a short list below: Somali, Polish, Ukrainian), written the way caseworkers and parents write them ("Mor
hedder Jannie", "min søn Oliver", "datteren Freja på 7", "faren, Mohammed Ali,", "Line og Kasper"); CPR numbers
in many spellings, phone numbers in every Danish grouping, e-mails with ``@``, ``(at)``, ``[at]``, `` @ ``,
street addresses with floor, side, postcode and town. Names and streets that the catalogue itself contains are
not drawn (the scan could not tell them apart), which the table's "in texts" row accounts for.

Entry points, in turn per case: ``POST /api/v1/match``, ``POST /api/v1/plans/match``, the conversations API
(message, shortlist note, read back), the web chat's JSON endpoint (message, shortlist note), the web chat's
form (message, note with preview), ``/embed/search``; every tenth case also sends invalid input to each (error
pages and JSON errors). A response that shows the caseworker's own message back in the answer's marked element
(``id="din-besked"``, by design: from the request, not from storage) is scanned without that element.

Counted as a leak: the CPR number's ten digits, the phone number's eight digits, the e-mail's local part, the
street name, or a name (as written; in lower case and as its stem too when it is not an everyday word) found
anywhere in that place. Over-redaction: the share of the texts' ordinary words (not personal data) that the
redactor removes, and the share of the demo catalogue's words (no personal data) it removes.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KINDS = ("cpr", "phone", "email", "address", "name")
KIND_LABELS = {"cpr": "CPR", "phone": "phone", "email": "e-mail", "address": "address", "name": "names"}
STORAGE = ("table conversation", "table conversation_message", "table shortlist_item", "other tables",
           "SQLite file", "SQLite -wal", "logs (DEBUG, SQL echo)")
RESPONSES = ("/api/v1/match understood", "/api/v1/match rest", "/api/v1/plans/match", "conversations API",
             "chat JSON", "chat page", "embed page", "error responses")

# Names the shipped list lacks (the redactor has to find them by context).
OWN_NAMES = ("Hodan", "Nasteho", "Ayaan", "Warsame", "Faadumo", "Wiktoria", "Bartosz", "Kacper", "Zuzanna",
             "Oleksandr", "Svitlana", "Mykola", "Dmytro", "Iryna", "Bohdan", "Olena", "Jakub", "Agnieszka")
# Names in the shipped list that are also Danish words. (A word-name the list lacks, "Sol" or "Ask", written
# with no context, "Sol vil gerne starte", cannot be told from the word by any pattern: not drawn.)
NAMES_THAT_ARE_WORDS = ("Bo", "Rose", "Sten", "Storm", "Kim", "Dan")
# Names that are Danish function words or months ("Hans" = his, "Mine", "Maj", "August"): not drawn either.
FUNCTION_WORDS = set("""han hun hans hendes mine min sine sin din dine de den det dem der man tom per jul liv
januar februar marts april maj juni juli august september oktober november december""".split())
STREET_PARTS = ("Mølle", "Skole", "Kirke", "Elme", "Birke", "Ege", "Hassel", "Kastanje", "Lærke", "Solsikke",
                "Valmue", "Fasan", "Hjorte", "Rævehøj", "Bøge", "Poppel", "Lind", "Nørre", "Søndre", "Vester",
                "Øster", "Strand", "Bakke", "Eng", "Mose", "Hede", "Skov", "Fjord", "Havne", "Stations")
STREET_ENDS = ("vej", "gade", "allé", "stræde", "parken", "vænget", "plads", "boulevard", "stien", "toften",
               "haven", "bakken", "engen", "lunden", "vangen")
TOWNS = (("8000", "Aarhus C"), ("5000", "Odense C"), ("7100", "Vejle"), ("9000", "Aalborg"), ("2300", "København S"),
         ("6700", "Esbjerg"), ("4000", "Roskilde"), ("8700", "Horsens"), ("7400", "Herning"), ("3400", "Hillerød"))
MUNICIPALITIES = ("Aarhus", "Odense", "Vejle", "Aalborg", "København", "Esbjerg", "Roskilde", "Horsens", "Herning",
                  "Hillerød", "Randers", "Kolding", "Silkeborg", "Næstved", "Slagelse")
NEEDS = (
    "{rel} på {age} er meget ked af det efter skilsmissen og græder tit.",
    "Familien har store problemer med gæld og kan ikke få økonomien til at hænge sammen.",
    "Mor er meget ensom og mangler et netværk af andre forældre.",
    "{rel} på {age} har svært ved lektierne og har brug for lektiehjælp.",
    "Far sidder i fængsel, og {rel} på {age} savner ham.",
    "{rel} på {age} har mistet sin mormor og har brug for en sorggruppe.",
    "Mor drikker, og {rel} på {age} har brug for at tale med nogen.",
    "Familien er nyankommet flygtning og har brug for hjælp til at finde fritidsaktiviteter til {rel} på {age}.",
    "Mor har en fødselsdepression og en baby på 3 mdr.",
    "{rel} på {age} bliver mobbet i skolen og sidder meget alene.",
    "Forældrene skændes meget, og {rel} på {age} mistrives derhjemme.",
    "{rel} på {age} har autisme, og familien har brug for aflastning.",
    "Familien har ikke råd til ferie, og {rel} på {age} vil gerne på sommerlejr.",
    "Mor er alene med tre børn og har brug for en frivillig familieven.",
    "{rel} på {age} er anbragt og har brug for en mentor.",
    "Far har en psykisk sygdom, og {rel} på {age} tager meget ansvar derhjemme.",
)
RELATIONS = ("drengen", "pigen", "sønnen", "datteren", "barnet", "storebror", "lillesøster")
FAMILY_NAME_SHAPES = (
    "Mor hedder {n}.", "Min søn {n} er {age} år.", "Datteren {n} på {age} går i skole.", "Faren, {n}, er her ikke.",
    "{n} og {n2} går i samme klasse.", "Mor {n} har svært ved at komme ud.", "Navn: {n}", "Barnets navn er {n}.",
    "Sønnen {n} er {age} år gammel.", "Hun har en datter, {n}, på {age} år.", "Pigen hedder {n} og er {age}.",
    "{n} er {age} år og går i børnehave.", "Kontakt {n} om aftalen.", "Storebror {n} hjælper til.",
    "Jeg har talt med {n} i dag.", "Lillebror {n} er ofte syg.", "Faren {n} bor i en anden by.",
)
NOTE_SHAPES = (
    "Ring til {n} på {phone} om opstart.", "Mor ({n}) foretrækker mail: {email}.", "Husk CPR {cpr} på ansøgningen.",
    "Familien bor på {address}.", "{n} vil gerne starte efter ferien.", "Aftalt med faren, {n}, at han ringer.",
    "Første møde tirsdag kl. 10.", "Tilmelding inden 1. marts, pris 350 kr.",
)


@dataclass
class Case:
    text: str
    note: str
    pii: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in KINDS})
    plain: Counter = field(default_factory=Counter)   # ordinary words of the text (for over-redaction)


# --- the generator ----------------------------------------------------------------------------------------

_WORDS = re.compile(r"[^\W\d_]+")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


class Generator:
    def __init__(self, seed: int, avoid_words: set[str]):
        self.rng = random.Random(seed)
        first, last = [], []
        with (ROOT / "catalog" / "data" / "names.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                name = row["name"].strip()
                if len(name) < 3 or not name.replace("-", "").isalpha() or not name[0].isupper():
                    continue
                if any(p in avoid_words or p.lower() in avoid_words or p.lower() in FUNCTION_WORDS
                       for p in _words(name)):
                    continue
                (first if row["first_name"] == "True" else last).append(name)
        self.first = first
        self.last = last
        self.own = [n for n in OWN_NAMES if n not in avoid_words and n.lower() not in avoid_words]
        self.wordish = [n for n in NAMES_THAT_ARE_WORDS if n not in avoid_words]
        self.avoid = avoid_words

    def first_name(self) -> str:
        r = self.rng.random()
        if r < 0.12 and self.own:
            return self.rng.choice(self.own)
        if r < 0.18 and self.wordish:
            return self.rng.choice(self.wordish)
        return self.rng.choice(self.first)

    def full_name(self) -> str:
        return f"{self.first_name()} {self.rng.choice(self.last)}" if self.rng.random() < 0.35 else self.first_name()

    def cpr(self) -> tuple[str, str]:
        rng = self.rng
        day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(0, 99)
        serial = f"{rng.randint(0, 9999):04d}"
        d, m, y = f"{day:02d}", f"{month:02d}", f"{year:02d}"
        spelled = rng.choice((
            f"{d}{m}{y}-{serial}", f"{d}{m}{y}{serial}", f"{d}{m}{y} {serial}", f"{d}/{m}/{y}-{serial}",
            f"{d}.{m}.{y}-{serial}", f"{d}{m}{y}.{serial}", f"{d} {m} {y} {serial}", f"{d}{m}{y} - {serial}",
            f"{d}-{m}-{y}-{serial}", f"{d} {m} {y} {serial[:2]} {serial[2:]}", f"{d}.{m}.{y} {serial}",
        ))
        return spelled, d + m + y + serial

    def phone(self) -> tuple[str, str]:
        rng = self.rng
        digits = str(rng.choice((2, 3, 4, 5, 6, 7, 8, 9))) + "".join(str(rng.randint(0, 9)) for _ in range(7))
        groups = rng.choice(((8,), (2, 2, 2, 2), (4, 4), (3, 2, 3), (2, 2, 4), (4, 2, 2), (2, 3, 3), (3, 3, 2)))
        sep = rng.choice((" ", " ", "-", ".", ""))
        parts, i = [], 0
        for g in groups:
            parts.append(digits[i:i + g])
            i += g
        body = sep.join(parts) if len(parts) > 1 else parts[0]
        prefix = rng.choice(("", "", "", "+45 ", "+45", "0045 ", "(+45) "))
        return prefix + body, digits

    def email(self, name: str) -> tuple[str, str]:
        rng = self.rng
        parts = [p.lower() for p in _words(name)] or ["familie"]
        local = rng.choice((".".join(parts), parts[0], parts[0] + str(rng.randint(1, 99)), "".join(parts)))
        local = local.translate(str.maketrans("æøå", "eoa"))
        domain = rng.choice(("gmail.com", "hotmail.com", "live.dk", "mail.dk", "outlook.dk", "yahoo.dk"))
        host, tld = domain.rsplit(".", 1)
        spelled = rng.choice((f"{local}@{domain}", f"{local}@{domain}", f"{local}(at){domain}",
                              f"{local} @ {domain}", f"{local}[at]{domain}", f"{local} (at) {host}.{tld}"))
        return spelled, local

    def address(self) -> tuple[str, str]:
        rng = self.rng
        for _ in range(20):
            street = rng.choice(STREET_PARTS) + rng.choice(STREET_ENDS)
            if street not in self.avoid:
                break
        number = str(rng.randint(1, 180)) + rng.choice(("", "", "", "A", "B"))
        floor = rng.choice(("", "", ", st. tv.", ", 1. th.", ", 2. tv", ", 3. mf.", " 1. sal", ", 4.th"))
        code, town = rng.choice(TOWNS)
        town_part = rng.choice(("", f", {code} {town}", f" {code} {town}"))
        return f"{street} {number}{floor}{town_part}", street

    def case(self) -> Case:
        rng = self.rng
        case = Case(text="", note="")
        sentences: list[tuple[str, bool]] = []   # (sentence, holds personal data)
        age = rng.randint(1, 17)
        sentences.append((rng.choice(NEEDS).format(rel=rng.choice(RELATIONS), age=age).capitalize(), False))
        sentences.append((rng.choice((f"Familien bor i {rng.choice(MUNICIPALITIES)}.",
                                      f"De bor i {rng.choice(MUNICIPALITIES)} Kommune.", "")), False))

        def name_sentence() -> str:
            n, n2 = self.full_name(), self.first_name()
            shape = rng.choice(FAMILY_NAME_SHAPES)
            used = [n] + ([n2] if "{n2}" in shape else [])
            for u in used:
                case.pii["name"].extend(_words(u))
            return shape.format(n=n, n2=n2, age=rng.randint(1, 17))

        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            sentences.append((name_sentence(), True))
        if rng.random() < 0.77:
            spelled, digits = self.cpr()
            case.pii["cpr"].append(digits)
            sentences.append((rng.choice(("CPR {}.", "Barnets cpr.nr. er {}.", "(cpr {})", "CPR-nummer: {}")
                                         ).format(spelled), True))
        if rng.random() < 0.83:
            spelled, digits = self.phone()
            case.pii["phone"].append(digits)
            sentences.append((rng.choice(("Tlf. {}.", "Mor kan træffes på {}.", "Ring på {} efter kl. 15.",
                                          "Mobil: {}")).format(spelled), True))
        if rng.random() < 0.39:
            name = self.full_name()
            spelled, local = self.email(name)
            case.pii["email"].append(local)
            sentences.append((rng.choice(("Mail: {}", "Skriv til {}.", "Hendes mail er {}")).format(spelled), True))
        if rng.random() < 0.36:
            spelled, street = self.address()
            case.pii["address"].append(street)
            sentences.append((rng.choice(("Familien bor på {}.", "Adresse: {}", "De er flyttet til {}.")
                                         ).format(spelled), True))
        sentences = [s for s in sentences if s[0]]
        rng.shuffle(sentences)
        case.text = " ".join(s for s, _ in sentences)
        for s, personal in sentences:
            if not personal:
                case.plain.update(_words(s))
        # a note for the plan, often with personal data in it
        n = self.full_name()
        shape = rng.choice(NOTE_SHAPES)
        values = {"n": n}
        if "{n}" in shape:
            case.pii["name"].extend(_words(n))
        if "{phone}" in shape:
            values["phone"], digits = self.phone()
            case.pii["phone"].append(digits)
        if "{email}" in shape:
            values["email"], local = self.email(n)
            case.pii["email"].append(local)
        if "{cpr}" in shape:
            values["cpr"], digits = self.cpr()
            case.pii["cpr"].append(digits)
        if "{address}" in shape:
            values["address"], street = self.address()
            case.pii["address"].append(street)
        case.note = shape.format(**values)
        return case


# --- scanning ---------------------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"\d(?:[\d \u00a0./\-\u2013()+]*\d)?")
_EMAILISH = re.compile(r"[a-z0-9._%+-]+")


# SQLAlchemy's DEBUG log shortens long values: "...tor og voksenven" is the tail of a cut word ("Mentor")
_TRUNCATED = re.compile(r"\S*\s?\.\.\. \(\d+ characters truncated\) \.\.\.\s?\S*")
_BOUNDED_WORD = re.compile(r"(?<=[\s\"',:;(\[{])[^\W\d_]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Haystack:
    """A text reduced to what the checks need: words (as written and lower case), digit runs, e-mail parts.
    Ids (UUIDs) are left out: their hex letters are no one's name."""

    CHUNK = 1 << 20

    def __init__(self, text: str):
        text = _TRUNCATED.sub(" ", _UUID.sub(" ", text))
        self.words: set[str] = set()
        self.emailish: set[str] = set()
        digits: set[str] = set()
        start = 0
        while start < len(text):  # in pieces cut at line ends: a long DEBUG log never needs all its words at once
            end = text.find("\n", start + self.CHUNK)
            end = len(text) if end < 0 else end + 1
            piece = text[start:end]
            self.words.update(_WORDS.findall(piece))
            self.emailish.update(_EMAILISH.findall(piece.lower()))
            digits.update(re.sub(r"\D", "", r) for r in _DIGIT_RUN.findall(piece))
            start = end
        self.lower = {w.lower() for w in self.words}
        self.digits = "|".join(sorted(digits))


class Checker:
    def __init__(self, vocabulary: set[str] = frozenset()):
        from catalog.redaction import common_words, known_word
        from matcher.text import stem

        self.common = common_words()
        self.known = known_word
        self.stem = stem
        # stems the service's vocabulary has (thesaurus, catalogue): a kept term like "fund" is vocabulary even
        # when a surname ("Funder") has the same stem
        self.vocab_stems = {stem(w) for w in vocabulary}

    def name_forms(self, name: str) -> list[tuple[str, bool]]:
        """(form, case-sensitive): as written; lower case and its stem too unless it is an everyday word."""
        forms = [(name, True)]
        low = name.lower()
        if low not in self.common:
            forms.append((low, False))
            st = self.stem(low)
            if len(st) >= 4 and st != low and st not in self.common and st not in self.vocab_stems \
                    and not self.known(st):
                forms.append((st, False))
        return forms

    def found(self, hay: Haystack, kind: str, item: str) -> bool:
        if kind in ("cpr", "phone"):
            return item in hay.digits
        if kind == "email":
            return item.lower() in hay.emailish
        if kind == "address":
            return item in hay.words
        return any((form in hay.words) if exact else (form in hay.lower) for form, exact in self.name_forms(item))


# --- running the entry points --------------------------------------------------------------------------------

def _interface_words() -> set[str]:
    """Words of the pages themselves ("Find tilbud ..."): a name spelled like one can't be told apart."""
    out: set[str] = set()
    for path in (ROOT / "web" / "templates").rglob("*.html"):
        words = _WORDS.findall(path.read_text(encoding="utf-8"))
        out.update(words)
        out.update(w.lower() for w in words)
    return out


_SAID = re.compile(r'<p class="msg msg-said" id="din-besked">.*?</p>', re.S)


def _without_own_message(html: str) -> str:
    return _SAID.sub("", html)


class Harness:
    def __init__(self, cases: int, seed: int = 14, workdir: Path | None = None):
        self.n = cases
        self.seed = seed
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="civilmatch-privacy-"))
        self.responses: dict[str, list[tuple[int, str]]] = {w: [] for w in RESPONSES}

    def _app(self):
        import os

        db_path = self.workdir / "privacy.db"
        self._saved = (os.environ.get("CIVILMATCH_INSTANCE_PATH"), logging.getLogger().level,
                       logging.getLogger("sqlalchemy.engine").level)
        os.environ["CIVILMATCH_INSTANCE_PATH"] = str(self.workdir / "instance")
        # the logs at DEBUG, SQL echo included, through the same handlers (and filters) production has
        self.log_buffer = io.StringIO()
        handler = logging.StreamHandler(self.log_buffer)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)
        logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
        self.handler = handler
        from web import create_app

        app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{db_path}", "WTF_CSRF_ENABLED": False,
                          "AUTO_MIGRATE": True,  # a fresh database: the deploy step (`civilmatch db upgrade`)
                          "RATELIMIT_ENABLED": False, "SECRET_KEY": "privacy-harness"})
        self.db_path = db_path
        return app

    def _setup(self, app):
        from catalog import demo, services
        from web.extensions import db

        with app.app_context():
            demo.load_demo(db.session, {email: "harness-password-1" for email, *_ in demo.DEMO_USERS})
            _, token = services.create_token(db.session, name="privacy", role="caseworker",
                                             scopes=["match", "conversations"])
            db.session.commit()
            caseworker = next(email for email, _, role, _ in demo.DEMO_USERS if role == "caseworker")
        return token, caseworker

    def _catalogue_words(self, app) -> set[str]:
        from catalog.db import Base
        from sqlalchemy import JSON, String, Text, select
        from web.extensions import db

        out: set[str] = set()
        with app.app_context():
            conn = db.session.connection()
            for table in Base.metadata.sorted_tables:
                cols = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
                if cols:
                    for row in conn.execute(select(*cols)):
                        for value in row:
                            if value is not None:
                                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                                words = _WORDS.findall(text)
                                out.update(words)
                                out.update(w.lower() for w in words)
        return out

    def record(self, where: str, i: int, text: str) -> None:
        self.responses[where].append((i, text))

    def run(self) -> dict:
        t0 = time.perf_counter()
        app = self._app()
        token, caseworker = self._setup(app)
        from catalog.redaction import _places

        # names that are also places ("Nyborg", "Hald") are read as places; the catalogue's words can't be told apart
        self.catalogue_words = self._catalogue_words(app)
        avoid = self.catalogue_words | set(_places()) | {p.capitalize() for p in _places()} | _interface_words()
        gen = Generator(self.seed, avoid)
        # the database file's bytes before any case: record headers glue letters to the catalogue's words
        # ("A" + "maal"), which are no one's data
        self.file_baseline = Haystack(self._file_text())
        cases = [gen.case() for _ in range(self.n)]
        client = app.test_client()
        r = client.post("/login", data={"email": caseworker, "password": "harness-password-1"})
        assert r.status_code == 302, "caseworker login"
        auth = {"Authorization": f"Bearer {token}"}
        visible = self._visible_offer(client, auth)
        entries = (self._api_match, self._plans, self._api_conversation, self._chat_json, self._chat_form,
                   self._embed)
        for i, case in enumerate(cases):
            entries[i % len(entries)](client, auth, i, case, visible)
            if i % 10 == 0:
                self._errors(client, auth, i, case)
        requests_s = time.perf_counter() - t0
        self._restore()
        report = self._scan(app, cases, requests_s)
        app.extensions["civilmatch.engine"].dispose()
        return report

    def _restore(self) -> None:
        import os

        logging.getLogger().removeHandler(self.handler)
        instance, root_level, sql_level = self._saved
        logging.getLogger().setLevel(root_level)
        logging.getLogger("sqlalchemy.engine").setLevel(sql_level)
        if instance is None:
            os.environ.pop("CIVILMATCH_INSTANCE_PATH", None)
        else:
            os.environ["CIVILMATCH_INSTANCE_PATH"] = instance

    # each entry point records what it answered
    def _visible_offer(self, client, auth) -> int:
        body = client.post("/api/v1/match", json={"text": "netværk for forældre", "limit": 1}, headers=auth).get_json()
        return body["results"][0]["offer"]["id"]

    def _api_match(self, client, auth, i, case, visible):
        body = client.post("/api/v1/match", json={"text": case.text, "limit": 5}, headers=auth).get_json()
        self.record("/api/v1/match understood", i, json.dumps(body["understood"], ensure_ascii=False))
        rest = {k: v for k, v in body.items() if k != "understood"}
        self.record("/api/v1/match rest", i, json.dumps(rest, ensure_ascii=False))

    def _plans(self, client, auth, i, case, visible):
        r = client.post("/api/v1/plans/match", headers=auth,
                        json={"goals": [{"id": "g1", "text": case.text}, {"id": "g2", "text": case.note}]})
        self.record("/api/v1/plans/match", i, r.get_data(as_text=True))

    def _api_conversation(self, client, auth, i, case, visible):
        conv = client.post("/api/v1/conversations", json={}, headers=auth).get_json()["id"]
        base = f"/api/v1/conversations/{conv}"
        texts = [client.post(base + "/messages", json={"text": case.text}, headers=auth).get_data(as_text=True)]
        body = json.loads(texts[0])
        offer = body["results"][0]["offer_id"] if body.get("results") else visible
        texts.append(client.post(base + "/messages", json={"text": "kun gratis"}, headers=auth).get_data(as_text=True))
        texts.append(client.post(base + "/shortlist", json={"offer_id": offer, "note": case.note},
                                 headers=auth).get_data(as_text=True))
        texts.append(client.get(base, headers=auth).get_data(as_text=True))
        texts.append(client.get(base + "/plan", headers=auth).get_data(as_text=True))
        self.record("conversations API", i, "\n".join(texts))

    def _chat_json(self, client, auth, i, case, visible):
        client.post("/chat/ny")
        body = client.post("/chat/json", data={"text": case.text}).get_json()
        shown = dict(body)
        shown["html"] = _without_own_message(body.get("html") or "")
        texts = [json.dumps(shown, ensure_ascii=False)]
        offer = body["results"][0]["offer_id"] if body.get("results") else visible
        r = client.post(body["url"] + "/liste", data={"offer_id": offer, "note": case.note}, follow_redirects=True)
        texts.append(r.get_data(as_text=True))
        self.record("chat JSON", i, "\n".join(texts))

    def _chat_form(self, client, auth, i, case, visible):
        client.post("/chat/ny")
        r = client.post("/chat/", data={"text": case.text})
        html = r.get_data(as_text=True)
        texts = [_without_own_message(html)]
        url = re.search(r'id="chat-form"[^>]*?action="(/chat/[0-9a-f-]{36})"', html, re.S).group(1)
        ids = re.findall(r'class="card offer-card" id="tilbud-(\d+)"', html)
        offer = int(ids[0]) if ids else visible
        r = client.post(url + "/liste", data={"offer_id": offer, "note": ""}, follow_redirects=True)
        texts.append(r.get_data(as_text=True))
        r = client.post(f"{url}/liste/{offer}/note", data={"note": case.note})   # a preview when data was removed
        texts.append(r.get_data(as_text=True))
        preview = re.search(rf'id="note-{offer}"[^>]*>(.*?)</textarea>', r.get_data(as_text=True), re.S)
        if preview:
            import html as html_lib

            r = client.post(f"{url}/liste/{offer}/note", data={"note": html_lib.unescape(preview.group(1))},
                            follow_redirects=True)
            texts.append(r.get_data(as_text=True))
        texts.append(client.get(url + "/print").get_data(as_text=True))
        self.record("chat page", i, "\n".join(texts))

    def _embed(self, client, auth, i, case, visible):
        r = client.post("/embed/search", data={"behov": case.text, "kommune": "", "alder": ""})
        self.record("embed page", i, r.get_data(as_text=True))

    def _errors(self, client, auth, i, case):
        texts = [
            client.post("/api/v1/match", json={"text": case.text, "limit": "mange"}, headers=auth).get_data(as_text=True),
            client.post("/api/v1/match", data=case.text, headers={**auth, "Content-Type": "application/json"}
                        ).get_data(as_text=True),
            client.post("/api/v1/plans/match", json={"goals": [{"text": case.text, "theme": "ukendt"}]},
                        headers=auth).get_data(as_text=True),
            client.post("/chat/", data={"text": case.text + " " + "x" * 4000}).get_data(as_text=True),
            client.post("/chat/json", data={"text": case.text + " " + "x" * 4000}).get_data(as_text=True),
            client.post("/embed/search", data={"behov": case.text, "alder": "fire"}).get_data(as_text=True),
            client.post("/embed/search", data={"behov": case.text, "kommune": "Vejel"}).get_data(as_text=True),
        ]
        self.record("error responses", i, "\n".join(texts))

    # --- the scan ---------------------------------------------------------------------------------------
    def _file_text(self) -> str:
        wal = Path(str(self.db_path) + "-wal")
        return (self.db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).decode("utf-8", "ignore")

    def _tables(self, app) -> dict[str, str]:
        from catalog.db import Base
        from sqlalchemy import JSON, String, Text, select
        from web.extensions import db

        parts: dict[str, list[str]] = {w: [] for w in STORAGE[:4]}
        with app.app_context():
            conn = db.session.connection()
            for table in Base.metadata.sorted_tables:
                where = f"table {table.name}" if f"table {table.name}" in parts else "other tables"
                cols = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
                if not cols:
                    continue
                for row in conn.execute(select(*cols)):
                    for value in row:
                        if value is not None:
                            parts[where].append(value if isinstance(value, str)
                                                else json.dumps(value, ensure_ascii=False))
        return {w: "\n".join(v) for w, v in parts.items()}

    def _scan(self, app, cases: list[Case], requests_s: float) -> dict:
        checker = Checker(self.catalogue_words)
        totals = Counter()
        for case in cases:
            for kind in KINDS:
                totals[kind] += len(case.pii[kind])
        places = dict(self._tables(app))
        wal = Path(str(self.db_path) + "-wal")
        places["SQLite file"] = self.db_path.read_bytes().decode("utf-8", "ignore")
        places["SQLite -wal"] = wal.read_bytes().decode("utf-8", "ignore") if wal.exists() else ""
        base = self.file_baseline
        places["logs (DEBUG, SQL echo)"] = self.log_buffer.getvalue()
        table: dict[str, Counter] = {}
        for where, text in places.items():
            hay = Haystack(text)
            if where.startswith("SQLite"):
                # binary pages: only words that start after a separator count (a record header byte glued to a
                # value makes letter runs that were never written)
                bounded = set(_BOUNDED_WORD.findall(text))
                hay.words &= bounded
                hay.lower &= {w.lower() for w in bounded}
                # a record header byte glued to the catalogue's own word ("E" + "lin") spells no one's name
                glued = {w for w in hay.words - base.words if len(w) > 2 and w[0].isupper()
                         and w[1:].lower() in self.catalogue_words}
                hay.words -= base.words | glued
                hay.lower -= base.lower | {w.lower() for w in glued}
                # in binary pages a short lower-case run ("chr", "ali") is as likely noise as a name
                hay.lower = {w for w in hay.lower if len(w) >= 5}
            counts = Counter()
            for case in cases:
                for kind in KINDS:
                    counts[kind] += sum(checker.found(hay, kind, item) for item in case.pii[kind])
            table[where] = counts
        for where in RESPONSES:
            counts = Counter()
            for i, text in self.responses[where]:
                hay = Haystack(text)
                for kind in KINDS:
                    counts[kind] += sum(checker.found(hay, kind, item) for item in cases[i].pii[kind])
            table[where] = counts
        over = self._over_redaction(cases, app)
        return {"cases": len(cases), "totals": totals, "table": table, "requests_s": requests_s,
                "log_bytes": len(places["logs (DEBUG, SQL echo)"]), "over": over,
                "responses": {w: len(v) for w, v in self.responses.items()}}

    def _over_redaction(self, cases: list[Case], app) -> dict:
        from catalog.redaction import redact

        kept = total = 0
        for case in cases:
            after = Counter(_words(redact(case.text).text))
            for word, n in case.plain.items():
                total += n
                kept += min(n, after.get(word, 0))
        # the demo catalogue's offer texts: ordinary Danish with no personal data about families
        demo = json.loads((ROOT / "catalog" / "data" / "demo_catalogue.json").read_text(encoding="utf-8"))
        d_total = d_kept = 0
        for offer in demo.get("offers", []):
            for key in ("title", "description", "target_group", "schedule"):
                text = str(offer.get(key) or "")
                before = Counter(_words(text))
                after = Counter(_words(redact(text).text))
                d_total += sum(before.values())
                d_kept += sum(min(n, after.get(w, 0)) for w, n in before.items())
        return {"case_words": total, "case_removed": total - kept, "demo_words": d_total,
                "demo_removed": d_total - d_kept}


def format_report(report: dict) -> str:
    totals, table = report["totals"], report["table"]
    head = ["where"] + [f"{KIND_LABELS[k]} ({totals[k]:,} in texts)" for k in KINDS]
    rows = [head]
    for where in STORAGE + RESPONSES:
        rows.append([where] + [f"{table[where][k]:,}" for k in KINDS])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    out = [f"# privacy harness: {report['cases']:,} generated cases, every entry point; leaks found per place"]
    for n, r in enumerate(rows):
        out.append("| " + " | ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i])
                                     for i, c in enumerate(r)) + " |")
        if n == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    over = report["over"]
    case_share = over["case_removed"] / max(1, over["case_words"])
    demo_share = over["demo_removed"] / max(1, over["demo_words"])
    out.append("")
    out.append(f"over-redaction: {over['case_removed']:,} of {over['case_words']:,} ordinary words in the case texts "
               f"removed ({case_share:.2%}); {over['demo_removed']:,} of {over['demo_words']:,} words of the demo "
               f"catalogue ({demo_share:.2%})")
    out.append("responses scanned: " + ", ".join(f"{w} {n}" for w, n in report["responses"].items()))
    out.append(f"DEBUG log scanned: {report['log_bytes']:,} bytes; requests took {report['requests_s']:.0f} s")
    return "\n".join(out)


def storage_leaks(report: dict) -> int:
    return sum(report["table"][w][k] for w in STORAGE for k in KINDS)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args(argv)
    report = Harness(args.cases, seed=args.seed).run()
    print(format_report(report))
    return 1 if storage_leaks(report) else 0


if __name__ == "__main__":
    sys.exit(main())
