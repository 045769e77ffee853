"""What every extractor reads: the text as tokens with their case and offsets, and Danish numbers."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..text import WORD_RE

Tok = tuple[str, int, int, bool]   # (normalised surface, start, end, capitalised in the original)

NUMBER_WORDS = {
    "en": 1, "et": 1, "to": 2, "tre": 3, "fire": 4, "fem": 5, "seks": 6, "syv": 7, "otte": 8,
    "ni": 9, "ti": 10, "elleve": 11, "tolv": 12, "tretten": 13, "fjorten": 14, "femten": 15,
    "seksten": 16, "sytten": 17, "atten": 18, "nitten": 19, "tyve": 20, "halvandet": 1,
}
_NUMW = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
NUM = rf"(?:\d{{1,2}}(?:\s?½|[.,]5)?|½|{_NUMW})"
RX_NUMS = re.compile(NUM)


def num(s: str) -> int | None:
    """A written or digit number as an int ("fire" -> 4, "1,5" -> 1); None when it is none."""
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


@dataclass
class Text:
    """A text as the extractors see it: casefolded, with its tokens (see :data:`Tok`)."""
    norm: str
    toks: list[Tok]
    surf: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.surf = [t[0] for t in self.toks]

    @classmethod
    def of(cls, text: str) -> Text:
        norm, toks = tokens_with_case(text)
        return cls(norm, toks)

    def word(self, k: int) -> str:
        """Token k's surface, or "" outside the text."""
        return self.surf[k] if 0 <= k < len(self.surf) else ""


def tokens_with_case(text: str) -> tuple[str, list[Tok]]:
    """(normalised text, [(surface, start, end, capitalised)])."""
    nfkc = unicodedata.normalize("NFKC", text.replace("½", ",5"))
    norm = nfkc.casefold()
    orig = [(m.group(), m.start()) for m in WORD_RE.finditer(nfkc)]
    toks = [(m.group(), m.start(), m.end()) for m in WORD_RE.finditer(norm)]
    if len(orig) == len(toks):
        caps = [o[0][:1].isupper() for o in orig]
    else:  # casefolding changed word boundaries: be lenient
        caps = [True] * len(toks)
    return norm, [(s, a, b, c) for (s, a, b), c in zip(toks, caps)]


def sentence_start(norm: str, start: int) -> bool:
    k = start - 1
    while k >= 0 and norm[k] in " \t\"'(«»-–":
        k -= 1
    return k < 0 or norm[k] in ".!?:\n;"
