"""Serbian Latin → Cyrillic transliteration (ARCHITECTURE rule 9; users-review point 13).

The sr-cyrl catalogue and every Cyrillic reference-data name are derived from the Latin text, never
typed twice. Three things are not transliterated: placeholders and markup (``%(name)s``, ``{x}``,
``<b>``, ``&amp;``), words on the reviewed exception list (``locale/sr_cyrl_exceptions.txt``: foreign
names, acronyms that stay Latin, words where "nj"/"lj"/"dž" are two letters), and words holding a
letter Serbian does not have (q, w, x, y), which are foreign by construction (URLs, "XK", "TAXII").

Issue #7 point 1 widens "foreign" to what a Serbian reader expects in Latin inside Cyrillic text:

* a word holding a **Latin-only letter pair** (``latin_only_pair``): a doubled consonant other than "jj"
  (Serbian spelling drops doubled consonants; "najjači" keeps its "jj"), "ck" or "gh". "Office",
  "TIFF", "glass" stay Latin. A word made of one repeated letter ("DD", "MM", "GGGG", a date mask) is
  not foreign: it is written in Cyrillic like the rest;
* **acronyms joined by hyphens and record numbers** ("KOS-CERT", "BUL-KP-2026-000001") are kept whole
  (a date mask such as "GGGG-MM-DD" is not an acronym); in other hyphenated words each part is judged
  alone, so a case ending after a Latin name is Cyrillic ("PIN-ова", "PostgreSQL-у");
* product names and file types are on the exception list ("Google Authenticator", "FreeOTP", "PNG").
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_SINGLE = dict(
    zip(
        "abcčćdđefghijklmnoprsštuvzž",
        "абцчћдђефгхијклмнопрсштувзж",
        strict=True,
    )
)
_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "dz\u030c": "џ"}
_PROTECTED = re.compile(
    r"(%\([^)]*\)[-+ #0]*\d*(?:\.\d+)?[sdif]|%[sdif%]|\{[^}]*\}|<[^>]*>|&[a-z]+;|https?://\S+"
    r"|(?:TLP|PAP):[A-Z+]+"  # marking names stay as FIRST writes them
    r"|\b\w*_\w*\b"  # identifiers such as valid_from
    r"|\b[A-Za-z]+/[A-Za-z0-9.+-]+\b"  # media types and zone names: application/json
    r"|\b\d+/[A-Z]+-\d+\b"  # law numbers: 03/L-178
    r"|\b[A-Z0-9]+(?:-[A-Z0-9]+)+\b"  # acronyms joined by hyphens and record numbers: KOS-CERT, BUL-KP-2026-000001
    r"|\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]+\b"  # codes mixing letters and digits: H0, 7KQ3, 2HFA
    r"|\b[a-z_]+\.[a-z_]+\b)"  # dotted identifiers: app.model
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# A date mask such as "GGGG-MM-DD" looks like a hyphenated acronym but is Serbian text.
_DATE_MASK = re.compile(r"([A-Z])\1*(?:[-.]([A-Z])\2*)+")
# Letter pairs that native Serbian Latin spelling never writes (see the module docstring).
_LATIN_ONLY_PAIR = re.compile(r"([bcdfghklmnprstvzž])\1|ck|gh", re.IGNORECASE)
EXCEPTIONS_FILE = Path(__file__).resolve().parents[2] / "locale" / "sr_cyrl_exceptions.txt"


@cache
def _exceptions() -> dict[str, str]:
    """Map of lower-case Latin word → replacement (a Cyrillic spelling, or the word itself to keep it)."""
    table: dict[str, str] = {}
    if EXCEPTIONS_FILE.exists():
        for raw in EXCEPTIONS_FILE.read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            latin, _, cyrillic = line.partition("=")
            table[latin.strip().lower()] = cyrillic.strip() or latin.strip()
    return table


def _match_case(source: str, target: str) -> str:
    if source.isupper() and len(source) > 1:
        return target.upper()
    if source[:1].isupper():
        return target[:1].upper() + target[1:]
    return target


def latin_only_pair(word: str) -> str | None:
    """The first letter pair of ``word`` that Serbian Latin never writes, or None.

    Letters missing from the Serbian alphabet (q, w, x, y) count as a pair of their own. A word made of one
    repeated letter (the date masks "DD", "MM", "GGGG") has none.
    """
    lower = word.lower()
    if len(set(lower)) == 1:
        return None
    letter = next((ch for ch in lower if ch in "qwxy"), None)
    if letter is not None:
        return letter
    match = _LATIN_ONLY_PAIR.search(lower)
    return match.group(0) if match else None


def is_foreign(word: str) -> bool:
    """True when ``word`` stays in Latin script: on the exception list as itself, or holding a Latin-only pair."""
    replacement = _exceptions().get(word.lower())
    if replacement is not None:
        return replacement.lower() == word.lower()
    return latin_only_pair(word) is not None


def _word(word: str) -> str:
    lower = word.lower()
    exceptions = _exceptions()
    if lower in exceptions:
        replacement = exceptions[lower]
        return word if replacement.lower() == lower else _match_case(word, replacement)
    if is_foreign(word):
        return word
    out: list[str] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        if pair.lower() in _DIGRAPHS:
            cyr = _DIGRAPHS[pair.lower()]
            # "Nj" at the start of a capitalised word and "NJ" in an all-caps word are both "Њ".
            out.append(cyr.upper() if pair[0].isupper() else cyr)
            i += 2
            continue
        ch = word[i]
        single = _SINGLE.get(ch.lower())
        out.append(ch if single is None else (single.upper() if ch.isupper() else single))
        i += 1
    return "".join(out)


def _plain(text: str) -> str:
    return _WORD.sub(lambda m: _word(m.group(0)), text)


def latin_to_cyrillic(text: str) -> str:
    """Transliterate Serbian Latin text to Cyrillic, leaving placeholders, markup and exceptions alone."""
    if not text:
        return text
    parts = _PROTECTED.split(text)
    return "".join(part if _PROTECTED.fullmatch(part) and not _DATE_MASK.fullmatch(part) else _plain(part) for part in parts)
