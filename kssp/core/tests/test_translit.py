"""Serbian Latin → Cyrillic (the sr-cyrl catalogue and Cyrillic reference names are derived)."""

from __future__ import annotations

import pytest

from kssp.core.translit import latin_to_cyrillic


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
