"""Record links (issue #3 point 3) through the services and selectors: one mechanism with a type, a
direction and an evidential flag; the actor must see both ends; links to records the viewer cannot
see are left out, not counted; creation and removal are audited."""

from __future__ import annotations

import pytest
from django.utils import translation

from kssp.core.audit import payload_for
from kssp.core.audit.testing import reason_of
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.links.link_types import link_type, link_types
from kssp.core.links.models import RecordLink
from kssp.core.links.policies import record_link_policy
from kssp.core.links.selectors import link_list_visible_to, link_rows_for
from kssp.core.links.services import link_create, link_remove
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent
from kssp.core.records import access as records
from kssp.core.services.grants import grant_create, grant_revoke
from kssp.core.testing.recordkind.tests.factories import SampleRecordFactory


def share(owner, record, grantee):
    return grant_create(actor=owner.actor, obj=record, grantee_type="institution",
                        institution=grantee.membership.unit.institution, reason="joint operation")


def test_a_link_is_created_audited_and_read_from_both_ends(world):
    # given two records of the same unit
    a = SampleRecordFactory(owner=world.kp_investigator)
    b = SampleRecordFactory(owner=world.kp_investigator)
    # when A is derived from B
    link = link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="derived_from", reason="Same seizure")
    # then
    assert (link.from_public_id, link.to_public_id, link.evidential) == (a.public_id, b.public_id, False)
    event = AuditEvent.objects.get(event_type="link.created")
    assert event.target_public_id == link.public_id and reason_of(event) == "Same seizure"
    assert payload_for(event)["after"]["from"] == {"type": "recordkind.samplerecord", "public_id": str(a.public_id)}
    assert event.target_institution_id == a.owner_institution_id
    # and each record reads it its own way
    [from_a] = link_rows_for(actor=world.kp_investigator.actor, record=a)
    [from_b] = link_rows_for(actor=world.kp_investigator.actor, record=b)
    assert (from_a.label, from_a.other, from_a.outgoing) == ("derived from", b, True)
    assert (from_b.label, from_b.other, from_b.outgoing) == ("source of", a, False)
    assert from_a.other_url == f"/testing/sample-records/{b.public_id}/"


def test_link_types_have_albanian_serbian_and_english_labels():
    spec = link_type("derived_from")
    assert (spec.label("sq"), spec.inverse_label("sq")) == ("rrjedh nga", "burim për")
    assert (spec.label("sr-latn"), spec.inverse_label("sr-latn")) == ("proizilazi iz", "izvor za")
    assert spec.label("sr-cyrl") == "произилази из"
    with translation.override("en"):
        assert spec.label() == "derived from"
    assert {"relates_to", "duplicate_of", "derived_from", "evidence_for"} <= set(link_types())
    for spec in link_types().values():
        assert all(spec.sq) and all(spec.sr) and all(spec.en)


def test_evidence_links_are_evidential_by_default_and_need_a_reason(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    with pytest.raises(ApplicationError) as caught:
        link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="evidence_for")
    assert list(caught.value.fields) == ["reason"]
    link = link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="evidence_for", reason="Photo of the plate")
    assert link.evidential
    plain = link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="relates_to")
    assert not plain.evidential
    assert list(link_list_visible_to(actor=world.kp_investigator.actor, record=a, evidential_only=True)) == [link]


def test_the_actor_must_see_both_ends(world):
    own = SampleRecordFactory(owner=world.kp_investigator)
    foreign = SampleRecordFactory(owner=world.customs)
    with pytest.raises(NotFound) as caught:
        link_create(actor=world.kp_investigator.actor, source=own, target=foreign, link_type="relates_to")
    assert list(caught.value.fields) == ["target"]
    with pytest.raises(NotFound):
        link_create(actor=world.kp_investigator.actor, source=foreign, target=own, link_type="relates_to")
    assert not RecordLink.objects.exists()
    assert not AuditEvent.objects.filter(event_type="link.created").exists()


