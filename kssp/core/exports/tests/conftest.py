"""Helpers of the export tests. Bulletins are reached by name (``apps.get_model`` and the export
registry): the kernel, its tests included, imports no module."""

from __future__ import annotations

import io
import itertools
import subprocess

import openpyxl
import pytest
from django.apps import apps

from kssp.core.markings import Classification

_serial = itertools.count(1)


def make_bulletin(person, *, classification=Classification.RESTRICTED, handling_code="", status="draft", kind="notice", **extra):
    """A bulletin owned by ``person``'s unit, written straight to the table (arranging only)."""
    bulletin_model = apps.get_model("bulletins", "Bulletin")
    n = next(_serial)
    return bulletin_model.objects.create(
        owner_institution=person.membership.unit.institution,
        owner_unit=person.membership.unit,
        created_by=person.user,
        number=extra.pop("number", f"EXP-{n:05d}"),
        title=extra.pop("title", f"Lookout {n}"),
        body=extra.pop("body", "Grey Golf seen at Merdare."),
        classification=classification,
        handling_code=handling_code,
        status=status,
        kind=kind,
        **extra,
    )


def pdf_text(content: bytes) -> str:
    """The text layer of a PDF, as Debian's poppler-utils ``pdftotext`` reads it."""
    assert content.startswith(b"%PDF-"), content[:20]
    result = subprocess.run(  # noqa: S603 - a fixed command on bytes we made
        ["/usr/bin/pdftotext", "-enc", "UTF-8", "-layout", "-", "-"], input=content, capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode("utf-8")


def read_xlsx(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def sheet_rows(content: bytes, index: int = 0) -> list[list]:
    ws = read_xlsx(content).worksheets[index]
    return [[cell.value for cell in row] for row in ws.iter_rows()]


def csv_rows(content: bytes) -> list[list[str]]:
    import csv

    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def bulletin_factory():
    return make_bulletin
