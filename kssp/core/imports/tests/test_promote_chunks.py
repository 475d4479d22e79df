"""Chunked promotion (issue #7 point 3, #6 point 8): records written chunk by chunk stay hidden from
both faces of the policy until the final switch; a refusal in a later chunk leaves no record and no
event; the bulk path writes what the row-by-row service writes, with numbers reserved in one block."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.conf import settings
from django.test import override_settings

from kssp.core.audit import payload_for, verify_chain
from kssp.core.exceptions import ApplicationError
from kssp.core.imports import services
from kssp.core.imports.models import ImportStatus
from kssp.core.imports.tests.conftest import csv_bytes, sample_row
from kssp.core.models import AuditEvent
from kssp.core.records.registry import declaration_for

pytestmark = pytest.mark.django_db


def test_records_an_import_is_still_writing_are_hidden_from_both_faces_until_the_switch(world, sample_model):
    from kssp.core.testing.recordkind.services import writes

    person = world.kp_investigator
    records, entries = writes.create_many(actor=person.actor, rows=[{"title": "Hidden", "body": "B"}], import_pending=987)
    record = records[0]
    declaration = declaration_for(sample_model)
    assert declaration is not None
    for who in (person, world.aki, world.kp_investigator_other):
        assert not sample_model.objects.visible_to(who.actor).exists()
        assert not declaration.can(who.actor, "view", record)
    assert [e.event for e in entries] == ["samplerecord.created"]
    assert not AuditEvent.objects.filter(event_type="samplerecord.created").exists()  # returned, not written

    sample_model.objects.unscoped(reason="test").filter(pk=record.pk).update(import_pending=None)
    record.refresh_from_db()
    assert sample_model.objects.visible_to(person.actor).get() == record
    assert declaration.can(person.actor, "view", record)


@override_settings(KSSP={**settings.KSSP, "IMPORT_PROMOTE_CHUNK": 2})
def test_a_refusal_in_a_later_chunk_leaves_no_record_and_no_event(world, upload, sample_model):
    person = world.kp_investigator
    rows = [sample_row(n) for n in range(1, 8)]
    rows[5]["classification"] = "3"  # row 6, in the third chunk of two
    apps.get_model("accounts", "Clearance").objects.filter(user=person.user).update(level=3)
    batch = upload(person, csv_bytes(rows))
    assert batch.status == ImportStatus.VALIDATED
    apps.get_model("accounts", "Clearance").objects.filter(user=person.user).update(level=2)  # lowered meanwhile
    events_before = AuditEvent.objects.count()

    with pytest.raises(ApplicationError) as refused:
        services.import_batch_promote(actor=person.actor, batch=batch)

    assert refused.value.code == "promotion_failed" and "Row 6" in str(refused.value.message)
    assert not sample_model.objects.unscoped(reason="test").exists()  # chunks 1 and 2 were removed
    assert AuditEvent.objects.count() == events_before
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED and batch.lease_token == "" and batch.failure["p"]["row"] == 6

    apps.get_model("accounts", "Clearance").objects.filter(user=person.user).update(level=3)
    batch = services.import_batch_promote(actor=person.actor, batch=batch)
    assert batch.status == ImportStatus.PROMOTED and sample_model.objects.visible_to(person.actor).count() == 7
    assert verify_chain().ok


@override_settings(KSSP={**settings.KSSP, "IMPORT_PROMOTE_CHUNK": 3})
def test_the_bulk_path_writes_what_the_service_writes_row_by_row(world, upload, sample_model):
    from kssp.core.testing.recordkind.services import samplerecord_create

    person = world.kp_investigator
    one = samplerecord_create(actor=person.actor, title="Stolen rifle 0", body="Serial AK-000000 reported stolen.",
                              classification=1)
    batch = upload(person, csv_bytes([sample_row(n) for n in range(1, 8)]))
    services.import_batch_promote(actor=person.actor, batch=batch)

    records = list(sample_model.objects.visible_to(person.actor).order_by("pk"))
    assert len(records) == 8 and records[0] == one
    prefix = one.number.rsplit("-", 1)[0]
    # Numbers: the block follows the single one, consecutive, in row order, over three chunks.
    assert [r.number for r in records] == [f"{prefix}-{n:06d}" for n in range(int(one.number[-6:]), int(one.number[-6:]) + 8)]
    fields = ("kind", "classification", "handling_code", "valid_until", "contains_personal_data", "owner_institution_id",
              "owner_unit_id", "created_by_id", "import_pending")
    assert {tuple(getattr(r, f) for f in fields) for r in records} == {tuple(getattr(one, f) for f in fields)}
    events = list(AuditEvent.objects.filter(event_type="samplerecord.created").order_by("seq"))
    assert [e.target_public_id for e in events] == [r.public_id for r in records]
    assert set(payload_for(events[0])) == set(payload_for(events[1]))  # the same snapshot for either path
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None and last.event_type == "import.promoted" and last.seq == events[-1].seq + 1
    assert verify_chain().ok