def test_the_actor_must_be_able_to_change_one_end(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    share(world.kp_investigator, a, world.customs)
    share(world.kp_investigator, b, world.customs)
    with pytest.raises(PermissionDenied):
        link_create(actor=world.customs.actor, source=a, target=b, link_type="relates_to")
    # but linking one's own record to a shared one is fine, in either direction
    own = SampleRecordFactory(owner=world.customs)
    link_create(actor=world.customs.actor, source=a, target=own, link_type="derived_from")


@pytest.mark.parametrize(
    ("case", "field"),
    [("itself", "target"), ("unknown_type", "link_type"), ("duplicate", "target"), ("symmetric_duplicate", "target"),
     ("long_reason", "reason")],
)
def test_bad_links_are_field_errors_and_nothing_is_written(world, case, field):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    actor = world.kp_investigator.actor
    link_create(actor=actor, source=a, target=b, link_type="relates_to")
    before = (RecordLink.objects.count(), AuditEvent.objects.count())
    arguments = {
        "itself": {"source": a, "target": a, "link_type": "relates_to"},
        "unknown_type": {"source": a, "target": b, "link_type": "married_to"},
        "duplicate": {"source": a, "target": b, "link_type": "relates_to"},
        "symmetric_duplicate": {"source": b, "target": a, "link_type": "relates_to"},
        "long_reason": {"source": a, "target": b, "link_type": "part_of", "reason": "x" * 2001},
    }[case]
    with pytest.raises(ApplicationError) as caught:
        link_create(actor=actor, **arguments)
    assert field in caught.value.fields
    assert (RecordLink.objects.count(), AuditEvent.objects.count()) == before


def test_a_directed_type_may_link_both_ways(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="follow_up_of")
    link_create(actor=world.kp_investigator.actor, source=b, target=a, link_type="follow_up_of")
    assert RecordLink.objects.count() == 2


def test_links_whose_other_end_is_invisible_are_left_out_not_counted(world):
    # given A (shared with customs) linked to B (not shared) and to C (shared)
    a, b, c = (SampleRecordFactory(owner=world.kp_investigator) for _ in range(3))
    actor = world.kp_investigator.actor
    link_create(actor=actor, source=a, target=b, link_type="relates_to")
    to_c = link_create(actor=actor, source=a, target=c, link_type="relates_to")
    share(world.kp_investigator, a, world.customs)
    grant_c = share(world.kp_investigator, c, world.customs)
    # then customs sees only the link to C, in the panel and in every list and count
    rows = link_rows_for(actor=world.customs.actor, record=a)
    assert [row.link for row in rows] == [to_c]
    assert link_list_visible_to(actor=world.customs.actor, record=a).count() == 1
    assert link_list_visible_to(actor=world.customs.actor).count() == 1
    # and once C is no longer shared, nothing at all
    grant_revoke(actor=actor, grant=grant_c, reason="done")
    assert link_rows_for(actor=world.customs.actor, record=a) == []
    assert link_list_visible_to(actor=world.customs.actor).count() == 0
    # while the owner still sees both
    assert len(link_rows_for(actor=actor, record=a)) == 2


def test_removal_is_soft_needs_a_reason_and_is_audited(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    link = link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="relates_to")
    with pytest.raises(ApplicationError) as caught:
        link_remove(actor=world.kp_investigator.actor, link=link, reason="")
    assert list(caught.value.fields) == ["reason"]
    link_remove(actor=world.kp_investigator.actor, link=link, reason="Linked by mistake")
    link.refresh_from_db()
    assert link.removed_at is not None and link.removed_by == world.kp_investigator.user
    assert link_rows_for(actor=world.kp_investigator.actor, record=a) == []
    assert reason_of(AuditEvent.objects.get(event_type="link.removed")) == "Linked by mistake"
    with pytest.raises(NotFound):
        link_remove(actor=world.kp_investigator.actor, link=link, reason="again")
    # the same link may be made again after removal
    link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="relates_to")


def test_who_may_remove(world):
    a, b = SampleRecordFactory(owner=world.kp_investigator), SampleRecordFactory(owner=world.kp_investigator)
    link = link_create(actor=world.kp_investigator.actor, source=a, target=b, link_type="relates_to")
    with pytest.raises(NotFound):
        link_remove(actor=world.customs.actor, link=link, reason="not mine")
    share(world.kp_investigator, a, world.customs)
    share(world.kp_investigator, b, world.customs)
    with pytest.raises(PermissionDenied):
        link_remove(actor=world.customs.actor, link=link, reason="seen, not changed")
    # someone who may change only one end may remove it: customs links its own record to A...
    own = SampleRecordFactory(owner=world.customs)
    theirs = link_create(actor=world.customs.actor, source=own, target=a, link_type="derived_from")
    share(world.customs, own, world.kp_investigator)
    # ...and the owner of A, who may not change customs' record, removes the link
    link_remove(actor=world.kp_investigator.actor, link=theirs, reason="not derived from ours")
    theirs.refresh_from_db()
    assert theirs.removed_at is not None


def test_the_policy_faces_agree(world):
    owners = [world.kp_investigator, world.kp_investigator_other, world.customs, world.aki]
    samples = [
        SampleRecordFactory(owner=owner, classification=level)
        for owner in owners
        for level in (Classification.UNCLASSIFIED, Classification.SECRET)
    ]
    links = []
    for source in samples:
        for target in samples:
            if source.pk < target.pk:
                links.append(RecordLink.objects.create(
                    link_type="relates_to", from_type=records.record_type_for(source).content_type, from_id=source.pk,
                    from_public_id=source.public_id, to_type=records.record_type_for(target).content_type, to_id=target.pk,
                    to_public_id=target.public_id, created_by=world.kp_investigator.user,
                    created_by_institution=world.kp_investigator.membership.unit.institution,
                ))
    share(world.customs, samples[4], world.kp_investigator)
    people = [world.kp_investigator, world.kp_investigator_other, world.kp_officer, world.kp_low_clearance, world.customs,
              world.aki, world.prosecutor, world.kp_ffp]
    for person in people:
        actor = person.actor
        visible = set(RecordLink.objects.filter(record_link_policy.visible_q(actor)).values_list("pk", flat=True))
        for link in links:
            assert (link.pk in visible) == record_link_policy.can(actor, "view", link), (person.user.username, link.pk)


def test_records_are_found_by_number_or_public_id_only_when_visible(world):
    own = SampleRecordFactory(owner=world.kp_investigator, number="SMP-KP-2026-000123")
    foreign = SampleRecordFactory(owner=world.customs, number="SMP-DK-2026-000123")
    actor = world.kp_investigator.actor
    assert records.find_visible(actor, "recordkind.samplerecord", "smp-kp-2026-000123") == (own, 1)
    assert records.find_visible(actor, "recordkind.samplerecord", str(own.public_id)) == (own, 1)
    assert records.find_visible(actor, "recordkind.samplerecord", foreign.number) == (None, 0)
    assert records.find_visible(actor, "recordkind.samplerecord", str(foreign.public_id)) == (None, 0)
    assert records.find_visible(actor, "nothing.here", own.number) == (None, 0)
    assert records.search_visible(actor, "recordkind.samplerecord", "000123") == [own]
    assert "recordkind.samplerecord" in records.record_types()
