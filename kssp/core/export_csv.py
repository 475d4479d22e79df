"""CSV files that open safely in Excel and LibreOffice, and the headers every downloaded file gets.

* UTF-8 with a byte-order mark, so that Excel shows ë, ç, č, ć, đ and Cyrillic correctly;
* formula injection neutralised (OWASP "CSV Injection"): a text cell whose first character is
  ``= + - @``, a tab or a carriage return (or their full-width forms, which some spreadsheets also
  accept) gets a leading apostrophe, so the spreadsheet shows it as text instead of evaluating it;
* streamed row by row (``streaming_csv_response``): an export of the whole trail never sits in memory.

The export framework (``kssp.core.exports``) builds its CSV and XLSX files on ``neutralise`` and
``csv_lines`` and answers with ``file_response``. The caller decides what may be exported and records
the export (a disclosure) before the file is produced.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

BOM = "\ufeff"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> str:
    """The cell text for ``value``: None is empty; text that a spreadsheet would run as a formula is
    prefixed with an apostrophe. Numbers are written as they are (``-5`` stays a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS) or text.lstrip(" ").startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class _Echo:
    """A file-like object whose ``write`` returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The BOM, the header line, then one line per row, every cell neutralised."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield BOM + writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralise(cell) for cell in row])


def safe_filename(filename: str, default: str = "export.csv") -> str:
    """``filename`` reduced to ASCII letters, digits and ``-_.`` (a header value every client reads)."""
    return "".join(ch for ch in filename if ch.isascii() and (ch.isalnum() or ch in "-_.")) or default


def attachment(response: HttpResponseBase, filename: str, default: str = "export.csv") -> HttpResponseBase:
    """Mark ``response`` as a download that no cache keeps and no browser sniffs into another type."""
    response["Content-Disposition"] = f'attachment; filename="{safe_filename(filename, default)}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_response(filename: str, content: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    attachment(response, filename, default="export")
    return response


def streaming_csv_response(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    attachment(response, filename)
    return response
