"""Issue #6 point 6: the verifier recomputes every payload's digest and tells "could not decrypt" from
"shredded". Each test plays an attacker who owns the database (not the keys) and expects the fault to be
named with its kind and the first bad event."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from kssp.core.audit import audit_record, payload_read, verify_chain
from kssp.core.audit.service import shred_subject
from kssp.core.audit.testing import tampering, write_events
from kssp.core.models import AuditDataKey, AuditEvent, AuditHead
from kssp.core.policy import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def subject(django_user_model):
    return django_user_model.objects.create(username="data-subject")


def personal_events(subject, n: int = 3) -> list[AuditEvent]:
    """Plain event 1, then ``n`` encrypted events about ``subject`` (2 .. n+1), then a plain one."""
    events = write_events(1)
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit_record(
                    actor=Actor.system(), event="user.updated", target=subject,
                    before={"name": f"Xhemajl {i}"}, after={"name": "Džemajl"},
                )
            )
    events += write_events(1, start=99)
    return events


def flip_byte(blob: bytes, index: int) -> bytes:
    data = bytearray(blob)
    data[index] ^= 0x01
    return bytes(data)


def assert_fault(kind: str, seq: int) -> str:
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, kind, seq), result
    assert str(seq) in result.message
    return result.message


# --- plain payloads -------------------------------------------------------------------------------


def test_an_intact_trail_with_plain_and_encrypted_payloads_verifies(subject):
    personal_events(subject)
    result = verify_chain()
    assert result.ok and result.checked == 5 and result.shredded == 0 and result.faults == []


def test_a_changed_plain_payload_is_named():
    write_events(4)
    with tampering():
        AuditEvent.objects.filter(seq=3).update(payload={"extra": {"i": 999}})
    assert "changed" in assert_fault("payload_changed", 3)


def test_a_removed_plain_payload_is_named():
    write_events(3)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(payload=None)
    assert_fault("payload_changed", 2)


def test_a_payload_added_to_an_event_that_had_none_is_named():
    with transaction.atomic():
        audit_record(actor=Actor.system(), event="reference.updated")
    write_events(1)
    with tampering():
        AuditEvent.objects.filter(seq=1).update(payload={"extra": {"planted": True}})
    assert_fault("payload_changed", 1)


def test_a_payload_with_dates_decimals_and_odd_numbers_verifies_after_the_round_trip():
    import datetime as dt
    import uuid
    from decimal import Decimal

    extra = {
        "when": dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC),
        "day": dt.date(2026, 3, 29),
        "id": uuid.UUID(int=7),
        "amount": Decimal("12.50"),
        "numbers": [1e16, 1.5e300, -0.0, 0.1, 12345678901234567890, 1e-07],
        "text": "Pejë / Пећ",
    }
    with transaction.atomic():
        audit_record(actor=Actor.system(), event="reference.updated", extra=extra)
    assert verify_chain().ok


# --- encrypted payloads ---------------------------------------------------------------------------


def test_a_changed_ciphertext_byte_is_undecryptable_not_shredded(subject):
    personal_events(subject)
    evt = AuditEvent.objects.get(seq=3)
    with tampering():
        AuditEvent.objects.filter(seq=3).update(payload_ciphertext=flip_byte(bytes(evt.payload_ciphertext), 20))
    message = assert_fault("undecryptable", 3)
    assert "authentication tag" in message
    evt.refresh_from_db()
    assert payload_read(evt).state == "undecryptable"
    assert payload_read(AuditEvent.objects.get(seq=2)).state == "decrypted"


def test_a_ciphertext_swapped_with_another_event_of_the_same_subject_is_named(subject):
    personal_events(subject)
    other = bytes(AuditEvent.objects.get(seq=2).payload_ciphertext)
    with tampering():
        AuditEvent.objects.filter(seq=4).update(payload_ciphertext=other)
    assert "swapped" in assert_fault("payload_changed", 4)


def test_a_removed_ciphertext_is_named(subject):
    personal_events(subject)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(payload_ciphertext=None)
    assert_fault("undecryptable", 2)


def test_a_plain_payload_planted_beside_the_ciphertext_is_named(subject):
    personal_events(subject)
    with tampering():
        AuditEvent.objects.filter(seq=2).update(payload={"before": {"name": "someone else"}})
    assert_fault("payload_changed", 2)


def test_a_data_key_deleted_without_a_shred_is_undecryptable(subject):
    events = personal_events(subject)
    with tampering():
        AuditDataKey.objects.filter(pk=events[1].data_key_id).delete()
    assert "never shredded" in assert_fault("undecryptable", 2)
    assert payload_read(AuditEvent.objects.get(seq=2)).state == "undecryptable"


def test_a_data_key_nulled_without_a_shred_record_is_undecryptable(subject):
    events = personal_events(subject)
    with tampering():
        AuditDataKey.objects.filter(pk=events[1].data_key_id).update(wrapped_key=None)
    assert_fault("undecryptable", 2)
    assert payload_read(AuditEvent.objects.get(seq=2)).state == "undecryptable"


def test_a_changed_wrapped_key_is_undecryptable(subject):
    events = personal_events(subject)
    row = AuditDataKey.objects.get(pk=events[1].data_key_id)
    with tampering():
        AuditDataKey.objects.filter(pk=row.pk).update(wrapped_key=flip_byte(bytes(row.wrapped_key), 15))
    assert "master key" in assert_fault("undecryptable", 2)


def test_another_master_key_makes_payloads_undecryptable(subject, settings):
    personal_events(subject)
    settings.DATA_KEY = bytes.fromhex("ab" * 32)
    assert_fault("undecryptable", 2)


def test_shredded_payloads_are_counted_apart_and_the_chain_still_verifies(subject):
    events = personal_events(subject)
    assert shred_subject(subject_type="accounts.user", subject_id=str(subject.pk), reason="retention")
    result = verify_chain()
    assert result.ok and result.shredded == 3
    assert payload_read(events[1]).state == "shredded" and payload_read(events[1]).payload is None


def test_after_a_shred_new_events_get_a_new_key_and_the_old_payloads_stay_shredded(subject):
    events = personal_events(subject, n=1)
    shred_subject(subject_type="accounts.user", subject_id=str(subject.pk), reason="retention")
    with transaction.atomic():
        later = audit_record(actor=Actor.system(), event="user.updated", target=subject, after={"name": "new"})
    assert later.data_key_id != events[1].data_key_id
    assert payload_read(events[1]).state == "shredded"  # not "undecryptable": the old key row was not re-keyed
    assert payload_read(later).payload == {"after": {"name": "new"}}
    assert AuditDataKey.objects.filter(subject_type="accounts.user", subject_id=str(subject.pk)).count() == 2
    result = verify_chain()
    assert result.ok and result.shredded == 1


# --- head ------------------------------------------------------------------------------------------


def test_events_appended_beyond_the_head_are_named():
    write_events(3)
    with tampering():
        AuditHead.objects.filter(pk=1).update(seq=2, hmac=AuditEvent.objects.get(seq=2).hmac)
    assert_fault("head_mismatch", 3)


def test_a_head_with_another_mac_is_named():
    write_events(3)
    with tampering():
        AuditHead.objects.filter(pk=1).update(hmac="e" * 64)
    result = verify_chain()
    assert (result.kind, result.seq) == ("head_mismatch", 3)


# --- command -------------------------------------------------------------------------------------


def test_audit_verify_names_the_kind_and_the_event_and_lists_every_fault(subject, capsys):
    import io

    personal_events(subject)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "5 events verified" in out.getvalue()
    evt = AuditEvent.objects.get(seq=3)
    with tampering():
        AuditEvent.objects.filter(seq=3).update(payload_ciphertext=flip_byte(bytes(evt.payload_ciphertext), 30))
    with pytest.raises(CommandError, match=r"\[undecryptable\] at event 3"):
        call_command("audit_verify", stdout=io.StringIO())
