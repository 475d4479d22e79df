"""The kernel's service bases (issue #6 point 3), on the kernel's test record type: existence before
permission, markings checked once, owner from the actor, numbering, append-only refusal, automatic grants,
snapshots and the audit event in the same transaction, errors per field and nothing half-written."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from kssp.core.audit.testing import reason_of
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent
from kssp.core.models.grants import Grant
from kssp.core.parties.models import DocumentType, PersonDocument
from kssp.core.records import AutoGrant
from kssp.core.records.registry import declaration_for
from kssp.core.services.grants import grant_create
from kssp.core.services.records import RecordWrites
from kssp.core.testing.recordkind.models import SampleRecord
from kssp.core.testing.recordkind.services import writes
from kssp.core.testing.samples import sample

pytestmark = pytest.mark.django_db

GOOD = {"title": "Stolen pistol", "body": "Glock 17", "kind": "notice", "classification": Classification.RESTRICTED}


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=kind).order_by("seq"))


def test_create_takes_the_owner_from_the_actor_numbers_it_and_audits_the_snapshot(world):
    actor = world.kp_investigator.actor
    record = writes.create(actor=actor, **GOOD)
    assert (record.owner_institution_id, record.owner_unit_id) == (actor.institution_id, actor.unit_id)
    assert record.created_by == world.kp_investigator.user
    assert record.number.startswith("SMP-KP-")
    [event] = events("samplerecord.created")
    assert event.target_public_id == record.public_id


def test_the_client_cannot_choose_the_owner(world):
    customs = world.customs.membership.unit
    with pytest.raises(ApplicationError) as refused:
        writes.create(actor=world.kp_investigator.actor, owner_unit=customs, owner_institution=customs.institution, **GOOD)
    assert set(refused.value.fields) == {"owner_unit", "owner_institution"}
    assert not SampleRecord.objects.unscoped(reason="test").exists()


def test_create_needs_the_create_permission(world):
    with pytest.raises(PermissionDenied):
        writes.create(actor=world.kp_auditor.actor, **GOOD)


def test_markings_above_the_clearance_and_unknown_codes_are_field_errors_and_nothing_is_written(world):
    actor = world.kp_low_clearance.actor
    with pytest.raises(ApplicationError) as refused:
        writes.create(actor=actor, **{**GOOD, "classification": Classification.TOP_SECRET, "handling_code": "H9"})
    assert set(refused.value.fields) == {"classification", "handling_code"}
    assert "clearance" in refused.value.fields["classification"][0]
    assert not SampleRecord.objects.unscoped(reason="test").exists()
    assert not events("samplerecord.created")


def test_an_outsider_gets_not_found_before_any_permission_answer(world):
    record = writes.create(actor=world.kp_investigator.actor, **GOOD)
    with pytest.raises(NotFound):
        writes.update(actor=world.customs.actor, record=record, title="x")
    with pytest.raises(NotFound):
        writes.transition(actor=world.customs.actor, record=record, to="anything")


def test_one_who_sees_but_may_not_change_gets_permission_denied(world):
    record = writes.create(actor=world.kp_investigator.actor, **GOOD)
    grant_create(actor=world.kp_investigator.actor, obj=record, grantee_type=Grant.GranteeType.INSTITUTION,
                 institution=world.customs.membership.unit.institution, reason="joint operation")
    with pytest.raises(PermissionDenied):
        writes.update(actor=world.customs.actor, record=record, title="Customs edit")
    record.refresh_from_db()
    assert record.title == "Stolen pistol"


def test_update_refuses_unknown_fields_and_audits_before_and_after(world):
    actor = world.kp_investigator.actor
    record = writes.create(actor=actor, **GOOD)
    with pytest.raises(ApplicationError) as refused:
        writes.update(actor=actor, record=record, number="FORGED-1")
    assert list(refused.value.fields) == ["number"]
    writes.update(actor=actor, record=record, title="  Stolen rifle  ")
    record.refresh_from_db()
    assert record.title == "Stolen rifle"
    [event] = events("samplerecord.updated")
    assert event.target_public_id == record.public_id


def test_a_field_rule_of_the_module_is_a_field_error_and_the_record_is_unchanged(world):
    actor = world.kp_investigator.actor
    record = writes.create(actor=actor, **GOOD)
    with pytest.raises(ApplicationError) as refused:
        writes.update(actor=actor, record=record, title="   ", classification=Classification.TOP_SECRET)
    assert set(refused.value.fields) == {"title", "classification"}
    record.refresh_from_db()
    assert (record.title, record.classification) == ("Stolen pistol", Classification.RESTRICTED)
    assert not events("samplerecord.updated")


class _Flow(RecordWrites[SampleRecord]):
    model = SampleRecord
    editable = ("title", "kind")
    transitions: ClassVar[dict[str, frozenset[str]]] = {"notice": frozenset({"alert"})}
    status_field = "kind"


def test_only_an_allowed_transition_is_made_and_audited(world):
    actor = world.kp_investigator.actor
    record = writes.create(actor=actor, **GOOD)
    flow = _Flow()
    with pytest.raises(ApplicationError) as refused:
        flow.transition(actor=actor, record=record, to="lookout")
    assert refused.value.code == "invalid_transition" and list(refused.value.fields) == ["kind"]
    flow.transition(actor=actor, record=record, to="alert", reason="escalated")
    record.refresh_from_db()
    assert record.kind == "alert"
    [event] = events("samplerecord.transitioned")
    assert reason_of(event) == "escalated"


def test_an_append_only_type_refuses_edits_and_changes_of_status(world, monkeypatch):
    actor = world.kp_investigator.actor
    record = writes.create(actor=actor, **GOOD)
    monkeypatch.setattr(type(declaration_for(SampleRecord)), "append_only", True)
    with pytest.raises(ApplicationError) as refused:
        writes.update(actor=actor, record=record, title="corrected")
    assert refused.value.code == "append_only"
    with pytest.raises(ApplicationError) as refused:
        _Flow().transition(actor=actor, record=record, to="alert")
    assert refused.value.code == "append_only"
    record.refresh_from_db()
    assert (record.title, record.kind) == ("Stolen pistol", "notice")


def test_automatic_grants_of_the_declaration_are_made_with_the_record(world, monkeypatch):
    customs = world.customs.membership.unit.institution

    def to_customs(self: Any, obj: Any) -> list[AutoGrant]:
        return [AutoGrant(institution_id=customs.pk, reason="receiving institution")]

    monkeypatch.setattr(type(declaration_for(SampleRecord)), "automatic_grants", to_customs)
    record = writes.create(actor=world.kp_investigator.actor, **GOOD)
    grant = Grant.objects.for_object(record).get()
    assert grant.grantee_institution == customs and grant.reason == "receiving institution"
    assert [e.target_public_id for e in events("grant.created")] == [record.public_id]
    assert SampleRecord.objects.visible_to(world.customs.actor).filter(pk=record.pk).exists()


class _Documents(RecordWrites[PersonDocument]):
    model = PersonDocument
    editable = ("person", "doc_type", "number")

    def prepare(self, record: PersonDocument, data: dict[str, Any]) -> None:
        record.number_key = record.number.upper()


def test_a_dependent_record_is_added_only_to_a_parent_the_actor_may_change(world):
    person = sample("parties.person", world.kp_investigator)
    documents = _Documents()
    data = {"person": person, "doc_type": DocumentType.PASSPORT, "number": "p123"}
    with pytest.raises(NotFound):
        documents.create(actor=world.customs.actor, **data)
    with pytest.raises(ApplicationError) as refused:
        documents.create(actor=world.kp_investigator.actor, doc_type=DocumentType.PASSPORT, number="p123")
    assert list(refused.value.fields) == ["person"]
    document = documents.create(actor=world.kp_investigator.actor, **data)
    assert document.person == person and document.number_key == "P123"
    assert document.created_by == world.kp_investigator.user
