"""Need understanding: from a caseworker's free text to a :class:`Need`.

Extracts the municipality (gazetteer + fuzzy), children's ages, parents' ages,
who the help is for, wanted/excluded formats, "gratis", languages and need
concepts. Words used for the municipality or an age never feed the need terms.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .analysis import analyse_tokens, concept_label, default_tagger, terms_of
from .models import ConceptHit, Need
from .places import AMBIGUOUS, CUES, DIRECTIONS, STRONG_CUES, Gazetteer, Place, default_gazetteer
from .text import NEGATIONS, STOP_WORDS, _WORD_RE, clause_starts

_AMOUNT_WORDS = frozenset({"kr", "kroner", "krone", "dkk", "euro", "om", "mdr", "md", "mnd", "måned", "måneden",
                           "år", "om", "timer", "km", "gange", "personer", "familier", "børn"})
_YEAR_BEFORE = frozenset({"siden", "år", "året", "i", "fra", "til", "efter", "før", "inden", "sommer", "sommeren",
                          "foråret", "efteråret", "vinteren", "januar", "februar", "marts", "april", "maj", "juni",
                          "juli", "august", "september", "oktober", "november", "december"})

MAX_TEXT = 20_000  # characters analysed (longer texts are cut; a chat message is far shorter)

NUMBER_WORDS = {
    "en": 1, "et": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7, "otte": 8,
    "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19, "tyve": 20, "halvandet": 1,
}
_NUMW = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_NUM = rf"(?:\d{{1,2}}(?:\s?½|[.,]5)?|½|{_NUMW})"
_NUM_DIGIT = r"(?:\d{1,2}(?:\s?½|[.,]5)?|½|halvandet)"

CHILD_NOUNS = (
    "dreng", "drengen", "drenge", "pige", "pigen", "piger", "søn", "sønnen", "sønner", "datter",
    "datteren", "døtre", "barn", "barnet", "børn", "børnene", "baby", "babyen", "teenager",
    "teenageren", "teenagepige", "teenagedreng", "ung", "unge", "knægt", "tøs", "storebror",
    "lillebror", "storesøster", "lillesøster", "tvillinger", "tvillingerne", "brødre", "søstre",
    "søskende", "yngste", "ældste", "barnebarn", "plejebarn", "elev",
)
PARENT_NOUNS = frozenset({
    "mor", "moren", "mødre", "far", "faren", "fædre", "forælder", "forældre", "kvinde", "kvinden",
    "mand", "manden", "gravid", "gravide", "kæreste", "kæresten", "mormor", "farmor", "morfar", "farfar",
    "bedstemor", "bedstefar", "stedfar", "stedmor", "bonusfar", "bonusmor", "partner", "enlig", "alenemor",
    "eneforsørger", "ægtefælle", "papfar", "papmor",
})
_DURATION_BEFORE = frozenset({"i", "for", "gennem", "over", "om", "sidste", "seneste", "efter", "inden",
                              "hvert", "hver", "næste"})

_AGE_UNIT_WORDS = frozenset({
    "år", "årig", "årige", "års", "mdr", "md", "mnd", "måned", "måneder", "måneders", "uge", "uger", "ugers",
    "dag", "dage", "gammel", "gamle", "gl", "på", "klasse", "og", "halvt", "halv",
}) | set(NUMBER_WORDS)

_RX_MONTHS = re.compile(
    rf"\b({_NUM}|få|nogle)\s*-?\s*(mdr|md|mnd|måneder|måneders|måned|uger|ugers|uge|dage|dag|døgn)\b"
)
_RX_YEARS_LIST = re.compile(
    rf"\b({_NUM}(?:\s*(?:,|og|&|-|–)\s*{_NUM})*)\s*-?\s*(år|års|årig|årige|åring|åringer)\b"
)
# a name may stand between the child and the age: "datteren Freja på 7", "min søn Ali Hassan, 9"
_NAME_GAP = r"(?:,?\s+(?!(?:i|og|er|har|går|som|med|til|fra|der|ikke|en|et|den|det|sin|sit|sine|hun|han)\b)" \
            r"[^\W\d_]{2,}){0,2}"
_RX_CHILD_PAA = re.compile(
    r"\b(" + "|".join(CHILD_NOUNS) + rf"){_NAME_GAP}\s*(?:på|,|\(|er|:)\s*({_NUM}(?:\s*(?:,|og|&)\s*{_NUM})*)"
    r"(?!\s*[.]?\s*klasse)\b"
)
_RX_PARENT_PAA = re.compile(
    r"\b(" + "|".join(sorted(PARENT_NOUNS, key=len, reverse=True)) + r")\s*(?:på|,|\(|er)\s*(\d{2})\b"
)
_RX_CLASS = re.compile(r"\b(\d{1,2})\s*\.\s*klasse|\b(børnehaveklasse)|\b(\d{1,2})\s*\.\s*-\s*\d{1,2}\s*\.\s*klasse")
_RX_SCHOOLSTART = re.compile(
    r"\b(skolestart|skolestarter|starte i skole|start i skole|begynde i skole|begynder i skole|"
    r"starter i skole|starter i 0|skal i skole|kommer i skole)"
)
_RX_BABY = re.compile(r"\b(nyfødt\w*|spædbarn\w*|spæd|baby\w*|nybagt\w*)\b")
_RX_PREGNANT = re.compile(r"\b(gravid\w*|graviditet\w*|venter (?:sit|sin|et|barn)\w*|terminsdato|termin)\b")


def _num(s: str) -> int | None:
    s = s.strip()
    if s in NUMBER_WORDS:
        return NUMBER_WORDS[s]
    s = s.replace("½", "").replace(",5", "").replace(".5", "").strip()
    if not s:
        return 0
    try:
        return int(s)
    except ValueError:
        return None


_RX_NUMS = re.compile(rf"{_NUM}")

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


def _tokens_with_case(text: str) -> tuple[str, list[tuple[str, int, int, bool]]]:
    """(normalised text, [(surface, start, end, capitalised)])."""
    nfkc = unicodedata.normalize("NFKC", text.replace("½", ",5"))
    norm = nfkc.casefold()
    orig = [(m.group(), m.start()) for m in _WORD_RE.finditer(nfkc)]
    toks = [(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(norm)]
    if len(orig) == len(toks):
        caps = [o[0][:1].isupper() for o in orig]
    else:  # casefolding changed word boundaries: be lenient
        caps = [True] * len(toks)
    return norm, [(s, a, b, c) for (s, a, b), c in zip(toks, caps)]


def _sentence_start(norm: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and norm[k] in " \t\"'(«»-–":
        k -= 1
    return k < 0 or norm[k] in ".!?:\n;"


class NeedParser:
    def __init__(self, gazetteer: Gazetteer | None = None):
        self.gaz = gazetteer or default_gazetteer()

    # -- municipality ------------------------------------------------------
    def _municipality(self, norm: str, toks: list[tuple[str, int, int, bool]]):
        """(municipality, source words, masked token indices, alternatives, other readings).

        ``alternatives``: further municipalities the named postal district covers
        (an offer in any of them is eligible). ``other readings``: municipalities
        the same name can also mean (e.g. a small postal district elsewhere), for
        a clarifying question; they are not eligible.
        """
        gaz = self.gaz
        surf = [t[0] for t in toks]
        n = len(surf)
        # (score, pos, candidates, source, idx)
        found: list[tuple[float, int, list[Place], str, set[int]]] = []
        _SUFFIX = ("kommune", "kommunes", "området", "omegn", "egnen")

        def is_postcode(k: int) -> bool:
            return 0 <= k < n and len(surf[k]) == 4 and surf[k].isdigit() and gaz.postcode(surf[k]) is not None

        i = 0
        while i < n:
            matched = False
            for L in range(min(gaz.max_len, n - i), 0, -1):
                key = tuple(surf[i:i + L])
                cands = gaz.candidates(key)
                genitive = False
                if not cands and key[-1].endswith("s") and len(key[-1]) > 3:
                    cands = gaz.candidates(key[:-1] + (key[-1][:-1],))
                    genitive = bool(cands)
                if not cands:
                    continue
                place = cands[0]
                word = " ".join(key)
                cap = toks[i][3]
                mid = cap and not _sentence_start(norm, toks[i][1])
                prev = surf[i - 1] if i > 0 else ""
                nxt = surf[i + L] if i + L < n else ""
                cue = prev in CUES or nxt in _SUFFIX
                kommune_next = nxt in ("kommune", "kommunes")
                if L == 1 and word in STOP_WORDS:
                    continue
                if L == 1 and word in AMBIGUOUS and not (mid or kommune_next):
                    continue
                if L == 1 and gaz.is_common_word(word) and not any(p.kind == "kommune" for p in cands):
                    # an ordinary word ("beder", "løsning", "Mørke" at a sentence start) is a
                    # place only when written as one: "bor i Beder", "8330 Beder", "Gram Kommune"
                    if not ((mid and prev in STRONG_CUES) or kommune_next or is_postcode(i - 1)):
                        continue
                if place.kind in ("by", "bydel") and L == 1 and not cap and not cue:
                    continue
                idx = set(range(i, i + L))
                j = i + L
                # "Vejle Kommune", "Kolding-området", "Aarhus V", "kbh NV"
                while j < n and (surf[j] in _SUFFIX or (surf[j] in DIRECTIONS and j == i + L)):
                    idx.add(j)
                    j += 1
                score = 10.0 - 2 * {"kommune": 0, "alias": 0, "postdistrikt": 1, "bydel": 1, "by": 2}.get(place.kind, 2)
                if cue:
                    score += 3
                if genitive and not kommune_next:
                    score -= 2
                if is_postcode(i - 1):
                    # "8000 Aarhus C", "2200 København N": the postcode says which reading is meant
                    idx.add(i - 1)
                    pc = gaz.postcode(surf[i - 1])
                    agree = [p for p in cands if set(p.municipalities) & set(pc.municipalities)]
                    if agree:
                        cands = agree + [p for p in cands if p not in agree]
                    score += 2
                src = " ".join(surf[k] for k in sorted(idx))
                found.append((score, i, cands, src, idx))
                i = j
                matched = True
                break
            if not matched:
                s = surf[i]
                if len(s) == 4 and s.isdigit() and self._postcode_cue(norm, toks, i):
                    p = gaz.postcode(s)
                    if p is not None:
                        found.append((9.0, i, [p], s, {i}))
                i += 1
        if not found:
            # misspellings: capitalised words, or words next to a cue
            for i, (s, a, b, cap) in enumerate(toks):
                if len(s) < 5 or s in STOP_WORDS or not s.isalpha():
                    continue
                prev = surf[i - 1] if i > 0 else ""
                nxt = surf[i + 1] if i + 1 < n else ""
                cue = prev in CUES or nxt in ("kommune", "kommunes", "området")
                if not ((cap and not _sentence_start(norm, a)) or cue):
                    continue
                if default_known(s):
                    continue
                place = gaz.fuzzy(s)
                if place is None:
                    continue
                idx = {i}
                if nxt in ("kommune", "kommunes", "området"):
                    idx.add(i + 1)
                found.append((5.0 + (3 if cue else 0), i, [place], s, idx))
        if not found:
            return None, None, set(), [], []
        found.sort(key=lambda f: (-f[0], f[1]))
        best = found[0]
        masked: set[int] = set()
        for f in found:
            masked |= f[4]
        # other places named in the text decide between readings ("Hasle, Aarhus")
        named = {m for f in found[1:] for m in f[2][0].municipalities[:1]}
        cands = best[2]
        confirmed = [p for p in cands if set(p.municipalities) & named]
        place = confirmed[0] if confirmed else cands[0]
        muni = place.municipalities[0]
        if confirmed and muni not in named:
            muni = next(m for m in place.municipalities if m in named)
        alternatives: list[str] = []
        if not confirmed and place.kind in ("postdistrikt", "by"):
            alternatives = [m for m in place.municipalities if m != muni]
        others: list[str] = []
        if not confirmed:
            for p in cands[1:]:
                m = p.municipalities[0]
                if m != muni and m not in alternatives and m not in others:
                    others.append(m)
        return muni, best[3], masked, alternatives, others

    @staticmethod
    def _postcode_cue(norm: str, toks, i: int) -> bool:
        """A lone four-digit number is a postcode only with a cue: "postnr. 2200",
        "bor i 2300", or a capitalised word right after it that is not a sentence
        start ("2300 S"), and never when it reads as a year or an amount."""
        surf = [t[0] for t in toks]
        n = len(surf)
        prev = surf[i - 1] if i > 0 else ""
        prev2 = surf[i - 2] if i > 1 else ""
        nxt = surf[i + 1] if i + 1 < n else ""
        if prev in ("postnr", "postnummer", "postnummeret"):
            return True
        if nxt in _AMOUNT_WORDS:
            return False
        if prev == "i" and prev2 in ("bor", "boende", "bosat", "bosiddende", "bo", "flyttet", "flytter"):
            return True
        if prev in _YEAR_BEFORE:
            return False
        if i + 1 < n and toks[i + 1][3] and not _sentence_start(norm, toks[i + 1][1]) and len(nxt) <= 3:
            return not (1900 <= int(surf[i]) <= 2099) or nxt in DIRECTIONS
        return False

    # -- ages --------------------------------------------------------------
    def _ages(self, norm: str, toks):
        starts = [t[1] for t in toks]
        surf = [t[0] for t in toks]
        child: list[int] = []
        parent: list[int] = []
        masked: set[int] = set()
        used_spans: list[tuple[int, int]] = []

        def tok_range(a: int, b: int) -> list[int]:
            return [k for k, (s, x, y, _) in enumerate(toks) if x >= a and y <= b]

        def overlaps(a: int, b: int) -> bool:
            return any(a < y and x < b for x, y in used_spans)

        def mask(a: int, b: int) -> None:
            for k in tok_range(a, b):
                if surf[k] in _AGE_UNIT_WORDS or surf[k].isdigit() or "½" in surf[k]:
                    masked.add(k)

        def first_tok_at(pos: int) -> int:
            for k, x in enumerate(starts):
                if x >= pos:
                    return k
            return len(starts)

        def is_parent(a: int, b: int) -> bool:
            k = first_tok_at(a)
            # before: "mor på 19", "mor, 19 år", "mor (19)", "mor er 19"
            j = k - 1
            hops = 0
            while j >= 0 and hops < 2 and surf[j] in ("på", "er", "som", "ca", "cirka", "omkring", "og"):
                j -= 1
                hops += 1
            if j >= 0 and surf[j] in PARENT_NOUNS:
                return True
            e = first_tok_at(b)
            if e < len(surf) and surf[e] in PARENT_NOUNS:
                return True
            if e + 1 < len(surf) and surf[e] in ("gammel", "gl") and surf[e + 1] in PARENT_NOUNS:
                return True
            # the pregnant person is a (coming) parent: "gravid 17-årig", "17-årig pige er blevet gravid"
            nums = [_num(x) for x in _RX_NUMS.findall(norm[a:b])]
            if not nums or nums[0] is None or nums[0] < 12:
                return False
            if j >= 0 and surf[j].startswith("gravid"):
                return True
            j = e
            while j < len(surf) and j - e < 5 and surf[j] in _PREGNANT_BRIDGE:
                j += 1
            return j < len(surf) and j - e < 5 and (surf[j].startswith("gravid") or surf[j] in ("venter", "ventede"))

        def is_duration(a: int, b: int) -> bool:
            k = first_tok_at(a)
            if k > 0 and surf[k - 1] in _DURATION_BEFORE:
                return True
            e = first_tok_at(b)
            if e < len(surf) and surf[e] in ("siden", "tid", "endnu", "frem"):
                return True
            return False

        # parents' ages: "mor på 19", "far (23)"
        for m in _RX_PARENT_PAA.finditer(norm):
            a, b = m.span(2)
            v = _num(m.group(2))
            tail = norm[b:b + 12]
            if re.match(r"\s*-?\s*(mdr|md|mnd|måned|uge|dag)", tail):
                continue
            yr = re.match(r"\s*-?\s*(år|årig|årige|års)\b(\s*gl\.?|\s*gammel)?", tail)
            end = b + (yr.end() if yr else 0)
            used_spans.append((a, end))
            mask(a, end)
            if v is not None and 12 <= v <= 70:
                parent.append(v)
        # months / weeks / days -> 0
        for m in _RX_MONTHS.finditer(norm):
            a, b = m.span()
            if is_duration(a, b) or is_parent(a, b):
                if is_duration(a, b):
                    continue
            used_spans.append((a, b))
            mask(a, b)
            child.append(0)
        # child noun + number: "en dreng på 9", "datter (15)", "børn på 3 og 6"
        for m in _RX_CHILD_PAA.finditer(norm):
            a, b = m.span(2)
            if overlaps(a, b):
                continue
            # "på 9 mdr" already handled; "på 9 år" handled below too - take it here.
            tail = norm[b:b + 12]
            if re.match(r"\s*-?\s*(mdr|md|mnd|måned|uge|dag)", tail):
                continue
            nums = [_num(x) for x in _RX_NUMS.findall(m.group(2))]
            yr = re.match(r"\s*-?\s*(år|årig|årige|års)\b(\s*gl\.?|\s*gammel)?", tail)
            end = b + (yr.end() if yr else 0)
            used_spans.append((a, end))
            mask(a, end)
            for v in nums:
                if v is not None and 0 <= v <= 25:
                    child.append(v)
        # "4 og 7 år", "9-årig", "1½ år", "15 år gl."
        for m in _RX_YEARS_LIST.finditer(norm):
            a, b = m.span()
            if overlaps(a, b):
                continue
            if is_duration(a, b):
                continue
            nums = [_num(x) for x in _RX_NUMS.findall(m.group(1))]
            nums = [v for v in nums if v is not None]
            if not nums:
                continue
            # written-out numbers only with "-årig" / "år gammel" (e.g. not "et år")
            raw = m.group(1).strip()
            if not re.match(r"\d|½|halvandet", raw) and m.group(2) in ("år", "års"):
                after = norm[b:b + 10]
                if not re.match(r"\s*(gammel|gl)", after):
                    continue
            used_spans.append((a, b))
            mask(a, b)
            ext = re.match(r"\s*(gammel|gamle|gl)\b\.?", norm[b:b + 10])
            if ext:
                mask(b, b + ext.end())
            if (is_parent(a, b + (ext.end() if ext else 0)) and min(nums) >= 12) or (len(nums) == 1 and nums[0] > 23):
                parent.extend(nums)
            else:
                child.extend(v for v in nums if 0 <= v <= 25)
        # school class: "3. klasse" -> 9 (unless an explicit age is given right after)
        for m in _RX_CLASS.finditer(norm):
            a, b = m.span()
            if overlaps(a, b):
                continue
            mask(a, b)
            if re.match(rf"\s*[(,–-]?\s*{_NUM}\s*-?\s*år", norm[b:b + 20]):
                continue
            if m.group(2):
                child.append(6)
            else:
                g = int(m.group(1) or m.group(3))
                if 0 <= g <= 10:
                    child.append(g + 6)
        if _RX_SCHOOLSTART.search(norm) and not child:
            child.extend([5, 6])
        if _RX_BABY.search(norm) and not child:
            child.append(0)
        # de-duplicate, keep first-mention order
        seen: set[int] = set()
        ages = [a for a in child if not (a in seen or seen.add(a))]
        pseen: set[int] = set()
        pages = [a for a in parent if not (a in pseen or pseen.add(a))]
        return ages, pages, masked

    # -- formats, price, languages ----------------------------------------
    def _formats(self, surf: list[str]):
        wanted: list[str] = []
        excluded: list[str] = []
        fmt_idx: set[int] = set()
        n = len(surf)

        def negated(i: int) -> bool:
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

        hits: list[tuple[int, int, str]] = []
        for i, s in enumerate(surf):
            f = FORMAT_WORDS.get(s)
            if f is None and len(s) > 7 and s.endswith(("gruppe", "grupper", "gruppen", "gruppeforløb")):
                f = "gruppe"
            if f is not None:
                hits.append((i, i + 1, f))
            for words, fmt in _FORMAT_PHRASES:
                L = len(words)
                if tuple(surf[i:i + L]) == words:
                    hits.append((i, i + L, fmt))
        for a, b, f in hits:
            if s_ := FORMAT_WORDS.get(surf[a]):
                fmt_idx.update(range(a, b))
            if negated(a):
                if f not in excluded:
                    excluded.append(f)
            elif f not in wanted:
                wanted.append(f)
        wanted = [f for f in wanted if f not in excluded]
        return wanted, excluded, fmt_idx

    def parse(self, text: str, known=None) -> Need:
        text = (text or "")[:MAX_TEXT]
        norm, toks = _tokens_with_case(text)
        surf = [t[0] for t in toks]
        need = Need()
        muni, src, m_idx, alts, others = self._municipality(norm, toks)
        need.municipality, need.municipality_source = muni, src
        need.municipality_alternatives, need.municipality_ambiguous = alts, others
        ages, pages, a_idx = self._ages(norm, toks)
        need.child_ages, need.parent_ages = ages, pages
        need.pregnant = bool(_RX_PREGNANT.search(norm))
        wanted, excluded, f_idx = self._formats(surf)
        need.formats, need.excluded_formats = wanted, excluded
        need.free_only = bool(_FREE_PATTERNS.search(norm))
        langs: list[str] = []
        for s in surf:
            base = s[:-7] if s.endswith("talende") else s
            lang = LANGUAGES.get(base)
            if lang and lang not in langs:
                langs.append(lang)
        need.languages = langs
        aud: list[str] = []
        for i, s in enumerate(surf):
            a = AUDIENCE_WORDS.get(s)
            if a == "familie" and not (i > 0 and surf[i - 1] in ("hele", "familien", "sammen")):
                a = "familie" if s == "familien" and i > 0 and surf[i - 1] == "hele" else None
            if a and a not in aud:
                aud.append(a)
        need.audience = aud

        masked = m_idx | a_idx
        atoks = analyse_tokens(surf, masked, known)
        clauses = clause_starts(norm, [(t[1], t[2]) for t in toks], surf)
        negated: list[tuple[int, int]] = []
        chits = default_tagger().tag(atoks, clauses, negated)
        # a negated need's words ("ingen misbrug") are no evidence for it as plain words either,
        # unless a kept term covers them ("ingen netværk")
        kept = {k for h in chits for k in range(h.start, h.end)}
        neg_idx = {k for a, b in negated for k in range(a, b)
                   if k not in kept and atoks[k].surface not in NEGATIONS} - kept
        by_key: dict[str, ConceptHit] = {}
        for h in chits:
            words = " ".join(atoks[k].surface for k in range(h.start, h.end))
            ch = by_key.get(h.key)
            if ch is None:
                by_key[h.key] = ConceptHit(h.key, concept_label(h.key), [words], h.weight)
            else:
                if words not in ch.words:
                    ch.words.append(words)
                # several pieces of evidence strengthen a concept (noisy-or)
                ch.weight = 1 - (1 - ch.weight) * (1 - h.weight)
        # a young parent (under 25) is evidence of the young-parents need
        young = [a for a in pages if 12 <= a <= 24]
        if young:
            w = ", ".join(str(a) for a in young) + " år"
            ch = by_key.get("unge_enlige_foraeldre")
            if ch is None:
                by_key["unge_enlige_foraeldre"] = ConceptHit(
                    "unge_enlige_foraeldre", concept_label("unge_enlige_foraeldre"), [f"forælder {w}"], 0.8)
            else:
                ch.weight = 1 - (1 - ch.weight) * 0.2
        self._context_rules(need, by_key, surf)
        need.concepts = sorted(by_key.values(), key=lambda c: (-c.weight, c.key))
        term_toks = [t if i not in f_idx and i not in neg_idx else t.__class__(t.surface, None, True)
                     for i, t in enumerate(atoks)]
        tw = terms_of(term_toks)
        need.term_weights = tw
        need.terms = sorted(tw)
        return need


    @staticmethod
    def _context_rules(need: Need, by_key: dict[str, ConceptHit], surf: list[str]) -> None:
        """Who the trouble is about changes the concept (general rules of the field)."""
        ages = need.child_ages
        baby = (0 in ages) or need.pregnant or any(s in _BIRTH_WORDS for s in surf)
        # the child is the subject: a child is named and no parent is ("drengen har ingen venner")
        child_subject = (not baby and any(s in _CHILD_SUBJECTS for s in surf)
                         and not any(s in PARENT_NOUNS or s in _PARENT_MENTIONS for s in surf))
        youth = any(a >= 6 for a in ages) or any(s in _YOUTH_WORDS for s in surf) or child_subject
        parent_named = any(s in PARENT_NOUNS or s in _PARENT_MENTIONS for s in surf)
        # a child's low mood is the child's (mis)trivsel, not a parent's psychiatric illness
        ps = by_key.get("psykisk_sygdom_foraelder")
        if (ps is not None and (child_subject or (youth and not baby and not parent_named))
                and all(w in _MOOD_WORDS for w in ps.words)):
            tr = by_key.get("trivsel_unge")
            w = ps.weight * 0.9
            if tr is None:
                by_key["trivsel_unge"] = ConceptHit("trivsel_unge", concept_label("trivsel_unge"), list(ps.words), w)
            else:
                tr.weight = 1 - (1 - tr.weight) * (1 - w)
            ps.weight *= 0.3
        # a father's own parenting or loneliness is also the fathers' need (fædres rolle)
        if (any(s in _FATHER_WORDS for s in surf) and not any(s in _MOTHER_WORDS for s in surf)
                and ("foraeldrekompetencer" in by_key or "netvaerk_foraeldre" in by_key)):
            fa = by_key.get("faedre")
            if fa is None:
                by_key["faedre"] = ConceptHit("faedre", concept_label("faedre"), ["far"], 0.5)
            elif fa.weight < 0.5:
                fa.weight = 0.5
        # a baby under one year is itself evidence of the infant need (weakly: it may be only context)
        if 0 in ages and "graviditet_spaed" not in by_key:
            by_key["graviditet_spaed"] = ConceptHit(
                "graviditet_spaed", concept_label("graviditet_spaed"), ["barn under 1 år"], 0.4)
        # starting school ("skal starte i 0. klasse") is the school-start need
        if _RX_SCHOOL_NEED.search(" ".join(surf)):
            ls = by_key.get("lektiehjaelp_skole")
            if ls is None:
                by_key["lektiehjaelp_skole"] = ConceptHit(
                    "lektiehjaelp_skole", concept_label("lektiehjaelp_skole"), ["skolestart"], 0.7)
        tr = by_key.get("trivsel_unge")
        # low mood around a baby or a pregnancy is a parent's post-natal reaction
        mood = [by_key[k] for k in ("trivsel_unge", "psykisk_sygdom_foraelder") if k in by_key]
        if baby and mood and not youth:
            w = max(c.weight for c in mood) * 0.8
            words = [x for c in mood for x in c.words]
            fd = by_key.get("fodselsdepression")
            if fd is None:
                by_key["fodselsdepression"] = ConceptHit(
                    "fodselsdepression", concept_label("fodselsdepression"), words[:3], w)
            else:
                fd.weight = 1 - (1 - fd.weight) * (1 - w)
        # no school-age child and no young person: loneliness etc. is the parents'
        if tr is not None and not youth:
            tr.weight *= 0.3
            nw = by_key.get("netvaerk_foraeldre")
            if nw is not None:
                nw.weight = 1 - (1 - nw.weight) * 0.5


# words between a person's age and "gravid" that keep the age that person's ("17-årig pige er blevet gravid")
_PREGNANT_BRIDGE = frozenset({"gammel", "gl", "pige", "pigen", "kvinde", "kvinden", "datter", "datteren", "er", "blevet",
                              "blev", "var", "som", "der", "nu", "netop", "lige", "ung", "ungt", "uventet"})
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


@lru_cache(maxsize=1)
def default_parser() -> NeedParser:
    return NeedParser()


def default_known(word: str) -> bool:
    from .analysis import default_analyzer
    an = default_analyzer()
    return word in an.surface_vocab


def understand(text: str) -> Need:
    return default_parser().parse(text)
