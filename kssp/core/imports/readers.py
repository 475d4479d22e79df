"""Reading import files: CSV (UTF-8, with or without a byte-order mark, delimiter sniffed) and XLSX
(openpyxl in read-only mode, formulas read as their text and never computed).

The type is decided by the content, not the name: an XLSX is a ZIP holding a workbook; anything else
must be UTF-8 text. A name that says otherwise is refused, as are old ``.xls`` workbooks, PDFs and
other binaries. Every problem is a ``FileRefused`` with a message for the person who uploaded it.

Rows are numbered as the spreadsheet shows them below the header (the first row under the header is
row 1); completely empty rows are skipped but keep their number, so the report points at the same
row the user sees. Reading is deterministic, which is what lets validation resume after a crash by
skipping the rows already staged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from kssp.core.imports.messages import Msg

CSV = "csv"
XLSX = "xlsx"
DELIMITERS = (",", ";", "\t", "|")
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and .doc)
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")
MAX_CELL_CHARS = 100_000
MAX_BLANK_ROWS = 10_000  # empty rows tolerated beyond the row limit before the file is refused


class FileRefused(Exception):
    def __init__(self, message: Msg) -> None:
        self.message = message
        super().__init__(str(message.text))


@dataclass(frozen=True)
class FileInfo:
    file_format: str
    delimiter: str
    header: list[str]
    rows_total: int


def _extension(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def detect_format(content: bytes, filename: str) -> str:
    """``csv`` or ``xlsx`` from the bytes; a name that disagrees with them is refused."""
    ext = _extension(filename)
    if not content:
        raise FileRefused(Msg(_("The file is empty.")))
    if content.startswith(OLE2_MAGIC):
        raise FileRefused(Msg(_("This is an old Excel (.xls) file. Save it as .xlsx or as “CSV UTF-8” and upload it again.")))
    if content.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                is_workbook = "xl/workbook.xml" in archive.namelist()
        except zipfile.BadZipFile:
            is_workbook = False
        if not is_workbook:
            raise FileRefused(Msg(_("The file is a ZIP archive, not an Excel workbook or a CSV file.")))
        if ext != XLSX:
            raise FileRefused(Msg(_("The file is an Excel workbook but its name ends in “.%(ext)s”. Name it .xlsx."), ext=ext))
        return XLSX
    if content.startswith(BINARY_MAGIC) or b"\x00" in content[:65536]:
        raise FileRefused(Msg(_("The file is not a CSV or XLSX file (its content is binary).")))
    if ext not in (CSV, "txt"):
        raise FileRefused(Msg(_("Only .csv and .xlsx files can be imported (this one ends in “.%(ext)s”)."), ext=ext or "—"))
    return CSV


# --- CSV ----------------------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            Msg(_("The file is not UTF-8 text (byte %(position)s). In the spreadsheet, save it as “CSV UTF-8”."),
                position=exc.start)
        ) from None
    if "\x00" in text:
        raise FileRefused(Msg(_("The file is not a CSV or XLSX file (its content is binary).")))
    return text


def _first_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def sniff_delimiter(text: str, known: set[str]) -> str:
    """The delimiter that splits the header into the most known column names (Sniffer breaks ties)."""
    line = _first_line(text)
    scores = []
    for delimiter in DELIMITERS:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        names = {normalise_name(cell) for cell in cells}
        scores.append((len(names & known), len(cells), delimiter))
    best = max(scores, key=lambda s: (s[0], s[1] if s[0] else 0))
    if best[0]:
        return best[2]
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def _csv_records(text: str, delimiter: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    line = 0
    try:
        for record in reader:
            line = reader.line_num
            yield record
    except csv.Error as exc:
        raise FileRefused(Msg(_("The CSV file cannot be read after line %(line)s: %(error)s."), line=line, error=str(exc))) from None


# --- XLSX ----------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_records(content: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula cell gives its formula text ("=A1*2"), never a computed value.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged workbook
        raise FileRefused(Msg(_("The Excel workbook cannot be read. Save it again as .xlsx or as “CSV UTF-8”."))) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            return
        for row in sheet.iter_rows(values_only=True):
            cells = [_cell_text(value) for value in row]
            while cells and cells[-1] == "":
                cells.pop()
            yield cells
    except FileRefused:
        raise
    except Exception:  # noqa: BLE001
        raise FileRefused(Msg(_("The Excel workbook cannot be read. Save it again as .xlsx or as “CSV UTF-8”."))) from None
    finally:
        workbook.close()


# --- both ------------------------------------------------------------------------------------------------


def normalise_name(cell: str) -> str:
    return cell.strip().lstrip("\ufeff").strip().casefold().replace(" ", "_")


def records(content: bytes, file_format: str, delimiter: str) -> Iterator[list[str]]:
    """Every record of the file, the header first."""
    if file_format == XLSX:
        yield from _xlsx_records(content)
    else:
        yield from _csv_records(_decode(content), delimiter or ",")


def _check_cells(cells: list[str], row_number: int) -> None:
    for cell in cells:
        if len(cell) > MAX_CELL_CHARS:
            raise FileRefused(Msg(_("Row %(row)s has a cell longer than %(limit)s characters."), row=row_number,
                                  limit=MAX_CELL_CHARS))


def data_rows(content: bytes, file_format: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells)`` for every non-empty row below the header."""
    iterator = records(content, file_format, delimiter)
    next(iterator, None)  # the header
    for number, cells in enumerate(iterator, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        _check_cells(cells, number)
        yield number, cells


def inspect(content: bytes, filename: str, *, known_columns: list[str], required: list[str], max_rows: int) -> FileInfo:
    """Check the file's type, header and size in rows; the header is returned as column names."""
    file_format = detect_format(content, filename)
    delimiter = ""
    if file_format == CSV:
        delimiter = sniff_delimiter(_decode(content), set(known_columns))
    iterator = records(content, file_format, delimiter)
    first = next(iterator, None)
    if first is None or not any(cell.strip() for cell in first):
        raise FileRefused(Msg(_("The file has no header row. The first row must name the columns: %(columns)s."),
                              columns=", ".join(known_columns)))
    header = [normalise_name(cell) for cell in first]
    while header and header[-1] == "":
        header.pop()
    unknown = [name or "—" for name in header if name not in known_columns]
    if unknown:
        raise FileRefused(Msg(_("Unknown columns: %(unknown)s. The columns of this import are: %(columns)s."),
                              unknown=", ".join(unknown), columns=", ".join(known_columns)))
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise FileRefused(Msg(_("These columns appear more than once: %(columns)s."), columns=", ".join(duplicates)))
    missing = [name for name in required if name not in header]
    if missing:
        raise FileRefused(Msg(_("The file lacks required columns: %(columns)s."), columns=", ".join(missing)))
    total = 0
    too_many = Msg(_("The file has more than %(limit)s rows. Split it into several imports."), limit=max_rows)
    for number, cells in enumerate(iterator, start=1):
        if number > max_rows + MAX_BLANK_ROWS:
            raise FileRefused(too_many)  # mostly empty rows (a sheet formatted far down, or a ZIP bomb)
        if not any(cell.strip() for cell in cells):
            continue
        _check_cells(cells, number)
        total += 1
        if total > max_rows:
            raise FileRefused(too_many)
    if total == 0:
        raise FileRefused(Msg(_("The file has a header but no rows.")))
    return FileInfo(file_format, delimiter, header, total)
