"""CSV and XLSX files of an ``ExportDocument``.

Both start with the same preamble, so the marking is the first thing a reader sees:

1. the classification marking (highest classification of the exported rows, handling codes if any);
2. the designation: the institutional letterhead, or "Kosovo*" with its UNSCR 1244 footnote;
3. the title and the exporting institution;

then the column header and the rows. Every text cell goes through ``kssp.core.export_csv.neutralise``
(formula injection: a leading ``= + - @``, tab or CR gets an apostrophe); in XLSX such cells are also
stored with the string type, so no spreadsheet evaluates them. The XLSX sheet repeats the marking in
its printed header and footer, and an "About" sheet records who exported what, when, why and for whom.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from kssp.core.export_csv import csv_lines, neutralise
from kssp.core.exports.document import ExportDocument, as_text

XLSX_CELL_MAX = 32_000  # Excel refuses cells over 32,767 characters
XLSX_HEADER_MAX = 250  # a printed header or footer section holds at most 255 characters


def preamble(doc: ExportDocument) -> list[list[str]]:
    designation = doc.designation
    if doc.footnote:
        designation = f"{designation} — {doc.footnote}"
    title = doc.title if not doc.institution else f"{doc.title} — {doc.institution}"
    return [[doc.marking], [designation], [title]]


def write_csv(doc: ExportDocument) -> bytes:
    lines = preamble(doc)
    body: list[list[Any]] = [*lines[1:], doc.header, *([as_text(v) if isinstance(v, dt.date) else v for v in row] for row in doc.rows)]
    return "".join(csv_lines(lines[0], body)).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------------

_BOLD = Font(bold=True)
_MARKING = Font(bold=True, color="B00020")
_HEADER_FILL = PatternFill("solid", fgColor="E9ECEF")


def _text_cell(ws: WriteOnlyWorksheet, value: Any, *, font: Font | None = None, fill: PatternFill | None = None) -> WriteOnlyCell:
    text = neutralise(value)[:XLSX_CELL_MAX]
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # never a formula, whatever the text looks like
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _plain(value: Any) -> Any:
    """A data cell for ``ws.append``: numbers and dates as they are, text neutralised. openpyxl types a
    plain string as a formula only when it starts with "=", which a neutralised text never does; this
    is faster than a styled cell per value."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | dt.date):
        return neutralise(value)[:XLSX_CELL_MAX]
    return value


def _header_text(text: str) -> str:
    # "&" starts a control code in a header/footer section.
    return text.replace("&", "&&")[:XLSX_HEADER_MAX]


def _rows(ws: WriteOnlyWorksheet, doc: ExportDocument) -> Iterator[list[Any]]:
    lines = preamble(doc)
    yield [_text_cell(ws, lines[0][0], font=_MARKING)]
    yield [_text_cell(ws, lines[1][0], font=_BOLD)]
    yield [_text_cell(ws, lines[2][0])]
    yield [_text_cell(ws, label, font=_BOLD, fill=_HEADER_FILL) for label in doc.header]
    for row in doc.rows:
        yield [_date_cell(ws, value) if isinstance(value, dt.date) else _plain(value) for value in row]


def _date_cell(ws: WriteOnlyWorksheet, value: dt.date) -> WriteOnlyCell:
    """A real date cell (a date type in Excel, sortable and filterable), shown dd.mm.yyyy (#7 point 2)."""
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = "dd.mm.yyyy hh:mm" if isinstance(value, dt.datetime) else "dd.mm.yyyy"
    return cell


def _sheet_title(text: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in text).strip()
    return cleaned[:31] or "Sheet"


def write_xlsx(doc: ExportDocument) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(_("Data")))
    for index, column in enumerate(doc.columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, min(60, 14 * column.width))
    ws.freeze_panes = "A5"  # the preamble and the column header stay in view
    ws.oddHeader.center.text = _header_text(doc.marking)
    ws.oddFooter.center.text = _header_text(doc.marking)
    ws.oddFooter.right.text = "&P / &N"
    if doc.footnote:
        ws.oddFooter.left.text = _header_text(doc.footnote)
    for cells in _rows(ws, doc):
        ws.append(cells)

    about = wb.create_sheet(_sheet_title(pgettext("export sheet", "About this export")))
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 90
    about.oddHeader.center.text = _header_text(doc.marking)
    about.oddFooter.center.text = _header_text(doc.marking)
    about.append([_text_cell(about, doc.marking, font=_MARKING)])
    about.append([_text_cell(about, doc.designation, font=_BOLD)])
    for label, value in [(_("Title"), doc.title), *doc.meta]:
        about.append([_text_cell(about, label, font=_BOLD), _text_cell(about, value)])
    for detail in doc.marking_details:
        about.append([_text_cell(about, _("Handling code"), font=_BOLD), _text_cell(about, detail)])
    for note in doc.notes:
        about.append([_text_cell(about, _("Note"), font=_BOLD), _text_cell(about, note)])
    if doc.footnote:
        about.append([_text_cell(about, doc.footnote)])

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

