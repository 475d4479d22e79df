"""Numbers a record carries besides its own (issue #6 point 1): one per institution and scheme, unique
within each; added and removed by the institution that gives them; as visible as their record; found by
the global search; shown and added on the record's page."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from kssp.core.audit.testing import events_with_reason
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.models import AuditEvent, RecordIdentifier, identifier_key
from kssp.core.models.grants import Grant
from kssp.core.records.access import identifiers_of, record_url
from kssp.core.records.registry import declaration_for
from kssp.core.search.query import parse_query
from kssp.core.services.grants import grant_create
from kssp.core.services.identifiers import identifier_add, identifier_remove
from kssp.core.testing.recordkind.models import SampleRecord
from kssp.core.testing.samples import sample

pytestmark = pytest.mark.django_db
LABEL = "recordkind.samplerecord"


def test_the_key_ignores_case_and_separators():
    assert identifier_key("p 123/2026") == identifier_key("P-123-2026") == identifier_key("P123/2026") == "P1232026"


def test_an_institution_numbers_a_record_once_per_scheme_and_audits_it(world):
    record = sample(LABEL, world.kp_investigator)
    number = identifier_add(actor=world.kp_investigator.actor, record=record, scheme="court", value=" P  123/2026 ")
    assert number.value == "P 123/2026" and number.institution_id == world.kp_investigator.actor.institution_id
    assert AuditEvent.objects.filter(event_type="identifier.added", target_public_id=record.public_id).count() == 1
    with pytest.raises(ApplicationError) as refused:
        identifier_add(actor=world.kp_investigator.actor, record=record, scheme="court", value="P 124/2026")
    assert list(refused.value.fields) == ["scheme"]


def test_a_number_is_unique_within_the_institutions_scheme_only(world):
    first = sample(LABEL, world.kp_investigator)
    second = sample(LABEL, world.kp_investigator)
    identifier_add(actor=world.kp_investigator.actor, record=first, scheme="court", value="P 1/2026")
    with pytest.raises(ApplicationError) as refused:
        identifier_add(actor=world.kp_investigator.actor, record=second, scheme="court", value="p-1-2026")
    assert list(refused.value.fields) == ["value"]
    # Customs numbers its own record with the same value in its own numbering.
    customs_record = sample(LABEL, world.customs)
    identifier_add(actor=world.customs.actor, record=customs_record, scheme="court", value="P 1/2026")
    assert RecordIdentifier.objects.filter(value_key="P12026").count() == 2


def test_the_database_refuses_a_duplicate_too(world):
    first = sample(LABEL, world.kp_investigator)
    second = sample(LABEL, world.kp_investigator)
    made = identifier_add(actor=world.kp_investigator.actor, record=first, scheme="court", value="P 2/2026")
    with pytest.raises(IntegrityError), transaction.atomic():
        RecordIdentifier.objects.create(content_type=made.content_type, object_id=second.pk, institution=made.institution,
                                        scheme="court", value="P 2/2026", value_key=made.value_key)


@pytest.mark.parametrize(
    ("scheme", "value", "field"),
    [("nope", "P 1/2026", "scheme"), ("court", "", "value"), ("court", "123", "value"), ("court", "P " + "1" * 90, "value"),
     ("prosecution", "PPN 4/2026", "scheme")],  # the police do not issue prosecution numbers
)
def test_bad_numbers_are_field_errors_and_nothing_is_written(world, scheme, value, field):
    record = sample(LABEL, world.kp_investigator)
    with pytest.raises(ApplicationError) as refused:
        identifier_add(actor=world.kp_investigator.actor, record=record, scheme=scheme, value=value)
    assert field in refused.value.fields
    assert not RecordIdentifier.objects.exists()


def test_not_found_before_permission_denied(world):
    record = sample(LABEL, world.kp_investigator)
    with pytest.raises(NotFound):
        identifier_add(actor=world.customs.actor, record=record, scheme="court", value="P 3/2026")
    grant_create(actor=world.kp_investigator.actor, obj=record, grantee_type=Grant.GranteeType.INSTITUTION,
                 institution=world.customs.membership.unit.institution, reason="joint operation")
    with pytest.raises(PermissionDenied):
        identifier_add(actor=world.customs.actor, record=record, scheme="court", value="P 3/2026")


def test_numbers_are_as_visible_as_their_record_and_found_by_search(world):
    record = sample(LABEL, world.kp_investigator)
    identifier_add(actor=world.kp_investigator.actor, record=record, scheme="court", value="P 77/2026")
    assert [i.value for i in identifiers_of(actor=world.kp_investigator.actor, record=record)] == ["P 77/2026"]
    assert identifiers_of(actor=world.customs.actor, record=record) == []
    match = declaration_for(SampleRecord).search_match(parse_query("p-77-2026"))
    assert list(SampleRecord.objects.visible_to(world.kp_investigator.actor).filter(match)) == [record]
    assert not SampleRecord.objects.visible_to(world.customs.actor).filter(match).exists()


def test_removing_needs_a_reason_and_the_giving_institution(world):
    record = sample(LABEL, world.kp_investigator)
    number = identifier_add(actor=world.kp_investigator.actor, record=record, scheme="court", value="P 5/2026")
    with pytest.raises(ApplicationError) as refused:
        identifier_remove(actor=world.kp_investigator.actor, identifier=number, reason=" ")
    assert list(refused.value.fields) == ["reason"]
    identifier_remove(actor=world.kp_investigator.actor, identifier=number, reason="typing error")
    assert not RecordIdentifier.objects.exists()
    assert len(events_with_reason("typing error", event_type="identifier.removed")) == 1


def test_the_record_page_shows_and_adds_numbers(world):
    record = sample(LABEL, world.kp_investigator)
    client = world.kp_investigator.client()
    client.cookies["kssp_language"] = "en"
    add = reverse("core:record_identifier_add", args=[LABEL, record.public_id])
    assert f'action="{add}"' in client.get(record_url(record)).content.decode()
    bad = client.post(add, {"scheme": "court", "value": "123"})
    assert bad.status_code == 400 and "This is not a number of this scheme" in bad.content.decode()
    assert 'value="123"' in bad.content.decode()  # what was typed is kept
    good = client.post(add, {"scheme": "court", "value": "P 9/2026"})
    assert good.status_code == 302 and good["Location"] == record_url(record) + "#numbers"
    assert "P 9/2026" in client.get(record_url(record)).content.decode()
    # An outsider gets the same 404 as for a missing record.
    outsider = world.customs.client()
    assert outsider.post(add, {"scheme": "court", "value": "P 10/2026"}).status_code == 404
    missing = reverse("core:record_identifier_add", args=[LABEL, uuid.uuid4()])
    assert outsider.post(missing, {"scheme": "court", "value": "P 10/2026"}).status_code == 404
