"""An import type derived from a record type's declaration (issue #6, the bulletins' line goal): the
declaration says ``import_type = Imports(services.writes, ...)`` and the kernel builds the columns from
the model's fields and checks each row with the service's own rules (``RecordWrites.check_new``), so a
module writes neither its columns nor its row rules. Proven on the kernel's test record type, whose
import type is derived exactly as the bulletins' is."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone, translation

from kssp.core.imports.models import ImportStatus, StagedRow
from kssp.core.imports.registry import derive, import_type
from kssp.core.imports.tests.conftest import csv_bytes, sample_row
from kssp.core.imports.tests.test_flow import errors_of
from kssp.core.markings import Classification
from kssp.core.records import declaration_for
from kssp.core.testing.recordkind import services
from kssp.core.testing.recordkind.models import SampleKind, SampleRecord

pytestmark = pytest.mark.django_db


def field(name):
    return SampleRecord._meta.get_field(name)


def test_a_derived_import_takes_its_columns_from_the_model_fields_the_writes_accept(world, sample_import_type):
    spec = sample_import_type
    assert import_type("samples") is spec and spec.writes is services.writes
    assert [c.name for c in spec.columns] == list(services.writes.editable)  # the file's columns, in order
    columns = spec.column_map
    # Label, length and required-ness from the field (title: not blank, no default).
    assert str(columns["title"].label) == "Title" and columns["title"].required
    assert columns["title"].max_length == field("title").max_length == 200
    # A field with choices is a choice column with the field's choices, default and stored type.
    assert columns["kind"].kind == "choice" and list(columns["kind"].choices) == list(SampleKind.choices)
    assert columns["kind"].default == SampleKind.NOTICE and not columns["kind"].required
    assert columns["classification"].choices == field("classification").choices
    values, errors, _warnings = spec.parse_row(world.kp_investigator.actor, {"classification": "Restricted", "title": "A"})
    assert not errors and values["classification"] == Classification.RESTRICTED and values["kind"] == SampleKind.NOTICE
    # The kinds of dates, yes/no and free text; the kernel's help for the markings.
    assert (columns["valid_until"].kind, columns["contains_personal_data"].kind) == ("date", "boolean")
    assert columns["body"].free_text and not columns["title"].free_text and not columns["body"].required  # blank=True
    assert "clearance" in str(columns["classification"].help_text)
    # Permission and label from the declaration.
    declaration = declaration_for(SampleRecord)
    assert spec.permission == declaration.create_perm and str(spec.label) == declaration.plural_label


def test_a_declaration_may_choose_the_fields_and_override_a_column(world):
    declaration = declaration_for(SampleRecord)
    spec = dataclasses.replace(declaration.import_type, fields=("title", "valid_until"),
                               columns={"title": {"help_text": "Say what it is.", "max_length": 20}}, code="")
    derived = derive(type("Narrowed", (), {"import_type": spec, "model": SampleRecord, "create_perm": "x",
                                           "plural_label": "Narrowed"})())
    assert derived.code == "samplerecords" and [c.name for c in derived.columns] == ["title", "valid_until"]
    title = derived.column_map["title"]
    assert (title.help_text, title.max_length, title.required) == ("Say what it is.", 20, True)


def test_a_derived_import_refuses_a_row_the_service_would_refuse_with_a_field_error(world, upload, monkeypatch):
    person = world.kp_officer  # cleared for RESTRICTED only
    # A rule that exists only in the type's service (no column can know it): the row is refused by it.
    clean = services.SampleRecordWrites.clean

    def no_codenames(self, actor, data, record):
        errors = clean(self, actor, data, record)
        if "Nightjar" in str(data.get("title", "")):
            errors["title"] = ["Code names are not written into records."]
        return errors

    monkeypatch.setattr(services.SampleRecordWrites, "clean", no_codenames)
    rows = [
        sample_row(1),
        sample_row(2, title="Operation Nightjar"),
        sample_row(3, valid_until=(timezone.localdate() - dt.timedelta(days=1)).isoformat()),
        sample_row(4, classification=3),
    ]
    with translation.override("sq"):  # the worker's language is not the reader's
        batch = upload(person, csv_bytes(rows))
    assert (batch.status, batch.rows_valid, batch.rows_invalid) == (ImportStatus.INVALID, 1, 3)
    assert errors_of(batch, 2) == {"title": "Code names are not written into records."}
    assert errors_of(batch, 3) == {"valid_until": "The date is in the past."}
    assert errors_of(batch, 4) == {"classification": "You cannot mark a record above your own security clearance."}
    # Stored as msgids, shown in each reader's language (not frozen in the worker's Albanian).
    assert StagedRow.objects.get(batch=batch, row_number=3).errors[0]["m"] == "The date is in the past."
    with translation.override("sq"):
        albanian = translation.gettext("The date is in the past.")
    assert albanian != "The date is in the past." and errors_of(batch, 3, "sq") == {"valid_until": albanian}
    # The valid row is cleaned as the service would store it (an empty handling code as "").
    assert StagedRow.objects.get(batch=batch, row_number=1).cleaned["handling_code"] == ""
