"""Free text that people type goes only into encrypted audit payloads (issue #7 point 3: "Personal data goes
only into encrypted payloads"): a reason given when sharing, revoking, withdrawing, merging persons or
removing a link, and an export's filters and recipient, may name a person. None of it is stored in a clear
column of the event row (which the HMAC chain covers and nothing can erase); it is in the payload,
encrypted with the key of the event's subject record, covered by the chain through the payload digest,
shown to the auditor while the key exists and gone once retention shreds it, the chain still verifying.
Events written before (the reason in its column) still verify and still show their reason."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from kssp.core.audit import payload_for, payload_read, reveal_reasons, shred_event_text, verify_chain
from kssp.core.audit.registry import event_type
from kssp.core.audit.service import EVENT_KEY_SUBJECT, AuditEntry, _build, _KeyRing, locked_head, shred_subject
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent
from kssp.core.models.audit import AuditDataKey
from kssp.core.models.grants import Grant
from kssp.core.policy import Actor
from kssp.core.services.grants import grant_create, grant_revoke

pytestmark = pytest.mark.django_db

NAME = "Fatmir Sejdiu"


def raw_row(seq: int) -> dict[str, Any]:
    """Every column of the stored row, as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_auditevent WHERE seq = %s", [seq])
        names = [col[0] for col in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def clear_columns_holding(row: dict[str, Any], text: str) -> list[str]:
    found = []
    for name, value in row.items():
        if value is None:
            continue
        data = bytes(value) if isinstance(value, memoryview | bytes | bytearray) else str(value).encode()
        if text.encode() in data or text.encode("unicode_escape") in data:
            found.append(name)
    return found


def subject_key(obj: Any) -> tuple[str, str]:
    return f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk)


@dataclasses.dataclass
class Reasoned:
    event: AuditEvent
    subject: Any  # whose key holds the reason (shredded by retention with it)


def _sample(world: Any) -> Any:
    from kssp.core.testing.recordkind.services import samplerecord_create

    return samplerecord_create(actor=world.kp_investigator.actor, title="Record", body="", classification=Classification.RESTRICTED)


def _grant(world: Any, reason: str = f"Kërkesa e {NAME}") -> Grant:
    return grant_create(actor=world.kp_investigator.actor, obj=_sample(world), grantee_type=Grant.GranteeType.INSTITUTION,
                        institution=world.customs.membership.unit.institution, reason=reason)


def _last(event_code: str) -> AuditEvent:
    return AuditEvent.objects.filter(event_type=event_code).latest("seq")


def grant_created(world: Any) -> Reasoned:
    grant = _grant(world)
    return Reasoned(_last("grant.created"), grant.content_type.get_object_for_this_type(pk=grant.object_id))


def grant_revoked(world: Any) -> Reasoned:
    grant = _grant(world, reason="joint operation")
    grant_revoke(actor=world.kp_investigator.actor, grant=grant, reason=f"{NAME} u arrestua")
    return Reasoned(_last("grant.revoked"), grant.content_type.get_object_for_this_type(pk=grant.object_id))


def bulletin_withdrawn(world: Any) -> Reasoned:
    create = import_string("kssp.bulletins.services.bulletin_create")
    transition = import_string("kssp.bulletins.services.bulletin_transition")
    actor = world.kp_investigator.actor
    bulletin = create(actor=actor, kind="notice", title="Kërkim", body="Kërkohet një automjet.", classification=Classification.RESTRICTED)
    transition(actor=actor, bulletin=bulletin, to="issued")
    transition(actor=actor, bulletin=bulletin, to="withdrawn", reason=f"{NAME} u gjet")
    return Reasoned(AuditEvent.objects.filter(target_public_id=bulletin.public_id).latest("seq"), bulletin)


def person_merged(world: Any) -> Reasoned:
    from kssp.core.parties import services
    from kssp.core.parties.tests.factories import PersonFactory

    owner = world.kp_investigator
    survivor: Any = PersonFactory(owner=owner, given_name="Arben", family_name="Gashi")
    duplicate: Any = PersonFactory(owner=owner, given_name="Arbën", family_name="Gashi")
    services.person_merge(actor=owner.actor, survivor=survivor, duplicate=duplicate, reason=f"{NAME} e konfirmoi")
    return Reasoned(_last("person.merged"), duplicate)


def party_link_removed(world: Any) -> Reasoned:
    from kssp.core.parties import services
    from kssp.core.parties.tests.factories import PersonFactory

    owner = world.kp_investigator
    person: Any = PersonFactory(owner=owner, given_name="Arben", family_name="Gashi")
    link = services.party_link_create(actor=owner.actor, record=_sample(world), person=person, role="owner",
                                      subject_category="other", nature="fact")
    services.party_link_remove(actor=owner.actor, link=link, reason=f"gabim: ishte {NAME}")
    return Reasoned(_last("party_link.removed"), person)


