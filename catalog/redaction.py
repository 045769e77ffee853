"""Redaction of personal data in free-text need descriptions.

Caseworkers describe vulnerable families in free Danish text.  Before such a
text is stored (or can reach a log line) we remove the things that identify a
person directly:

* CPR numbers (``DDMMYY-XXXX``, ``DDMMYYXXXX``, ``DDMMYY XXXX``, and the
  conservative variants ``DD.MM.YY-XXXX`` / ``DD MM YY XXXX`` /
  ``DD MM YY XX XX``) -- only when ``DDMMYY`` is a real calendar date.  The
  modulus-11 check is deliberately *not* required (many CPR numbers issued
  since 2007 fail it).
* Danish 8-digit phone numbers in their common spellings, with an optional
  ``+45`` / ``0045`` / ``(+45)`` prefix.
* E-mail addresses.
* Names introduced by a clear introducer ("hedder", "hed", "navn:",
  "navnet er", "ved navn", "kaldes", "kaldet", ...).

Every finding is replaced by a placeholder (``[CPR-nummer]``,
``[telefonnummer]``, ``[e-mail]``, ``[navn]``).  Placeholders contain no digits,
no ``@`` and do not start with a letter, so they are never redacted again and
``redact`` is idempotent.

All patterns are bounded or unambiguous, so the work is linear in the length
of the input; ``redact`` never raises for a ``str``.

This module imports only the standard library.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

__all__ = ["Redaction", "RedactingFilter", "redact", "PLACEHOLDERS", "KINDS"]

KINDS = ("cpr", "phone", "email", "name")

PLACEHOLDERS = {
    "cpr": "[CPR-nummer]",
    "phone": "[telefonnummer]",
    "email": "[e-mail]",
    "name": "[navn]",
}

# (singular sentence, plural template) per kind; order is the order of messages().
_MESSAGES = (
    ("cpr", "Et CPR-nummer blev fjernet", "{n} CPR-numre blev fjernet"),
    ("phone", "Et telefonnummer blev fjernet", "{n} telefonnumre blev fjernet"),
    ("name", "Et navn blev fjernet", "{n} navne blev fjernet"),
    ("email", "En e-mailadresse blev fjernet", "{n} e-mailadresser blev fjernet"),
)


@dataclass(frozen=True)
class Redaction:
    """Result of :func:`redact`.

    ``text`` is the redacted text; ``removed`` maps every kind in ``KINDS``
    ("cpr", "phone", "email", "name") to how many findings were replaced.
    """

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
# Patterns
# --------------------------------------------------------------------------

_SP = "[ \u00a0\u202f]"  # a single space (incl. no-break spaces)
_DASH = "[-\u2010\u2011\u2012\u2013\u2014\u2212]"  # hyphen/dash variants
_NOT_AFTER_DIGIT = r"(?<!\d)(?<!\d[.,])"  # do not start inside a number like 1.234
_NOT_BEFORE_DIGIT = r"(?!\d)(?![.,]\d)"  # do not end inside a number

# CPR candidates.  Wrapped in a lookahead so finditer reports *every* start
# position (overlapping); we then choose valid, non-overlapping ones.  Each
# alternative has bounded length, so the scan is linear.
_CPR_SEP = rf"(?:{_SP}?{_DASH}{_SP}?|{_SP})"
_CPR_CANDIDATE = re.compile(
    r"(?="
    + _NOT_AFTER_DIGIT
    + "("
    # DDMMYY-XXXX, DDMMYY XXXX, DDMMYYXXXX
    + rf"\d{{6}}{_CPR_SEP}?\d{{4}}"
    # DD.MM.YY-XXXX, DD MM YY XXXX, DD.MM.YYXXXX (same separator inside the date)
    + rf"|\d\d(?P<s>[.\u00a0\u202f ])\d\d(?P=s)\d\d{_CPR_SEP}?\d{{4}}"
    # DD MM YY XX XX
    + rf"|\d\d{_SP}\d\d{_SP}\d\d{_SP}\d\d{_SP}\d\d"
    + ")"
    + _NOT_BEFORE_DIGIT
    + ")"
)

_PHONE_CANDIDATE = re.compile(
    r"(?="
    + _NOT_AFTER_DIGIT
    + "("
    + rf"(?:(?:\+|00){_SP}?45{_SP}?|\(\+?45\){_SP}?)?"
    + "(?:"
    + r"\d{8}"
    + rf"|\d\d{_SP}\d\d{_SP}\d\d{_SP}\d\d"
    + rf"|\d\d{_SP}\d\d{_SP}\d{{4}}"
    + rf"|\d{{4}}{_SP}\d\d{_SP}\d\d"
    + rf"|\d{{4}}{_SP}\d{{4}}"
    + ")"
    + ")"
    + _NOT_BEFORE_DIGIT
    + ")"
)
_AMOUNT_AFTER = re.compile(
    r"\s{0,3}(?:kr\b|dkk\b|kroner\b|,-|\.-|mio\b|mia\b|euro\b|eur\b|€)",
    re.IGNORECASE,
)
_AMOUNT_BEFORE = re.compile(r"(?:\bkr\.?|\bdkk|€)\s{0,3}$", re.IGNORECASE)
_YEAR = re.compile(r"(?:19|20)\d\d")

# E-mail: start only at the beginning of a run of local-part characters so a
# long run is scanned once, not once per position.
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")

# Name introducers (case-insensitive).  After a word introducer only
# horizontal whitespace may follow (a name on the next line is not taken);
# after "navn:" one line break is allowed (pasted forms: "Navn:\nAli").
_HSP = r"[^\S\r\n]"
_NAME_INTRO = re.compile(
    r"(?<!\w)(?i:"
    r"(?:hedder|hed"
    r"|kaldes(?:" + _HSP + r"+for)?|kaldet(?:" + _HSP + r"+for)?"
    r"|ved" + _HSP + r"+navn(?:et)?"
    r"|navnet" + _HSP + r"+er|navn" + _HSP + r"+er|navnet"
    r")(?!\w)" + _HSP + r"*"
    r"|(?:for|efter|mellem)?navn" + _HSP + r"*:" + _HSP + r"*(?:\r?\n" + _HSP + r"*)?"
    r")"
)
# A name word: letters (with combining marks), optionally joined by - or '.
_LETTER = r"[^\W\d_][\u0300-\u036f]*"
_NAME_WORD = re.compile(rf"(?:{_LETTER})+(?:[-'\u2019](?:{_LETTER})+)*")
_NAME_GAP = re.compile(_HSP + "+")
_MAX_NAME_WORDS = 4


# --------------------------------------------------------------------------
# Detectors
# --------------------------------------------------------------------------

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_ddmmyy(digits: str) -> bool:
    """True if ``digits[:6]`` is a calendar date DDMMYY.

    29 February is accepted whenever YY is divisible by 4 (00 = 2000 is a leap
    year).  Erring towards redaction is the safe side.
    """
    try:
        day, month, year = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    except ValueError:
        return False
    if not 1 <= month <= 12 or day < 1:
        return False
    if month == 2 and day == 29:
        return year % 4 == 0
    return day <= _DAYS_IN_MONTH[month - 1]


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def _replace_candidates(text, pattern, accept, placeholder):
    """Replace accepted, non-overlapping candidates (leftmost first)."""
    out = []
    pos = 0
    count = 0
    for m in pattern.finditer(text):
        start, end = m.span(1)
        if start < pos or not accept(text, m, start, end):
            continue
        out.append(text[pos:start])
        out.append(placeholder)
        pos = end
        count += 1
    if not count:
        return text, 0
    out.append(text[pos:])
    return "".join(out), count


def _accept_cpr(text, m, start, end):
    digits = _digits(m.group(1))
    return len(digits) == 10 and _valid_ddmmyy(digits)


def _accept_phone(text, m, start, end):
    if _AMOUNT_AFTER.match(text, end):
        return False
    if _AMOUNT_BEFORE.search(text[max(0, start - 8) : start]):
        return False
    parts = m.group(1).split()
    # "2024 2025" is two years, not a phone number.
    if len(parts) == 2 and all(len(p) == 4 and _YEAR.fullmatch(p) for p in parts):
        return False
    return True


def _redact_cpr(text):
    return _replace_candidates(text, _CPR_CANDIDATE, _accept_cpr, PLACEHOLDERS["cpr"])


def _redact_phone(text):
    return _replace_candidates(text, _PHONE_CANDIDATE, _accept_phone, PLACEHOLDERS["phone"])


def _redact_email(text):
    count = 0

    def repl(m):
        nonlocal count
        s = m.group()
        at = s.index("@")
        labels = s[at + 1 :].split(".")
        # Drop trailing labels until the last one looks like a TLD.
        while len(labels) >= 2 and not (len(labels[-1]) >= 2 and labels[-1].isalpha()):
            labels.pop()
        if len(labels) < 2 or not labels[0]:
            return s
        count += 1
        kept = at + 1 + len(".".join(labels))
        return PLACEHOLDERS["email"] + s[kept:]

    new = _EMAIL.sub(repl, text)
    return new, count


def _redact_names(text):
    out = []
    pos = 0
    count = 0
    for intro in _NAME_INTRO.finditer(text):
        if intro.start() < pos:
            continue
        cursor = intro.end()
        name_end = None
        for i in range(_MAX_NAME_WORDS):
            if i:
                gap = _NAME_GAP.match(text, cursor)
                if not gap:
                    break
                word_start = gap.end()
            else:
                word_start = cursor
            word = _NAME_WORD.match(text, word_start)
            if not word or not word.group()[0].isupper():
                break
            cursor = name_end = word.end()
            # An initial: "Anne K. Jensen".
            letters = sum(1 for ch in word.group() if not "\u0300" <= ch <= "\u036f")
            if letters == 1 and text.startswith(".", cursor):
                cursor = name_end = cursor + 1
        if name_end is None:
            continue
        out.append(text[pos : intro.end()])
        out.append(PLACEHOLDERS["name"])
        pos = name_end
        count += 1
    if not count:
        return text, 0
    out.append(text[pos:])
    return "".join(out), count


# Order matters: e-mails first (their local part may contain digits), then
# CPR (10 digits) before phone numbers (8 digits), names last.
_PASSES = (
    ("email", _redact_email),
    ("cpr", _redact_cpr),
    ("phone", _redact_phone),
    ("name", _redact_names),
)
# Removing one finding can in rare cases expose another (e.g. an e-mail whose
# domain ran into a phone number).  Repeat until nothing changes so that the
# result is a fixed point (idempotence).  Each changing pass removes digits,
# an "@" or a capitalised name, so this converges quickly.
_MAX_ROUNDS = 6


def redact(text: str) -> Redaction:
    """Return ``text`` with CPR numbers, phone numbers, e-mails and introduced
    names replaced by placeholders, plus a count per kind."""
    if not isinstance(text, str):
        raise TypeError(f"redact() expects str, not {type(text).__name__}")
    removed = dict.fromkeys(KINDS, 0)
    current = text
    for _ in range(_MAX_ROUNDS):
        changed = False
        for kind, fn in _PASSES:
            current, n = fn(current)
            if n:
                removed[kind] += n
                changed = True
        if not changed:
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

    Attach it to handlers (``handler.addFilter(RedactingFilter())``) so records
    propagated from child loggers are covered too.  The fully formatted message
    (``record.msg % record.args``) is redacted; when anything is found the
    record's ``msg`` becomes the redacted text and ``args`` becomes ``()``.
    Exception text and stack info are redacted as well.  The filter never drops
    a record and never raises.
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
            # Broken format string / args: keep everything, as plain text.
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
