"""Age: the children's and the parents' ages from a free text.

Reads "4 mdr", "9-årig", "en dreng på 9", "børn på 3 og 6", "3. klasse" (grade + 6), "skolestart til
sommer", a baby or a pregnancy (age 0) and, in a story, "nu er han 12", "jeg er 19 og mor" (the writer is
the parent) or "jeg er 14" (the young person), "tre drenge – en nyfødt, en på tre og en på seks" (several
children) and "en ung mand på 23" (an adult child keeps his age). Not ages: a span of time ("der gik fire
måneder", "på en måned", "i 3 år"), an age once had ("som 12-årig", "da jeg var omkring syv") and a
parent's age ("mor på 19", "gravid 17-årig"). The words used are masked from the need terms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .common import NUM, NUMBER_WORDS, RX_NUMS, Text, num

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
_DURATION_AFTER = ("siden", "tid", "endnu", "frem")
# words before "N måneder" that make it a span of time, not a baby's age ("der gik fire måneder")
_MONTH_DURATION_BEFORE = frozenset({"gik", "der", "har", "havde", "været", "varede", "tog", "ventet", "venter",
                                    "snart", "par", "flere", "mange", "godt", "knap", "næsten", "allerede", "kun"})
_PAST_BE = frozenset({"var", "blev", "gik", "kom", "fyldte"})
_PARENT_BRIDGE = ("på", "er", "som", "ca", "cirka", "omkring", "og")
# words between a person's age and "gravid" that keep the age that person's ("17-årig pige er blevet gravid")
_PREGNANT_BRIDGE = frozenset({"gammel", "gl", "pige", "pigen", "kvinde", "kvinden", "datter", "datteren", "er", "blevet",
                              "blev", "var", "som", "der", "nu", "netop", "lige", "ung", "ungt", "uventet"})

AGE_UNIT_WORDS = frozenset({
    "år", "årig", "årige", "års", "mdr", "md", "mnd", "måned", "måneder", "måneders", "uge", "uger", "ugers",
    "dag", "dage", "gammel", "gamle", "gl", "på", "klasse", "og", "halvt", "halv",
}) | set(NUMBER_WORDS)

_RX_MONTHS = re.compile(
    rf"\b({NUM}|få|nogle)\s*-?\s*(mdr|md|mnd|måneder|måneders|måned|uger|ugers|uge|dage|dag|døgn)\b"
)
_RX_YEARS_LIST = re.compile(
    rf"\b({NUM}(?:\s*(?:,|og|&|-|–)\s*{NUM})*)\s*-?\s*(år|års|årig|årige|åring|åringer)\b"
)
# a name may stand between the child and the age: "datteren Freja på 7", "min søn Ali Hassan, 9"
_NAME_GAP = r"(?:,?\s+(?!(?:i|og|er|har|går|som|med|til|fra|der|ikke|en|et|den|det|sin|sit|sine|hun|han)\b)" \
            r"[^\W\d_]{2,}){0,2}"
_RX_CHILD_PAA = re.compile(
    r"\b(" + "|".join(CHILD_NOUNS) + rf"){_NAME_GAP}\s*(?:,\s*på|på|,|\(|er|:)\s*({NUM}(?:\s*(?:,|og|&)\s*{NUM})*)"
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
RX_PREGNANT = re.compile(r"\b(gravid\w*|graviditet\w*|venter (?:sit|sin|et|barn)\w*|terminsdato|termin)\b")
_RX_WRITER_AGE = re.compile(
    rf"\bjeg er (?:kun |selv |nu |lige blevet )?({NUM})(?:\s*år(?:\s*gammel)?)?(?=\s*(?:[,.;!?–-]|og\b|$))")
_RX_PRONOUN_AGE = re.compile(
    rf"\b(?:(?:han|hun|drengen|pigen|sønnen|datteren|barnet) er (?:nu |lige blevet |snart )?|er (?:han|hun) (?:nu )?)"
    rf"({NUM})(?:\s*år(?:\s*gammel)?)?(?=\s*(?:[,.;!?–-]|og\b|nu\b|$))")
_RX_WRITER_PARENT = re.compile(
    r"\b(?:og (?:mor|far|gravid)|(?:mor|far) til|min (?:lille |store )?(?:søn|datter|baby|dreng|pige)|mit barn|"
    r"mine børn|(?:har|fik|fået) (?:en|et|to|tre|fire) (?:lille )?(?:søn|datter|baby|dreng|pige|barn|børn|sønner|døtre)|"
    r"jeg (?:er|blev) gravid|jeg venter)\b")
_RX_CHILD_GROUP = re.compile(r"\b(?:børn|drenge|piger|unger|søskende|tvillinger|sønner|døtre|drenge)\b")
_RX_ONE_PAA = re.compile(rf"\ben på ({NUM})\b(?!\s*-?\s*(?:mdr|md|mnd|måned|uge|dag))")
_RX_NEWBORN = re.compile(r"\b(?:en|et|vores|min|mit|den) (?:nyfødt\w*|spædbarn\w*)\b")
# a school class told in the past tense ("i 9. klasse fik han ...", "da hun gik i 3. klasse")
_RX_PAST_CLASS = re.compile(r"\b(?:fik|gik|var|blev|havde|begyndte|startede|kom|mistede|skiftede|dengang|da)\b")
_RX_SENTENCE_END = re.compile(r"(?<!\d)[.!?](?=\s|$)|\n")
_RX_SHORT_UNIT = re.compile(r"\s*-?\s*(mdr|md|mnd|måned|uge|dag)")
_RX_YEAR_UNIT = re.compile(r"\s*-?\s*(år|årig|årige|års)\b(\s*gl\.?|\s*gammel)?")
_RX_OLD = re.compile(r"\s*(gammel|gamle|gl)\b\.?")


@dataclass
class AgeReading:
    child_ages: list[int] = field(default_factory=list)
    parent_ages: list[int] = field(default_factory=list)
    masked: set[int] = field(default_factory=set)
    young_writer: bool = False   # the writer is the young person ("jeg er 14")


def extract_ages(t: Text) -> AgeReading:
    """The children's ages (first mention first), the parents' ages and the token indices used."""
    return _AgeReader(t).read()


class _AgeReader:
    """One text's age reading: each ``_…`` method reads one way of writing an age, in this order."""

    def __init__(self, t: Text):
        self.t = t
        self.norm = t.norm
        self.surf = t.surf
        self.starts = [x[1] for x in t.toks]
        self.child: list[int] = []
        self.parent: list[int] = []
        self.masked: set[int] = set()
        self.used: list[tuple[int, int]] = []
        self.young_writer = False

    def read(self) -> AgeReading:
        for step in (self._parents, self._pronoun_ages, self._writer, self._months, self._child_nouns,
                     self._one_by_one, self._years, self._classes, self._school_and_babies):
            step()
        return AgeReading(list(dict.fromkeys(self.child)), list(dict.fromkeys(self.parent)), self.masked,
                          self.young_writer)

    # -- helpers --------------------------------------------------------------
    def overlaps(self, a: int, b: int) -> bool:
        return any(a < y and x < b for x, y in self.used)

    def use(self, a: int, b: int) -> None:
        self.used.append((a, b))
        self.mask(a, b)

    def mask(self, a: int, b: int) -> None:
        for k, (s, x, y, _) in enumerate(self.t.toks):
            if x >= a and y <= b and (s in AGE_UNIT_WORDS or s.isdigit() or "½" in s):
                self.masked.add(k)

    def first_tok_at(self, pos: int) -> int:
        for k, x in enumerate(self.starts):
            if x >= pos:
                return k
        return len(self.starts)

    def is_parent(self, a: int, b: int) -> bool:
        """The age at [a, b) is a parent's: "mor på 19", "mor, 19 år", "19-årig mor", "gravid 17-årig"."""
        surf = self.surf
        j = self.first_tok_at(a) - 1
        hops = 0
        while j >= 0 and hops < 2 and surf[j] in _PARENT_BRIDGE:
            j -= 1
            hops += 1
        e = self.first_tok_at(b)
        if (j >= 0 and surf[j] in PARENT_NOUNS) or self.t.word(e) in PARENT_NOUNS:
            return True
        if self.t.word(e) in ("gammel", "gl") and self.t.word(e + 1) in PARENT_NOUNS:
            return True
        # the pregnant person is a (coming) parent: "gravid 17-årig", "17-årig pige er blevet gravid"
        nums = [num(x) for x in RX_NUMS.findall(self.norm[a:b])]
        if not nums or nums[0] is None or nums[0] < 12:
            return False
        if j >= 0 and surf[j].startswith("gravid"):
            return True
        k = e
        while k < len(surf) and k - e < 5 and surf[k] in _PREGNANT_BRIDGE:
            k += 1
        return k < len(surf) and k - e < 5 and (surf[k].startswith("gravid") or surf[k] in ("venter", "ventede"))

    def is_duration(self, a: int, b: int) -> bool:
        k = self.first_tok_at(a)
        return (k > 0 and self.surf[k - 1] in _DURATION_BEFORE) or self.t.word(self.first_tok_at(b)) in _DURATION_AFTER

    def is_month_duration(self, m: re.Match) -> bool:
        a, b = m.span()
        k = self.first_tok_at(a)
        if any(w in _MONTH_DURATION_BEFORE for w in self.surf[max(0, k - 3):k]):
            return True
        if re.match(r"\s*(gammel|gamle|gl)\b", self.norm[b:b + 10]):
            return False
        # "på en måned", "på et par uger": a written-out "one" after "på" is a span of time
        return self.t.word(k - 1) == "på" and m.group(1) in ("en", "et", "få", "nogle")

    def is_past(self, a: int) -> bool:
        """An age the child had once: "som 12-årig", "da jeg var omkring syv"."""
        k = self.first_tok_at(a)
        before = self.surf[max(0, k - 4):k]
        if before[-1:] == ["som"]:
            return True
        return "da" in before and any(w in _PAST_BE for w in before[before.index("da"):])

    # -- the ways of writing an age ---------------------------------------------
    def _parents(self) -> None:
        """Parents' ages: "mor på 19", "far (23)"; but "en ung mand på 23" is an adult child."""
        for m in _RX_PARENT_PAA.finditer(self.norm):
            a, b = m.span(2)
            v = num(m.group(2))
            tail = self.norm[b:b + 12]
            if _RX_SHORT_UNIT.match(tail):
                continue
            yr = _RX_YEAR_UNIT.match(tail)
            self.use(a, b + (yr.end() if yr else 0))
            k = self.first_tok_at(m.start(1))
            if (self.t.word(k - 1) in ("ung", "unge", "voksen", "voksne") and self.surf[k] in ("mand", "manden", "kvinde")
                    and v is not None and v <= 35):
                self.child.append(v)
            elif v is not None and 12 <= v <= 70:
                self.parent.append(v)

    def _pronoun_ages(self) -> None:
        """A child's age told in a sentence of its own: "nu er han 12", "hun er 15 år"."""
        for m in _RX_PRONOUN_AGE.finditer(self.norm):
            a, b = m.span(1)
            v = num(m.group(1))
            if self.overlaps(a, b) or v is None or v > 30 or self.is_past(m.start()):
                continue
            self.used.append((a, b))
            self.mask(a, m.end())
            self.child.append(v)

    def _writer(self) -> None:
        """The writer's own age: "jeg er 19 og mor" (a parent), "jeg er 14" (the young person)."""
        for m in _RX_WRITER_AGE.finditer(self.norm):
            a, b = m.span(1)
            v = num(m.group(1))
            if self.overlaps(a, b) or v is None or not 10 <= v <= 70:
                continue
            self.use(a, m.end())
            if v >= 25 or _RX_WRITER_PARENT.search(self.norm):
                self.parent.append(v)
            else:
                self.child.append(v)
                self.young_writer = True

    def _months(self) -> None:
        """Months, weeks, days: a baby (0), unless a span of time ("der gik fire måneder", "på en måned")."""
        for m in _RX_MONTHS.finditer(self.norm):
            a, b = m.span()
            if self.is_duration(a, b) or self.is_month_duration(m):
                continue
            self.use(a, b)
            self.child.append(0)

    def _child_nouns(self) -> None:
        """A child noun and a number: "en dreng på 9", "datter (15)", "børn på 3 og 6"."""
        for m in _RX_CHILD_PAA.finditer(self.norm):
            a, b = m.span(2)
            if self.overlaps(a, b):
                continue
            tail = self.norm[b:b + 12]
            if _RX_SHORT_UNIT.match(tail):
                continue  # "på 9 mdr" is read as months
            nums = [num(x) for x in RX_NUMS.findall(m.group(2))]
            yr = _RX_YEAR_UNIT.match(tail)
            self.use(a, b + (yr.end() if yr else 0))
            if self.is_past(m.start(1)):
                continue
            self.child.extend(v for v in nums if v is not None and 0 <= v <= 25)

    def _one_by_one(self) -> None:
        """Several children told one by one: "tre drenge – en nyfødt, en på tre og en på seks"."""
        if not _RX_CHILD_GROUP.search(self.norm):
            return
        for m in _RX_ONE_PAA.finditer(self.norm):
            a, b = m.span(1)
            v = num(m.group(1))
            if self.overlaps(a, b) or v is None or v > 17:
                continue
            self.use(a, b)
            self.child.append(v)

    def _years(self) -> None:
        """Years: "4 og 7 år", "9-årig", "1½ år", "15 år gl." (a parent's when said of one)."""
        for m in _RX_YEARS_LIST.finditer(self.norm):
            a, b = m.span()
            if self.overlaps(a, b) or self.is_duration(a, b):
                continue
            nums = [v for v in (num(x) for x in RX_NUMS.findall(m.group(1))) if v is not None]
            if not nums or not self._years_written_as_age(m):
                continue
            self.use(a, b)
            ext = _RX_OLD.match(self.norm[b:b + 10])
            if ext:
                self.mask(b, b + ext.end())
            if self.is_past(a):
                continue
            if (self.is_parent(a, b + (ext.end() if ext else 0)) and min(nums) >= 12) or (len(nums) == 1 and nums[0] > 23):
                self.parent.extend(nums)
            else:
                self.child.extend(v for v in nums if 0 <= v <= 25)

    def _years_written_as_age(self, m: re.Match) -> bool:
        """Written-out numbers only with "-årig" / "år gammel" (e.g. not "et år")."""
        raw = m.group(1).strip()
        if re.match(r"\d|½|halvandet", raw) or m.group(2) not in ("år", "års"):
            return True
        return bool(re.match(r"\s*(gammel|gl)", self.norm[m.end():m.end() + 10]))

    def _classes(self) -> None:
        """School class: "3. klasse" -> 9 (unless an explicit age is given right after, or the class is
        the backstory of a child whose age is given: "i 9. klasse fik han de forkerte venner. Nu er han 23")."""
        aged = bool(self.child)
        for m in _RX_CLASS.finditer(self.norm):
            a, b = m.span()
            if self.overlaps(a, b):
                continue
            self.mask(a, b)
            if re.match(rf"\s*[(,–-]?\s*{NUM}\s*-?\s*år", self.norm[b:b + 20]):
                continue
            if aged and _RX_PAST_CLASS.search(self._sentence_at(a)):
                continue
            if m.group(2):
                self.child.append(6)
            else:
                g = int(m.group(1) or m.group(3))
                if 0 <= g <= 10:
                    self.child.append(g + 6)

    def _sentence_at(self, pos: int) -> str:
        """The sentence around ``pos`` ("4. klasse": a number's full stop ends no sentence)."""
        lo = max((m.end() for m in _RX_SENTENCE_END.finditer(self.norm, 0, pos)), default=0)
        m = _RX_SENTENCE_END.search(self.norm, pos)
        return self.norm[lo:m.start() if m else len(self.norm)]

    def _school_and_babies(self) -> None:
        """Starting school (5-6) when no age is named; a newborn, a baby, a pregnancy: age 0."""
        if _RX_SCHOOLSTART.search(self.norm) and not self.child:
            self.child.extend([5, 6])
        if (_RX_NEWBORN.search(self.norm) or (_RX_BABY.search(self.norm) and not self.child)
                or RX_PREGNANT.search(self.norm)):
            self.child.append(0)


__all__ = ["AGE_UNIT_WORDS", "CHILD_NOUNS", "PARENT_NOUNS", "RX_PREGNANT", "AgeReading", "extract_ages"]