WRITERS: dict[str, Callable[[Any], Reasoned]] = {
    "grant.created": grant_created,
    "grant.revoked": grant_revoked,
    "bulletin.withdrawn": bulletin_withdrawn,
    "person.merged": person_merged,
    "party_link.removed": party_link_removed,
}


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_typed_reason_is_in_no_clear_column_and_is_erased_with_its_record(world, writer):
    written = WRITERS[writer](world)
    seq = written.event.seq
    # Given a reason naming a person, typed through the service: no column of the row holds it
    assert clear_columns_holding(raw_row(seq), NAME) == []
    assert clear_columns_holding(raw_row(seq), "Sejdiu") == []
    # it is in the payload, encrypted with the key of the record it is about, and shown to readers
    event = AuditEvent.objects.get(seq=seq)
    assert payload_read(event).state == "decrypted" and NAME in payload_for(event)["reason"]
    key = AuditDataKey.objects.get(pk=event.data_key_id)
    assert (key.subject_type, key.subject_id) == subject_key(written.subject)
    [shown] = reveal_reasons([AuditEvent.objects.get(seq=seq)])
    assert NAME in shown.reason
    # When retention shreds the record's key, the reason is gone and the chain still verifies
    shred_subject(subject_type=key.subject_type, subject_id=key.subject_id, reason="retention")
    event = AuditEvent.objects.get(seq=seq)
    assert payload_read(event).state == "shredded"
    assert NAME not in reveal_reasons([event])[0].reason
    assert clear_columns_holding(raw_row(seq), NAME) == []
    assert verify_chain().ok


def test_the_auditor_reads_the_reason_until_the_record_is_shredded(world):
    written = grant_created(world)
    client = world.kp_auditor.client()
    listing = client.get("/audit/", {"event_type": "grant.created"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert NAME in listing
    detail = client.get(f"/audit/events/{written.event.seq}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert NAME in detail
    api = client.get(f"/api/v1/audit-events/{written.event.seq}/")
    assert api.status_code == 200 and NAME in api.json()["reason"]
    assert NAME in client.get("/api/v1/audit-events/", {"event_type": "grant.created"}).content.decode()
    exported = client.post("/audit/export/?event_type=grant.created", {"purpose": "Inspektim", "recipient": "AIP"})
    assert NAME in b"".join(exported.streaming_content).decode("utf-8-sig")

    shred_subject(subject_type="recordkind.samplerecord", subject_id=str(written.subject.pk), reason="retention")
    listing = client.get("/audit/", {"event_type": "grant.created"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert NAME not in listing and "(erased by retention)" not in listing  # grant.created needs no reason
    detail = client.get(f"/audit/events/{written.event.seq}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert NAME not in detail and "Payload erased (retention)" in detail
    assert verify_chain().ok


def test_a_required_reason_that_was_shredded_reads_as_erased(world):
    written = grant_revoked(world)
    shred_subject(subject_type="recordkind.samplerecord", subject_id=str(written.subject.pk), reason="retention")
    listing = world.kp_auditor.client().get("/audit/", {"event_type": "grant.revoked"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "(erased by retention)" in listing.content.decode() and NAME not in listing.content.decode()


def test_the_record_timeline_still_shows_the_withdrawal_and_its_reason(world):
    from kssp.core.worklist.selectors import record_timeline

    written = bulletin_withdrawn(world)
    timeline = record_timeline(actor=world.kp_investigator.actor, record=written.subject)
    [withdrawn] = [t for t in timeline if t.title == "Bulletin withdrawn"]
    assert NAME in withdrawn.detail


def test_export_filters_and_recipient_about_no_record_are_sealed_with_a_key_of_their_own(world):
    from kssp.core.exports.tests.conftest import make_bulletin

    make_bulletin(world.kp_investigator, status="issued")
    response = world.kp_investigator.client().post(
        "/exports/bulletins/?q=Sejdiu",
        {"purpose": "Weekly summary", "recipient": f"Prokurori {NAME}", "format": "csv", "profile": "institutional", "language": "en"},
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(event_type="export.disclosed")
    assert clear_columns_holding(raw_row(event.seq), "Sejdiu") == []
    extra = payload_for(event)["extra"]
    assert extra["recipient"] == f"Prokurori {NAME}" and extra["filters"].get("q") == "Sejdiu"
    assert AuditDataKey.objects.get(pk=event.data_key_id).subject_type == EVENT_KEY_SUBJECT
    # erased on its own (a data subject's request), the chain still verifies
    assert shred_event_text(seq=event.seq, reason="data subject's request")
    assert payload_read(AuditEvent.objects.get(seq=event.seq)).state == "shredded"
    assert verify_chain().ok


def test_shred_event_text_leaves_a_records_key_alone(world):
    written = grant_created(world)
    assert not shred_event_text(seq=written.event.seq, reason="not this way")
    assert payload_read(AuditEvent.objects.get(seq=written.event.seq)).state == "decrypted"


def test_events_written_before_keep_their_reason_in_the_column_and_still_verify(world):
    # An event as the audit service wrote it before reasons were sealed: the reason in its column, under the MAC.
    with transaction.atomic():
        head = locked_head()
        entry = AuditEntry(event="grant.revoked", reason="")
        old = _build(actor=Actor.system(), spec=event_type("grant.revoked"), entry=entry, seq=head.seq + 1,
                     prev_hmac=head.hmac, now=timezone.now(), keys=_KeyRing())
        old.reason = "older reason, kept in the clear"
        from kssp.core.audit.service import compute_hmac

        old.hmac = compute_hmac(old)
        old.save(force_insert=True)
        head.seq, head.hmac = old.seq, old.hmac
        head.save(update_fields=["seq", "hmac", "updated_at"])
    grant_created(world)  # and a new event after it
    assert verify_chain().ok
    [shown] = reveal_reasons([AuditEvent.objects.get(seq=old.seq)])
    assert shown.reason == "older reason, kept in the clear"
    listing = world.inspector.client().get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "older reason, kept in the clear" in listing and NAME in listing
