"""Units from ``units_template.csv`` (issue #7 point 1 leftover): the ``units`` import type validates each
row against the uploader's institution with a row-by-row report in the reader's language, and promotes all
rows through the audited ``unit_create`` service or none."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from kssp.accounts.imports import UNITS_IMPORT
from kssp.accounts.models import Unit
from kssp.accounts.testing import make_person
from kssp.core.exceptions import ApplicationError
from kssp.core.imports import services
from kssp.core.imports.messages import render_all
from kssp.core.imports.models import ImportStatus, StagedRow
from kssp.core.models import AuditEvent

pytestmark = pytest.mark.django_db

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "units_template.csv"
HEADER = ["institution", "code", "parent", "kind", "name_sq", "name_sr", "name_en", "source"]


def row(code: str, **change: str) -> dict[str, str]:
    return {"institution": "DK", "code": code, "parent": "", "kind": "office", "name_sq": f"Dogana {code}",
            "name_sr": f"Carinarnica {code}", "name_en": f"Customs office {code}",
            "source": "https://dogana.rks-gov.net (page of the offices)", **change}


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for r in rows:
        writer.writerow([r.get(name, "") for name in HEADER])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def dk_admin(world):
    return make_person("dk_admin", institution="DK", role="administrator")


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    def run(person, content: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            batch = services.import_batch_create(actor=person.actor, import_type_code="units", filename="units.csv",
                                                 content=content)
        batch.refresh_from_db()
        return batch

    return run


def report(batch, language="en") -> dict[int, dict[str, str]]:
    out = {}
    with translation.override(language):
        for staged in StagedRow.objects.filter(batch=batch, has_errors=True).order_by("row_number"):
            out[staged.row_number] = {m["field"]: m["message"] for m in render_all(staged.errors)}
    return out


def test_the_shipped_template_has_the_import_types_columns():
    with TEMPLATE.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == [c.name for c in UNITS_IMPORT.columns] == HEADER


def test_good_rows_become_units_under_their_parents_with_their_source_audited(world, dk_admin, upload):
    zl = Unit.objects.get(institution__code="DK", code="ZL")
    batch = upload(dk_admin, csv_bytes([row("DOG-PR"), row("TERM-MIT", parent="zl", kind="crossing_point", institution="")]))
    assert (batch.status, batch.rows_valid, batch.rows_invalid) == (ImportStatus.VALIDATED, 2, 0)
    assert not Unit.objects.filter(code__in=["DOG-PR", "TERM-MIT"]).exists()  # staged only

    batch = services.import_batch_promote(actor=dk_admin.actor, batch=batch)

    assert (batch.status, batch.records_created) == (ImportStatus.PROMOTED, 2)
    office = Unit.objects.get(institution__code="DK", code="DOG-PR")
    terminal = Unit.objects.get(institution__code="DK", code="TERM-MIT")
    assert office.parent.code == "HQ" and office.path.startswith(office.parent.path)
    assert (terminal.parent, terminal.kind, terminal.name_en) == (zl, "crossing_point", "Customs office TERM-MIT")
    assert terminal.path.startswith(zl.path) and terminal.depth == zl.depth + 1
    events = AuditEvent.objects.filter(event_type="unit.created").order_by("seq")
    assert [e.payload["after"]["code"] for e in events] == ["DOG-PR", "TERM-MIT"]
    assert all(e.actor_id == dk_admin.user.pk and e.payload["after"]["source"].startswith("https://dogana") for e in events)


def test_bad_rows_are_reported_row_by_row_and_nothing_is_imported(world, dk_admin, upload):
    rows = [
        row("DOG-FE"),  # good
        row("DOG-GJ", institution="KP"),  # another institution
        row("DOG-PZ", parent="NO-SUCH"),  # unknown parent
        row("zl"),  # the code of an existing unit (case does not matter)
        row("DOG-MI", name_en=""),  # a required name missing
        row("DOG-PE", kind="castle"),  # not a kind of unit
        row("DOG-KA", source=""),  # no source
    ]
    batch = upload(dk_admin, csv_bytes(rows))
    assert (batch.status, batch.rows_valid, batch.rows_invalid) == (ImportStatus.INVALID, 1, 6)
    found = report(batch)
    assert {n: set(fields) for n, fields in found.items()} == {
        2: {"institution"}, 3: {"parent"}, 4: {"code"}, 5: {"name_en"}, 6: {"kind"}, 7: {"source"},
    }  # data rows are numbered from 1
    assert "(DK)" in found[2]["institution"] and "NO-SUCH" in found[3]["parent"]
    assert "DK" in report(batch, "sq")[2]["institution"] and report(batch, "sq")[2] != found[2]  # translated
    with pytest.raises(ApplicationError):
        services.import_batch_promote(actor=dk_admin.actor, batch=batch)
    assert not Unit.objects.filter(code="DOG-FE").exists()


def test_a_code_twice_in_the_file_fails_at_promotion_and_leaves_no_unit(world, dk_admin, upload):
    batch = upload(dk_admin, csv_bytes([row("DOG-A"), row("DOG-B"), row("DOG-A", name_en="Again")]))
    assert batch.status == ImportStatus.VALIDATED  # each row alone is fine
    with pytest.raises(ApplicationError):
        services.import_batch_promote(actor=dk_admin.actor, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED and batch.failure["p"]["row"] == 3
    assert not Unit.objects.filter(code__in=["DOG-A", "DOG-B"]).exists()
    assert not AuditEvent.objects.filter(event_type="unit.created").exists()


def test_only_administrators_import_units(world):
    with pytest.raises(ApplicationError) as refused:
        services.import_batch_create(actor=world.customs.actor, import_type_code="units", filename="u.csv",
                                     content=csv_bytes([row("DOG-X")]))
    assert "import_type" in refused.value.fields


def test_the_command_reports_row_by_row_and_imports_all_or_nothing(world, dk_admin, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([row("DOG-C1"), row("DOG-C2", parent="NO-SUCH")]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 2 rows have errors"):
        call_command("import_units", str(bad), "--user", "dk_admin", stdout=out, stderr=out)
    assert "row 2" in out.getvalue().lower() and "NO-SUCH" in out.getvalue()
    assert not Unit.objects.filter(code__startswith="DOG-C").exists()

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([row("DOG-C1"), row("DOG-C2", parent="ZL")]))
    out = io.StringIO()
    call_command("import_units", str(good), "--user", "dk_admin", stdout=out)
    assert set(Unit.objects.filter(code__startswith="DOG-C").values_list("code", flat=True)) == {"DOG-C1", "DOG-C2"}
    assert "2" in out.getvalue()
