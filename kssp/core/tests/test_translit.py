"""Serbian Latin → Cyrillic (the sr-cyrl catalogue and Cyrillic reference names are derived)."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from kssp.core.reference_data import cyrillic_to_latin
from kssp.core.translit import latin_only_pair, latin_to_cyrillic

_CYRILLIC_WORD = re.compile(r"[\u0400-\u04ff]+")


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("Džemajl Ćerimi", "Џемајл Ћерими"),
        ("Ljubljana i Njegoš", "Љубљана и Његош"),
        ("NJEGOŠ", "ЊЕГОШ"),
        ("Đakovica", "Ђаковица"),
        ("Nije pronađeno.", "Није пронађено."),
        ("injekcija", "инјекција"),  # reviewed exception: n+j are two letters here
    ],
)
def test_letters_and_digraphs(latin, cyrillic):
    assert latin_to_cyrillic(latin) == cyrillic


def test_placeholders_markup_acronyms_and_foreign_words_are_kept():
    text = "Prijava %(name)s {count} <b>TLP</b> za XK, vidi https://example.org/x i API ključ"
    out = latin_to_cyrillic(text)
    assert "%(name)s" in out and "{count}" in out and "<b>TLP</b>" in out
    assert "XK" in out and "https://example.org/x" in out and "API" in out
    assert out.startswith("Пријава") and "кључ" in out


def test_placeholders_with_a_precision_are_kept():
    assert latin_to_cyrillic("trajalo %(seconds).1f s, %(n)05d puta") == "трајало %(seconds).1f с, %(n)05d пута"


# --- issue #7 point 1: Latin product names, file types, hyphenated acronyms and record numbers ------------


@pytest.mark.parametrize(
    "latin",
    [
        "KOS-CERT",
        "Google Authenticator",
        "FreeOTP",
        "Office",
        "PDF, PNG, JPEG, TIFF, ZIP, RAR, 7-Zip, SVG, HEIC, BMP",
        "BUL-KP-2026-000001",
        "crypto-shredding",
        "break-glass",
    ],
)
def test_product_names_file_types_hyphenated_acronyms_and_record_numbers_stay_latin(latin):
    assert latin_to_cyrillic(latin) == latin
    assert latin_to_cyrillic(f"vidi {latin}.") == f"види {latin}."


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("DD.MM.GGGG", "ДД.ММ.ГГГГ"),  # a date mask is Serbian text, not an acronym
        ("GGGG-MM-DD", "ГГГГ-ММ-ДД"),
        ("PIN-ova", "PIN-ова"),  # a case ending after a Latin acronym is Serbian
        ("MUP-a", "МУП-а"),  # a Serbian acronym is written in Cyrillic
        ("najjači", "најјачи"),  # "jj" is a Serbian pair
        ("prethodni neophodno", "претходни неопходно"),  # t+h and p+h across a morpheme are Serbian
    ],
)
def test_serbian_words_next_to_the_kept_latin_are_still_transliterated(latin, cyrillic):
    assert latin_to_cyrillic(latin) == cyrillic


# The rule the whole catalogue is checked against, written out here independently of the generator:
# a Latin word is foreign (must stay Latin) when it holds a letter Serbian does not have (q, w, x, y) or a
# letter pair that Serbian Latin spelling never writes: a doubled consonant other than "jj", "ck" or "gh".
# Words made of one repeated letter (date masks "DD", "GGGG") are exempt.
_FOREIGN = re.compile(r"[qwxy]|([bcdfghklmnprstvzž])\1|ck|gh", re.IGNORECASE)
# Foreign words without such a pair, named in issue #7: they must never come out in Cyrillic either.
_KNOWN_LATIN = {
    "google",
    "authenticator",
    "freeotp",
    "aegis",
    "office",
    "png",
    "jpeg",
    "tiff",
    "zip",
    "rar",
    "svg",
    "heic",
    "bmp",
    "gif",
    "gzip",
    "break",
    "glass",
    "bul",
}


def _latin_only(word: str) -> bool:
    lower = word.lower()
    return len(set(lower)) > 1 and (_FOREIGN.search(lower) is not None or lower in _KNOWN_LATIN)


def test_latin_only_rule_flags_what_serbian_never_writes():
    assert latin_only_pair("Office") == "ff" and latin_only_pair("glass") == "ss" and latin_only_pair("TAXII") == "x"
    assert latin_only_pair("najjači") is None and latin_only_pair("GGGG") is None and latin_only_pair("prethodni") is None
    assert all(_latin_only(w) for w in ("Office", "Google", "TIFF", "FreeOTP", "glass"))


def test_no_cyrillic_word_of_the_derived_catalogue_comes_from_a_latin_only_word():
    """Every Cyrillic word of the derived sr_Cyrl catalogue, read back into Latin, must be a word Serbian
    could write: no q/w/x/y, no Latin-only pair, none of the product names and file types of issue #7."""
    source = polib.pofile(str(Path(settings.LOCALE_PATHS[0]) / "sr_Latn" / "LC_MESSAGES" / "django.po"))
    flagged: dict[str, str] = {}
    for entry in source:
        for text in (entry.msgstr, *entry.msgstr_plural.values()):
            for cyrillic_word in _CYRILLIC_WORD.findall(latin_to_cyrillic(text or "")):
                latin = cyrillic_to_latin(cyrillic_word)
                if _latin_only(latin):
                    flagged[cyrillic_word] = entry.msgid
    assert not flagged, flagged


@pytest.mark.django_db
def test_reference_names_in_cyrillic_keep_kos_cert_latin():
    """Reference data is derived by the same generator: KOS-CERT keeps its Latin name in a Cyrillic name."""
    from django.apps import apps

    cert = apps.get_model("accounts", "Institution").objects.get(code="KOS-CERT")
    assert cert.name_sr_cyrl.endswith("(KOS-CERT)") and cert.name_sr_cyrl.startswith("Национални тим")
