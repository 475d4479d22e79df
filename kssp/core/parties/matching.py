"""Finding the same person across Albanian and Serbian spellings and scripts (users-review point 19).

Pure Python: nothing here imports Django, so the rules can be tested, benchmarked and reused (by the
border watchlist, by imports) without a database. The selectors store the keys this module computes in
indexed columns, fetch candidates with one query, and rank them here.

Normalising a name gives a **key** in which both orthographies fall together:

====================  ==========  =========================================================
Albanian              Serbian     key letter
====================  ==========  =========================================================
Xh                    Dž / Џ      dž
Ç                     Č / Ч       č
Q                     Ć / Ћ       ć
Gj                    Đ / Ђ (Dj)  đ
Sh                    Š / Ш       š
Zh                    Ž / Ж       ž
X                     Dz / Ѕ      dz
Ë                     E           e
Ll, Rr                L, R        l, r
Dh, Th, Y             D, T, I     d, t, i   (how Serbian writes Albanian names: Thaçi → Tači)
====================  ==========  =========================================================

Cyrillic is read as Serbian Latin first (Macedonian and Russian letters too); every other diacritic is
dropped (é → e), case is ignored. A second, **loose** key also drops č ć š ž đ (č ć → c, š → s, ž → z,
đ → d) for names typed on a keyboard without them ("Dzemajl Saciri").

``rank()`` compares a query with candidates: the names token by token (any order; a surname alone is a
valid query), scored with Jaro–Winkler similarity from RapidFuzz on the keys; the date of birth with a
tolerance (the same year ±1, or day and month swapped; a year-only date matches its year); personal
number and document numbers exactly. Each match carries its reasons as codes (``Reason``), which the
interface words in the reader's language.

RapidFuzz (MIT, C++ core, maintained, wheels for every platform we run on) gives Jaro–Winkler and the
Indel ratio without hand-written loops; jellyfish has the same distance but adds phonetic codes (Soundex,
Metaphone) built for English, which would only blur these rules.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz.distance import JaroWinkler

# --- rules ----------------------------------------------------------------------------------------

#: Rule codes, in the order they apply. Labels are letters, the same in every language, except the two
#: that the interface translates (``cyrillic`` and ``diacritics``).
RULE_LABELS: dict[str, str] = {
    "cyrillic": "Cyrillic→Latin",
    "dj": "Dj→Đ",
    "xh": "Xh→Dž",
    "gj": "Gj→Đ",
    "sh": "Sh→Š",
    "zh": "Zh→Ž",
    "c_cedilla": "Ç→Č",
    "q": "Q→Ć",
    "x": "X→Dz",
    "dh": "Dh→D",
    "th": "Th→T",
    "ll": "Ll→L",
    "rr": "Rr→R",
    "e_diaeresis": "Ë→E",
    "y": "Y→I",
    "diacritics": "diacritics dropped",
}

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z", "и": "i",
    "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "č", "џ": "dž", "ш": "š",
    # Macedonian
    "ѓ": "đ", "ќ": "ć", "ѕ": "dz",
    # Russian, Ukrainian, Bulgarian
    "й": "j", "ы": "y", "э": "e", "ю": "ju", "я": "ja", "ё": "e", "щ": "šč", "ъ": "", "ь": "",
    "і": "i", "ї": "ji", "є": "je", "ґ": "g",
}

# Albanian (and ASCII Serbian "dj") → key letters, longest first so that "xh" wins over "x".
_LATIN_RULES: tuple[tuple[str, str, str], ...] = (
    ("xh", "dž", "xh"),
    ("gj", "đ", "gj"),
    ("dj", "đ", "dj"),
    ("sh", "š", "sh"),
    ("zh", "ž", "zh"),
    ("dh", "d", "dh"),
    ("th", "t", "th"),
    ("ll", "l", "ll"),
    ("rr", "r", "rr"),
    ("ç", "č", "c_cedilla"),
    ("q", "ć", "q"),
    ("x", "dz", "x"),
    ("ë", "e", "e_diaeresis"),
    ("y", "i", "y"),
)
_LATIN_PATTERN = re.compile("|".join(re.escape(src) for src, _key, _rule in _LATIN_RULES))
_LATIN_MAP = {src: (key, rule) for src, key, rule in _LATIN_RULES}

#: Letters the key keeps (they carry the equivalence classes); every other mark is dropped.
_KEY_LETTERS = frozenset("čćđšž")
_LOOSE = str.maketrans({"č": "c", "ć": "c", "š": "s", "ž": "z", "đ": "d"})
_SEPARATORS = re.compile(r"[\s\-‐‑–—_.,;:/]+")
PREFIX_LENGTH = 3


@dataclass(frozen=True)
class Token:
    """One word of a name: as written (case-folded), its key, its loose key and the rules applied."""

    written: str
    key: str
    loose: str
    rules: frozenset[str]


def _fold_written(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold().strip()


def _normalise_word(word: str) -> Token | None:
    written = word
    rules: set[str] = set()
    text = word
    if any(ch in _CYRILLIC for ch in text):
        rules.add("cyrillic")
        text = "".join(_CYRILLIC.get(ch, ch) for ch in text)

    def replace(match: re.Match[str]) -> str:
        key, rule = _LATIN_MAP[match.group(0)]
        rules.add(rule)
        return key

    text = _LATIN_PATTERN.sub(replace, text)
    out = []
    for ch in text:
        if ch in _KEY_LETTERS:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if base != ch:
            rules.add("diacritics")
        out.append(base)
    key = "".join(ch for ch in "".join(out) if ch.isalpha())
    if not key:
        return None
    return Token(written=written, key=key, loose=key.translate(_LOOSE), rules=frozenset(rules))


def tokens(text: str | None) -> tuple[Token, ...]:
    """The words of a name, normalised. Hyphens, dots and other separators split words."""
    if not text:
        return ()
    words = _SEPARATORS.split(_fold_written(text))
    return tuple(t for t in (_normalise_word(w) for w in words if w) if t is not None)


def name_key(text: str | None) -> str:
    """The key of a whole name (words in the order written, separated by one space)."""
    return " ".join(t.key for t in tokens(text))


def loose_key(text: str | None) -> str:
    return " ".join(t.loose for t in tokens(text))


def name_prefix(text: str | None) -> str:
    """The first letters of the loose key of the first word: an equality-indexable bucket that still
    finds a name misspelt after its first letters."""
    found = tokens(text)
    return found[0].loose[:PREFIX_LENGTH] if found else ""


def token_prefixes(text: str | None) -> list[str]:
    return sorted({t.loose[:PREFIX_LENGTH] for t in tokens(text)})


def rule_labels(rules: Iterable[str]) -> list[str]:
    order = list(RULE_LABELS)
    return [RULE_LABELS[r] for r in sorted(set(rules), key=order.index)]


def detect_script(*texts: str | None) -> str:
    """"latin", "cyrillic", "mixed" or "" (no letters) for names as written."""
    cyrillic = latin = False
    for text in texts:
        for ch in text or "":
            if not ch.isalpha():
                continue
            if "CYRILLIC" in unicodedata.name(ch, ""):
                cyrillic = True
            else:
                latin = True
    if cyrillic and latin:
        return "mixed"
    return "cyrillic" if cyrillic else "latin" if latin else ""


_PLATE_LOOKALIKES = str.maketrans({
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C", "Т": "T", "У": "Y",
    "Х": "X", "Ђ": "Đ",
})


def normalise_plate(value: str | None) -> str:
    """A plate as a search key: Cyrillic look-alikes read as Latin, upper case, no spaces or dashes;
    Đ, Č, Ć, Š, Ž kept as typed on the plate (the older plates of Đakovica/Gjakova read "ĐA")."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value).upper().translate(_PLATE_LOOKALIKES)
    return "".join(ch for ch in text if ch.isalnum())


