"""Reading import files: type by content, encodings, delimiters, header checks, row numbering."""

from __future__ import annotations

import io
import zipfile

import pytest

from kssp.core.imports import readers
from kssp.core.imports.messages import render, stored
from kssp.core.imports.tests.conftest import HEADER, csv_bytes, sample_row, xlsx_bytes

REQUIRED = ["title", "body"]


def inspect(content, name="file.csv", max_rows=1000):
    return readers.inspect(content, name, known_columns=HEADER, required=REQUIRED, max_rows=max_rows)


def refusal(content, name="file.csv", **kw):
    with pytest.raises(readers.FileRefused) as caught:
        inspect(content, name, **kw)
    return render(stored("", caught.value.message))


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_with_or_without_bom_and_any_usual_delimiter(delimiter, bom):
    content = csv_bytes([sample_row(1), sample_row(2, title="Vjedhje; armë, “Zastava”")], delimiter=delimiter, bom=bom)
    info = inspect(content)
    assert (info.file_format, info.delimiter, info.header, info.rows_total) == ("csv", delimiter, HEADER, 2)
    rows = list(readers.data_rows(content, info.file_format, info.delimiter))
    assert rows[1][1][1] == "Vjedhje; armë, “Zastava”"


def test_header_names_are_matched_without_case_or_padding():
    content = b"  Title ,BODY\r\nT,B\r\n"
    assert inspect(content).header == ["title", "body"]


def test_empty_rows_are_skipped_but_keep_their_number():
    content = b"title,body\r\nA,a\r\n,\r\n\r\nB,b\r\n"
    info = inspect(content)
    assert info.rows_total == 2
    assert [n for n, _cells in readers.data_rows(content, "csv", ",")] == [1, 4]


def test_xlsx_is_read_with_formulas_as_text_and_typed_cells_as_text():
    import datetime as dt

    content = xlsx_bytes([["notice", "=1+2", "body", 2, None, dt.date(2030, 1, 31), True]])
    info = inspect(content, "list.xlsx")
    assert (info.file_format, info.rows_total) == ("xlsx", 1)
    [(number, cells)] = list(readers.data_rows(content, "xlsx", ""))
    assert number == 1
    assert cells == ["notice", "=1+2", "body", "2", "", "2030-01-31", "1"]


def test_a_file_not_in_utf8_is_refused_with_advice():
    content = "title,body\r\nVjedhje,çështje\r\n".encode("cp1250")
    assert "CSV UTF-8" in refusal(content)


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "list.csv", "binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "list.xls", ".xls"),
        (b"", "list.csv", "empty"),
        (b"title,body\r\nA,B\r\n", "list.pdf", "“.pdf”"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_refused(content, name, expected):
    assert expected in refusal(content, name)


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.txt", "x")
    assert "ZIP" in refusal(out.getvalue(), "list.xlsx")


def test_a_workbook_named_csv_is_refused():
    assert ".xlsx" in refusal(xlsx_bytes([["notice", "T", "B"]]), "list.csv")


def test_a_damaged_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-xml")
    assert "cannot be read" in refusal(out.getvalue(), "list.xlsx")


def test_unknown_missing_and_duplicate_columns_are_named():
    assert "colour" in refusal(b"title,body,colour\r\nA,B,red\r\n")
    assert "body" in refusal(b"title,kind\r\nA,notice\r\n")
    assert "title" in refusal(b"title,body,title\r\nA,B,C\r\n")


def test_a_file_with_only_a_header_or_nothing_is_refused():
    assert "no rows" in refusal(b"title,body\r\n")
    assert "header" in refusal(b"\r\n\r\n")


def test_too_many_rows_are_refused_before_anything_is_stored():
    content = csv_bytes([sample_row(n) for n in range(11)])
    assert "10" in refusal(content, max_rows=10)


def test_a_sheet_of_mostly_empty_rows_is_refused(monkeypatch):
    monkeypatch.setattr(readers, "MAX_BLANK_ROWS", 5)
    content = b"title,body\r\n" + b",\r\n" * 20 + b"A,B\r\n"
    assert "more than 10 rows" in refusal(content, max_rows=10)


def test_a_giant_cell_is_refused_with_its_row():
    content = b"title,body\r\nA,B\r\nC," + b"x" * (readers.MAX_CELL_CHARS + 1) + b"\r\n"
    assert "Row 2" in refusal(content)


@pytest.mark.parametrize(
    ("text", "formula"),
    [
        ("=1+2", True), ("@SUM(A1)", True), ("+HYPERLINK(\"x\")", True), ("-2+3+cmd|' /C calc'!A0", True),
        ("\tlead", True), ("\r", True), (" =A1", True), ("\uff1dA1", True),
        ("-5", False), ("+383 44 123 456", False), ("Title", False), ("", False), ("e-mail", False), ("-", False),
    ],
)
def test_what_looks_like_a_formula(text, formula):
    from kssp.core.imports.registry import looks_like_formula

    assert looks_like_formula(text) is formula
