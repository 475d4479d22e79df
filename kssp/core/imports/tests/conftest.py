"""Fixtures of the import tests: the import type of the kernel's test record type (kssp/core/testing/
recordkind, so that the kernel's tests need no domain module), CSV/XLSX builders, and running the worker."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

HEADER = ["kind", "title", "body", "classification", "handling_code", "valid_until", "contains_personal_data"]


def sample_row(n: int, **overrides: Any) -> dict[str, str]:
    row = {
        "kind": "notice", "title": f"Stolen rifle {n}", "body": f"Serial AK-{n:06d} reported stolen.",
        "classification": "1", "handling_code": "", "valid_until": "", "contains_personal_data": "0",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def csv_bytes(rows: list[dict[str, str]], *, header: list[str] | None = None, delimiter: str = ",", bom: bool = False) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    header = header or HEADER
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    text = out.getvalue()
    return (("\ufeff" + text) if bom else text).encode("utf-8")


def xlsx_bytes(rows: list[list[Any]], *, header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header or HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def sample_import_type():
    """The import type the kernel derives from the test record type's declaration (``Imports``)."""
    from kssp.core.imports.registry import derive, register_import_type
    from kssp.core.records import declaration_for
    from kssp.core.testing.recordkind.models import SampleRecord

    return register_import_type(derive(declaration_for(SampleRecord)))


@pytest.fixture
def sample_model():
    from kssp.core.testing.recordkind.models import SampleRecord

    return SampleRecord


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """``upload(person, content, name=...)``: the upload service, then the worker (the immediate task
    backend runs it when the upload commits). Returns the batch, refreshed."""
    from kssp.core.imports.services import import_batch_create

    def run(person, content: bytes, name: str = "samples.csv", code: str = "samples"):
        with django_capture_on_commit_callbacks(execute=True):
            batch = import_batch_create(actor=person.actor, import_type_code=code, filename=name, content=content)
        batch.refresh_from_db()
        return batch

    return run
