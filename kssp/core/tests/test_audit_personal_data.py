"""What the audit chain holds (issue #7 point 3): personal data goes only into payloads encrypted with
the record's own key, and what the HMAC chain covers names records by number (or public id).

Generated over every declared record type (the registry in ``kssp.core.records``, the kernel's test type
included): each type's own services create, edit and share a record whose personal fields carry
recognisable values; then no audit column outside the encrypted payload holds any of them, the target is
named by its number, the values are in the encrypted payloads, and once the subject's key is shredded
they are unreadable while the chain still verifies. A type added without a writer here fails
``test_every_declared_record_type_has_a_writer``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from importlib import import_module
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils.module_loading import import_string

from kssp.core.audit import payload_read, verify_chain
from kssp.core.audit.service import CHAIN_FIELDS, shred_subject
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent
from kssp.core.models.audit import AuditDataKey
from kssp.core.models.grants import Grant
from kssp.core.records.registry import declarations
from kssp.core.services.grants import grant_create

pytestmark = pytest.mark.django_db


@dataclasses.dataclass
class Written:
    """What a writer did: the record, the objects whose audit keys hold its data (shredded by retention
    with it), the personal values it wrote, and how the chain must name each object it touched."""

    record: Any
    subjects: list[Any]
    markers: list[str]
    labels: dict[str, str]
    unaudited: tuple[str, ...] = ()  # personal values the type's services never put in the audit trail


def _share(world: Any, actor: Any, record: Any) -> None:
    grant_create(actor=actor, obj=record, grantee_type=Grant.GranteeType.INSTITUTION,
                 institution=world.customs.membership.unit.institution, reason="joint operation")


def _bulletin(world: Any) -> Written:
    # Modules by name, at call time (the kernel imports no module; see kssp.core.testing.samples).
    bulletin_create = import_string("kssp.bulletins.services.bulletin_create")
    bulletin_update = import_string("kssp.bulletins.services.bulletin_update")
    actor = world.kp_investigator.actor
    record = bulletin_create(actor=actor, kind="notice", title="Kërkohet Ilir Berisha", body="Lindur më 14.03.1987 në Pejë",
                             classification=Classification.RESTRICTED, contains_personal_data=True)
    bulletin_update(actor=actor, bulletin=record, title="Kërkohet Ilir Berishaj", body="Shihet me Dren Hoxhën")
    _share(world, actor, record)
    markers = ["Ilir Berisha", "14.03.1987", "Pejë", "Dren Hox"]
    return Written(record, [record], markers, {str(record.public_id): record.number})


def _sample(world: Any) -> Written:
    from kssp.core.testing.recordkind.services import samplerecord_create, samplerecord_update

    actor = world.kp_investigator.actor
    record = samplerecord_create(actor=actor, title="Arta Morina, born 1991", body="Lives at Rruga B 7",
                                 classification=Classification.RESTRICTED)
    samplerecord_update(actor=actor, record=record, title="Arta Morina-Kelmendi", body="Moved to Rruga C 9")
    _share(world, actor, record)
    markers = ["Arta Morina", "1991", "Rruga B 7", "Rruga C 9", "Kelmendi"]
    return Written(record, [record], markers, {str(record.public_id): record.number})


def _person(world: Any) -> Written:
    from kssp.core.parties import services

    actor = world.kp_investigator.actor
    person = services.person_create(actor=actor, given_name="Valbona", family_name="Rexhepi", father_name="Skënder",
                                    date_of_birth="14.03.1987", personal_number="1234567891",
                                    addresses="Rr. Agim Ramadani 44, Gjakovë")
    services.person_update(actor=actor, person=person, family_name="Rexhepi-Krasniqi")
    _share(world, actor, person)
    markers = ["Valbona", "Rexhepi", "Skënder", "1987", "1234567891", "Agim Ramadani", "Krasniqi"]
    return Written(person, [person], markers, {str(person.public_id): str(person.public_id)})


def _person_document(world: Any) -> Written:
    from kssp.core.parties import services

    actor = world.kp_investigator.actor
    person = services.person_create(actor=actor, given_name="Besnik", family_name="Thaçi")
    document = services.person_document_add(actor=actor, person=person, doc_type="passport", number="P7788991",
                                            issuing_country="XK", expires_on=dt.date(2031, 7, 19))
    markers = ["Besnik", "Thaçi", "P7788991", "2031-07-19"]
    return Written(document, [document, person], markers, {str(person.public_id): str(person.public_id)})


def _organisation(world: Any) -> Written:
    from kssp.core.parties import services

    actor = world.kp_investigator.actor
    organisation = services.organisation_create(actor=actor, name="Agron Zeqiri B.I.", business_number="81-555-4321",
                                                org_type="security_company", contains_personal_data=True)
    services.organisation_update(actor=actor, organisation=organisation, name="Agron Zeqiri Sh.p.k.")
    _share(world, actor, organisation)
    markers = ["Agron Zeqiri", "81-555-4321"]
    return Written(organisation, [organisation], markers, {str(organisation.public_id): str(organisation.public_id)})


def _vehicle(world: Any) -> Written:
    from kssp.core.parties import services

    actor = world.kp_investigator.actor
    vehicle = services.vehicle_create(actor=actor, plate="PR 456-CD", plate_format="SRB_KOSOVO_TOWN", vin="WVWZZZ1JZXW000777",
                                      make="Volkswagen", model="Golf")
    services.vehicle_update(actor=actor, vehicle=vehicle, plate="PR 457-CD")
    _share(world, actor, vehicle)
    markers = ["PR 456-CD", "PR 457-CD", "WVWZZZ1JZXW000777"]
    return Written(vehicle, [vehicle], markers, {str(vehicle.public_id): str(vehicle.public_id)})


def _public_submission(world: Any) -> Written:
    services = import_module("kssp.portal.services")
    with override_settings(KSSP={**settings.KSSP, "PORTAL": {"RECEIVING_UNIT": "KP/NJKT"}}):
        submission, _code = services.public_submission_create(
            actor=services.public_actor(), topic="weapons", language="sq",
            message="Fqinji im Gëzim Kastrati mban një pushkë", contact="gezim.fqinji@example.org",
        )
    reviewer = dataclasses.replace(world.kp_investigator.actor,
                                   permissions=world.kp_investigator.actor.permissions | {"portal.review", "portal.respond"})
    services.public_submission_transition(actor=reviewer, submission=submission, to="answered",
                                          public_reply="Faleminderit, zoti Kastrati")
    _share(world, reviewer, submission)
    markers = ["Gëzim Kastrati", "gezim.fqinji@example.org", "zoti Kastrati"]
    # The message and the contact are not audited at all (the received event names topic and language).
    return Written(submission, [submission], markers, {str(submission.public_id): str(submission.public_id)},
                   unaudited=("Gëzim Kastrati", "gezim.fqinji@example.org"))


WRITERS: dict[str, Callable[[Any], Written]] = {
    "bulletins.bulletin": _bulletin,
    "recordkind.samplerecord": _sample,
    "parties.person": _person,
    "parties.persondocument": _person_document,
    "parties.organisation": _organisation,
    "parties.vehicle": _vehicle,
    "portal.publicsubmission": _public_submission,
}


def test_every_declared_record_type_has_a_writer():
    assert sorted(declarations()) == sorted(WRITERS)


def _plain_text(evt: AuditEvent) -> str:
    """Everything of an event that is stored unencrypted (the MAC covers all of it but the payload's
    plain form, which the digest covers)."""
    values = [str(getattr(evt, name) or "") for name in CHAIN_FIELDS]
    return " | ".join(values) + " | " + json.dumps(evt.payload, ensure_ascii=False)


def _subject_key(obj: Any) -> tuple[str, str]:
    return f"{obj._meta.app_label}.{obj._meta.model_name}", str(obj.pk)


@pytest.mark.parametrize("label", sorted(WRITERS))
def test_personal_data_reaches_the_audit_trail_only_encrypted_and_is_erased_by_shredding(world, label):
    start = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    written = WRITERS[label](world)
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert events, "the writes were audited"

    for evt in events:
        plain = _plain_text(evt)
        leaked = [m for m in written.markers if m in plain]
        assert not leaked, f"{evt.event_type} #{evt.seq} stores {leaked} outside its encrypted payload"
        if evt.target_public_id is not None and str(evt.target_public_id) in written.labels:
            assert evt.target_repr == written.labels[str(evt.target_public_id)], evt.event_type

    # The personal values are in the encrypted payloads, readable while the key exists.
    decrypted = " ".join(
        json.dumps(read.payload, ensure_ascii=False)
        for read in (payload_read(evt) for evt in events) if read.state == "decrypted"
    )
    assert [m for m in written.markers if m not in decrypted and m not in written.unaudited] == []

    # Retention shreds the subjects' keys: every encrypted payload about them is gone, the chain holds.
    for subject in written.subjects:
        subject_type, subject_id = _subject_key(subject)
        shred_subject(subject_type=subject_type, subject_id=subject_id, reason="retention test")
    states = [payload_read(evt).state for evt in events if evt.payload_ciphertext is not None]
    assert states and set(states) == {"shredded"}
    after = " ".join(
        _plain_text(evt) + json.dumps(payload_read(evt).payload, ensure_ascii=False)
        for evt in AuditEvent.objects.filter(seq__gt=start)
    )
    assert [m for m in written.markers if m in after] == []
    assert verify_chain().ok
    assert not AuditDataKey.objects.filter(subject_type=_subject_key(written.record)[0], subject_id=str(written.record.pk),
                                           shredded_at__isnull=True).exists()


# --- the declaration: which fields are personal, checked by ``manage.py check`` -------------------------


def _broken(**attributes: Any) -> Any:
    from kssp.core.testing.recordkind.models import SampleRecord

    base = type(declarations()["recordkind.samplerecord"])
    assert base.model is SampleRecord
    return type("Broken", (base,), attributes)()


@pytest.mark.parametrize(
    "attributes",
    [
        {"personal_fields": ()},  # may hold personal data, says not which
        {"personal_fields": ("title", "headline")},  # names a field that does not exist
        {"personal_fields": ("number", "title")},  # the number names the record in the chain
    ],
    ids=["none-declared", "unknown-field", "number-is-personal"],
)
def test_the_system_check_refuses_a_declaration_without_sound_personal_fields(attributes):
    from kssp.core.records.checks import check_declaration

    found = {message.id for message in check_declaration(_broken(**attributes))}
    assert found & {"kssp.E109", "kssp.E102"}, found


def test_a_type_without_personal_data_needs_no_personal_fields():
    from kssp.core.records.checks import check_declaration

    assert check_declaration(_broken(personal_fields=(), personal_data=False)) == []


def test_the_system_check_refuses_plain_created_and_updated_events_of_a_type_with_personal_fields():
    from kssp.core.audit.registry import _types, event_type
    from kssp.core.records.checks import check_declaration

    spec = event_type("samplerecord.updated")
    _types[spec.code] = dataclasses.replace(spec, personal_data=False)
    try:
        found = [m for m in check_declaration(_broken()) if m.id == "kssp.E109"]
    finally:
        _types[spec.code] = spec
    assert len(found) == 1 and "samplerecord.updated" in found[0].msg


def test_created_and_updated_events_of_every_type_with_personal_fields_are_encrypted():
    """Bulletins register their own wording of these events; the declaration still makes them encrypted."""
    from kssp.core.audit.registry import event_type

    for declaration in declarations().values():
        for verb in ("created", "updated"):
            assert event_type(f"{declaration.event_prefix}.{verb}").personal_data == bool(declaration.personal_fields)
    assert event_type("bulletin.created").personal_data and str(event_type("bulletin.created").label) == "Bulletin drafted"


# --- what the auditor still reads -----------------------------------------------------------------------


def test_the_auditor_reads_the_number_and_the_decrypted_fields_until_the_key_is_shredded(world):
    written = _bulletin(world)
    bulletin = written.record
    created = AuditEvent.objects.get(event_type="bulletin.created", target_public_id=bulletin.public_id)
    client = world.kp_auditor.client()

    listing = client.get("/audit/", {"target": str(bulletin.public_id)}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert bulletin.number in listing and "Ilir Berisha" not in listing
    page = client.get(f"/audit/events/{created.seq}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.context["payload_state"] == "readable"
    html = page.content.decode()
    assert bulletin.number in html and "Kërkohet Ilir Berisha" in html  # decrypted for the auditor

    shred_subject(subject_type="bulletins.bulletin", subject_id=str(bulletin.pk), reason="retention")
    page = client.get(f"/audit/events/{created.seq}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["payload_state"] == "shredded"
    html = page.content.decode()
    assert bulletin.number in html and "Ilir Berisha" not in html
