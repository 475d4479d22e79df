"""PDF and XLSX exports as people read them (issue #7 point 2): "PDF exports break words inside table
cells ('Classificatio|n', 'BUL-KP-202|6-000004'), leave the bulletin text out, and two exports in the
same minute get the same file name (in English in every language)"; dates dd.mm.yyyy in the PDF, ISO 8601
in CSV, real date cells in XLSX."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kssp.core.exports.services import export_registered
from kssp.core.exports.tests.conftest import csv_rows, make_bulletin, pdf_text, read_xlsx

pytestmark = pytest.mark.django_db


def run(person, fmt="pdf", language="en"):
    return export_registered(actor=person.actor, name="bulletins", filters={}, format=fmt, purpose="Weekly lookout summary",
                             recipient="Head of NJKT", language=language)


def words_of(text: str) -> set[str]:
    return set(re.findall(r"\S+", text))


def test_pdf_cells_never_break_a_word_and_the_bulletin_text_is_printed(world):
    make_bulletin(world.kp_investigator, number="BUL-KP-2026-000004", title="Grey Golf at Merdare",
                  body="A grey Golf with plates 01-123-AB crossed Merdare towards Kuršumlija at night.",
                  valid_until=dt.date(2026, 12, 7))
    text = pdf_text(run(world.kp_investigator).content)
    found = words_of(text)
    # Whole words in the text layer (a broken word would be read as two pieces on two lines).
    for word in ("BUL-KP-2026-000004", "Classification", "Owning", "institution", "Kuršumlija", "01-123-AB"):
        assert word in found, (word, text)
    assert "Classificatio" not in found and "BUL-KP-202" not in found
    # The bulletin's text, under its row.
    assert "Text: A grey Golf with plates" in " ".join(text.split())
    # A person reads dates as dd.mm.yyyy.
    assert "07.12.2026" in found and "2026-12-07" not in text


def test_two_exports_in_the_same_minute_have_different_names_in_the_exports_language(world):
    make_bulletin(world.kp_investigator)
    first, second = run(world.kp_investigator), run(world.kp_investigator)
    assert first.filename != second.filename
    assert re.fullmatch(r"bulletins-\d{8}-\d{6}-\d+\.pdf", first.filename), first.filename
    assert run(world.kp_investigator, language="sq").filename.startswith("buletin")
    assert run(world.kp_investigator, language="sr-latn").filename.startswith("bilten")


def test_dates_are_iso_in_csv_and_real_dates_in_xlsx(world):
    make_bulletin(world.kp_investigator, number="D-1", valid_until=dt.date(2026, 12, 7))
    rows = csv_rows(run(world.kp_investigator, fmt="csv").content)
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Number")
    column = rows[header].index("Valid until")
    assert rows[header + 1][column] == "2026-12-07"
    sheet = read_xlsx(run(world.kp_investigator, fmt="xlsx").content).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == dt.datetime(2026, 12, 7) or c.value == dt.date(2026, 12, 7)]
    assert cells and cells[0].is_date
    assert "dd.mm.yyyy" in cells[0].number_format.lower()