def normalise_identifier(value: str | None) -> str:
    """Personal, document and business numbers and VINs: upper case, letters and digits only, Cyrillic
    look-alikes read as Latin, other marks dropped (no name rules: "Q" stays "Q")."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value).upper().translate(_PLATE_LOOKALIKES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return "".join(ch for ch in text if ch.isalnum())


# --- dates of birth ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartialDate:
    """A date of birth as known: a full date, a month and year, or a year (maybe approximate)."""

    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    def __post_init__(self) -> None:
        if not 1800 <= self.year <= 2200:
            raise ValueError("year out of range")
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError("month out of range")
        if self.day is not None:
            dt.date(self.year, self.month or 1, self.day)  # raises ValueError for 31.02.

    @property
    def is_full(self) -> bool:
        return self.day is not None and not self.approximate

    def as_date(self) -> dt.date | None:
        return dt.date(self.year, self.month, self.day) if self.day is not None and self.month is not None else None

    @classmethod
    def from_date(cls, value: dt.date) -> PartialDate:
        return cls(value.year, value.month, value.day)


_DATE_FORMATS = (
    re.compile(r"^(?P<day>\d{1,2})[./-](?P<month>\d{1,2})[./-](?P<year>\d{4})\.?$"),
    re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$"),
    re.compile(r"^(?P<month>\d{1,2})[./-](?P<year>\d{4})\.?$"),
    re.compile(r"^(?P<year>\d{4})\.?$"),
)
_APPROXIMATE = re.compile(r"^(?:~|c\.|ca\.?|rreth|oko|около|about|approx\.?)\s*", re.IGNORECASE)


def parse_partial_date(text: str | None) -> PartialDate | None:
    """``"12.03.1980"``, ``"1980-03-12"``, ``"03.1980"``, ``"1980"``, ``"~1980"`` / ``"rreth 1980"`` /
    ``"oko 1980"`` (approximate). Empty → None; anything else raises ValueError."""
    value = (text or "").strip()
    if not value:
        return None
    approximate = False
    stripped = _APPROXIMATE.sub("", value)
    if stripped != value:
        approximate, value = True, stripped.strip()
    for pattern in _DATE_FORMATS:
        match = pattern.match(value)
        if match:
            parts = match.groupdict()
            day = int(parts["day"]) if parts.get("day") else None
            month = int(parts["month"]) if parts.get("month") else None
            return PartialDate(int(parts["year"]), month, day, approximate)
    raise ValueError(f"not a date: {text!r}")


def compare_dates(query: PartialDate | None, candidate: PartialDate | None) -> tuple[str, float]:
    """How two dates of birth relate: a reason code and a score adjustment.

    ``dob_equal``, ``dob_day_month_swapped``, ``dob_same_year`` (one side knows only the year),
    ``dob_within_year`` (one year apart, or approximate), ``dob_unknown`` (one side has none) and
    ``dob_differs`` (outside the tolerance: not the same person unless a number says otherwise).
    """
    if query is None or candidate is None:
        return "dob_unknown", 0.0
    if query.is_full and candidate.is_full:
        if (query.year, query.month, query.day) == (candidate.year, candidate.month, candidate.day):
            return "dob_equal", 0.15
        if query.year == candidate.year and query.day == candidate.month and query.month == candidate.day:
            return "dob_day_month_swapped", 0.1
    elif query.year == candidate.year and not (query.approximate or candidate.approximate):
        months_differ = query.month and candidate.month and query.month != candidate.month
        if not months_differ:
            return "dob_same_year", 0.1
    if abs(query.year - candidate.year) <= 1:
        return "dob_within_year", 0.05
    return "dob_differs", -1.0


# --- ranking ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """Why a candidate matched. ``rules`` lists rule codes for the name reasons; ``value`` a score."""

    code: str
    rules: tuple[str, ...] = ()
    value: float | None = None

    @property
    def rule_labels(self) -> list[str]:
        return rule_labels(self.rules)

    def __str__(self) -> str:  # English, for logs and tests; the interface translates the codes
        texts = {
            "personal_number_equal": "personal number equal",
            "document_equal": "document number equal",
            "name_same": "same name",
            "name_same_key": "same key after " + ", ".join(self.rule_labels),
            "name_same_loose": "same letters without č ć š ž đ"
            + (" after " + ", ".join(self.rule_labels) if self.rules else ""),
            "name_similar": f"similar name ({(self.value or 0):.2f})",
            "names_reordered": "names in another order",
            "dob_equal": "same date of birth",
            "dob_day_month_swapped": "date of birth with day and month swapped",
            "dob_same_year": "same year of birth",
            "dob_within_year": "DOB within 1 year",
        }
        return texts.get(self.code, self.code)


@dataclass(frozen=True)
class Query:
    name: str = ""
    date_of_birth: PartialDate | None = None
    personal_number: str = ""
    document_number: str = ""


@dataclass(frozen=True)
class Candidate:
    """A person as the ranking sees it. ``ref`` is whatever the caller needs back (a model row)."""

    ref: Any
    given_name: str = ""
    family_name: str = ""
    father_name: str = ""
    date_of_birth: PartialDate | None = None
    personal_number: str = ""
    document_numbers: tuple[str, ...] = ()
    #: Other spellings of the same person (a merged duplicate's name): matched like the name itself.
    other_names: tuple[tuple[str, str], ...] = ()


@dataclass
class Match:
    ref: Any
    score: float
    reasons: list[Reason] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(max(0.0, min(self.score, 1.0)) * 100)


#: Below this Jaro–Winkler similarity (averaged over the query's words) a name is not a match.
NAME_THRESHOLD = 0.88
LOOSE_SCORE = 0.97


def similarity(a: str, b: str) -> float:
    return float(JaroWinkler.normalized_similarity(a, b))


def _compare_tokens(query: Sequence[Token], given: Sequence[Token], others: Sequence[Token], family: Sequence[Token]) -> tuple[
    float, list[Reason]
]:
    """Match each query word with the best unused candidate word (given, father's, family name)."""
    pool: list[tuple[str, Token]] = [("given", t) for t in given] + [("other", t) for t in others] + [
        ("family", t) for t in family
    ]
    used: set[int] = set()
    total = 0.0
    kinds: list[str] = []
    matched_where: list[str] = []
    rules: set[str] = set()
    for q in query:
        best_index, best_score, best_kind = -1, 0.0, "none"
        for index, (_where, c) in enumerate(pool):
            if index in used:
                continue
            if q.written == c.written:
                score, kind = 1.0, "same"
            elif q.key == c.key:
                score, kind = 1.0, "key"
            elif q.loose == c.loose:
                score, kind = LOOSE_SCORE, "loose"
            else:
                score, kind = similarity(q.key, c.key), "similar"
            if score > best_score:
                best_index, best_score, best_kind = index, score, kind
        if best_index < 0:  # more words in the query than in the name
            kinds.append("none")
            matched_where.append("none")
            continue
        used.add(best_index)
        where, c = pool[best_index]
        matched_where.append(where)
        kinds.append(best_kind)
        if best_kind in ("key", "loose"):
            rules |= (q.rules | c.rules) - (q.rules & c.rules)
        total += best_score
    score = total / len(query)
    reasons: list[Reason] = []
    if all(k == "same" for k in kinds):
        reasons.append(Reason("name_same"))
    elif all(k in ("same", "key") for k in kinds):
        reasons.append(Reason("name_same_key", tuple(rule for rule in RULE_LABELS if rule in rules)))
    elif all(k in ("same", "key", "loose") for k in kinds):
        reasons.append(Reason("name_same_loose", tuple(rule for rule in RULE_LABELS if rule in rules)))
    else:
        reasons.append(Reason("name_similar", value=round(score, 2)))
    if len(query) >= 2 and matched_where[0] == "family" and "given" in matched_where[1:]:
        reasons.append(Reason("names_reordered"))
    return score, reasons


def compare_name(query_name: str, candidate: Candidate) -> tuple[float, list[Reason]]:
    """The best score of the query against the candidate's name (and its other spellings)."""
    query = tokens(query_name)
    if not query:
        return 0.0, []
    spellings = [(candidate.given_name, candidate.family_name), *candidate.other_names]
    best: tuple[float, list[Reason]] = (0.0, [])
    for given, family in spellings:
        result = _compare_tokens(query, tokens(given), tokens(candidate.father_name), tokens(family))
        if result[0] > best[0]:
            best = result
    return best


def rank(query: Query, candidates: Iterable[Candidate], *, threshold: float = NAME_THRESHOLD, limit: int = 50) -> list[Match]:
    """Candidates that match the query, best first, each with its reasons.

    A personal number or a document number that is equal makes a match whatever the name says; a name
    matches at ``threshold`` or above; a date of birth outside the tolerance rules a name match out.
    """
    personal_number = normalise_identifier(query.personal_number)
    document_number = normalise_identifier(query.document_number)
    matches: list[Match] = []
    for candidate in candidates:
        reasons: list[Reason] = []
        score = 0.0
        strong = False
        if personal_number and normalise_identifier(candidate.personal_number) == personal_number:
            reasons.append(Reason("personal_number_equal"))
            score += 1.0
            strong = True
        if document_number and document_number in {normalise_identifier(d) for d in candidate.document_numbers}:
            reasons.append(Reason("document_equal"))
            score += 0.8
            strong = True
        name_ok = False
        if query.name:
            name_score, name_reasons = compare_name(query.name, candidate)
            name_ok = name_score >= threshold
            if name_ok:
                reasons.extend(name_reasons)
                score += name_score
        if not (strong or name_ok):
            continue
        dob_code, dob_adjust = compare_dates(query.date_of_birth, candidate.date_of_birth)
        if dob_code == "dob_differs" and not strong:
            continue
        if dob_code not in ("dob_unknown", "dob_differs"):
            reasons.append(Reason(dob_code))
            score += dob_adjust
        elif dob_code == "dob_differs":
            score -= 0.2
        matches.append(Match(candidate.ref, round(score, 4), reasons))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]
