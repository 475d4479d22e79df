"""Retention (issue #3 point 8): the sweeper proposes, a DPO decides with four eyes, only approved actions
are carried out (with crypto-shredding of audit payloads), and everything is audited. Bad input: a
retention action without DPO approval is refused with a clear message and nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from kssp.core.audit import audit_record, payload_for, register, verify_chain
from kssp.core.audit.testing import reason_of
from kssp.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied
from kssp.core.models.audit import AuditDataKey, AuditEvent
from kssp.core.models.grants import Grant
from kssp.core.models.schedule import PeriodicRun
from kssp.core.retention.models import RetentionReview, ReviewStatus
from kssp.core.retention.services import (
    retention_execute_approved,
    retention_request,
    retention_review_decide,
    retention_review_execute,
    retention_review_propose,
    retention_sweep,
    sweeper_actor,
)
from kssp.core.schedule import run_periodic
from kssp.core.services.grants import grant_create

from .helpers import years_ago


@pytest.fixture(autouse=True)
def personal_test_event():
    """A personal-data event type for these tests only, removed afterwards so that it never reaches
    the generated catalogue (docs/audit-events.md) checked by another test in the same process."""
    from kssp.core.audit import registry as audit_registry

    register("retention_test.personal", "Test event about a record with personal data", personal_data=True)
    yield
    audit_registry._types.pop("retention_test.personal", None)


def old_bulletin(make_bulletin, owner, **extra):
    return make_bulletin(owner, created_at=years_ago(6), **extra)


def review_of(obj):
    return RetentionReview.objects.get(object_id=obj.pk, model_label=obj._meta.label_lower)


def personal_event(actor, obj):
    with transaction.atomic():
        return audit_record(actor=actor, event="retention_test.personal", target=obj, before={"title": obj.title},
                            after={"title": "changed"})


def events(name):
    return list(AuditEvent.objects.filter(event_type=name).order_by("seq"))


# --- the sweep --------------------------------------------------------------------------------------


def test_the_sweep_proposes_only_what_fell_due_and_only_once(world, make_bulletin):
    due = old_bulletin(make_bulletin, world.kp_investigator, title="Xhemajl B. seen at Merdare")
    make_bulletin(world.kp_investigator, title="Recent")
    outcome = retention_sweep()
    assert outcome["proposed"] == {"bulletins": 1}
    review = review_of(due)
    assert review.status == ReviewStatus.PROPOSED and review.proposed_action == "review" and review.proposed_by is None
    assert review.owner_institution_id == due.owner_institution_id and review.class_code == "bulletins"
    assert review.due_on == review.trigger_on.replace(year=review.trigger_on.year + 5)
    assert review.target_label == due.number and review.record_label == f"Bulletin {due.number}"  # never the content
    assert "Xhemajl" not in review.record_label
    [swept] = events("retention.swept")
    assert swept.source == "system" and swept.payload["extra"]["proposed"] == {"bulletins": 1}

    assert retention_sweep()["proposed"] == {}  # idempotent
    assert RetentionReview.objects.count() == 1


def test_the_sweeper_job_runs_once_a_day_and_flags_old_job_runs(world):
    now = timezone.now()
    old = PeriodicRun.objects.create(job="old.job", period="2020-01-01", started_at=now - dt.timedelta(days=400))
    PeriodicRun.objects.create(job="new.job", period="2026-01-01", started_at=now - dt.timedelta(days=10))
    first = run_periodic(now=now, only="retention.sweep")
    assert first["retention.sweep"]["proposed"] == {"system-jobs": 1}
    assert review_of(old).proposed_action == "delete" and review_of(old).owner_institution is None
    assert run_periodic(now=now, only="retention.sweep") == {"retention.sweep": "skipped"}


# --- the DPO's decision -----------------------------------------------------------------------------


def test_only_a_dpo_decides(world, make_bulletin):
    old_bulletin(make_bulletin, world.kp_investigator)
    retention_sweep()
    review = RetentionReview.objects.get()
    for person in (world.kp_investigator, world.kp_auditor):
        with pytest.raises(PermissionDenied) as caught:
            retention_review_decide(actor=person.actor, review=review, decision="reject", reason="keep")
        assert str(caught.value.message) == "Only a data protection officer may approve or reject retention actions."
    review.refresh_from_db()
    assert review.status == ReviewStatus.PROPOSED and not events("retention.rejected")


def test_another_institutions_dpo_cannot_see_or_decide(world, make_bulletin, person):
    old_bulletin(make_bulletin, world.customs)
    retention_sweep()
    review = RetentionReview.objects.get()
    with pytest.raises(NotFound):
        retention_review_decide(actor=world.kp_dpo.actor, review=review, decision="reject", reason="keep")
    customs_dpo = person("dk_dpo", role="dpo", institution="DK", unit="HQ")
    retention_review_decide(actor=customs_dpo.actor, review=review, decision="reject", reason="still needed")


def test_a_decision_needs_a_reason_and_a_valid_choice(world, make_bulletin):
    old_bulletin(make_bulletin, world.kp_investigator)
    retention_sweep()
    review = RetentionReview.objects.get()
    with pytest.raises(ApplicationError) as caught:
        retention_review_decide(actor=world.kp_dpo.actor, review=review, decision="reject", reason="   ")
    assert caught.value.fields == {"reason": ["Give the reason."]}
    with pytest.raises(ApplicationError) as caught:
        retention_review_decide(actor=world.kp_dpo.actor, review=review, decision="shred", reason="x")
    assert "decision" in caught.value.fields
    review.refresh_from_db()
    assert review.status == ReviewStatus.PROPOSED


def test_a_review_item_has_nothing_to_approve_until_an_action_is_proposed(world, make_bulletin):
    old_bulletin(make_bulletin, world.kp_investigator)
    retention_sweep()
    review = RetentionReview.objects.get()
    with pytest.raises(ApplicationError) as caught:
        retention_review_decide(actor=world.kp_dpo.actor, review=review, decision="approve", reason="erase")
    assert "no action to approve" in str(caught.value.message)


def test_keeping_the_data_postpones_the_next_proposal(world, make_bulletin):
    bulletin = old_bulletin(make_bulletin, world.kp_investigator)
    retention_sweep()
    review = retention_review_decide(actor=world.kp_dpo.actor, review=review_of(bulletin), decision="reject",
                                     reason="Investigation PP 12/2026 still open")
    assert review.status == ReviewStatus.REJECTED and review.decided_by == world.kp_dpo.user
    today = timezone.localdate()
    assert review.reconsider_on == today.replace(year=today.year + 1)
    [event] = events("retention.rejected")
    assert reason_of(event) == "Investigation PP 12/2026 still open" and event.target_public_id == review.public_id
    assert retention_sweep()["proposed"] == {}
    assert retention_sweep(today=review.reconsider_on)["proposed"] == {"bulletins": 1}
    with pytest.raises(Conflict):
        retention_review_decide(actor=world.kp_dpo.actor, review=review, decision="reject", reason="again")


def test_four_eyes_the_proposer_may_not_approve(world, make_bulletin, person):
    bulletin = old_bulletin(make_bulletin, world.kp_investigator)
    retention_sweep()
    review = retention_review_propose(actor=world.kp_dpo.actor, review=review_of(bulletin), action="delete",
                                      reason="No longer needed for any case")
    assert review.proposed_by == world.kp_dpo.user and events("retention.proposed")
    with pytest.raises(ApplicationError) as caught:
        retention_review_decide(actor=world.kp_dpo.actor, review=review, decision="approve", reason="agreed")
    assert caught.value.code == "four_eyes"
    assert "another data protection officer must approve it" in str(caught.value.message)
    review.refresh_from_db()
    assert review.status == ReviewStatus.PROPOSED

    deputy = person("kp_dpo2", role="dpo")
    review = retention_review_decide(actor=deputy.actor, review=review, decision="approve", reason="Agreed: no open case")
    assert review.status == ReviewStatus.APPROVED and review.decided_by == deputy.user


def test_a_proposal_needs_a_handler_for_the_action(world, make_bulletin):
    with transaction.atomic():
        audit_record(actor=world.kp_investigator.actor, event="reference.updated")
    event = AuditEvent.objects.order_by("-seq").first()
    ct = apps.get_model("contenttypes", "ContentType").objects.get_for_model(AuditEvent)
    review = RetentionReview.objects.create(
        content_type=ct, object_id=event.pk, model_label="core.auditevent", target_label="Audit event", class_code="audit-trail",
        source="request", due_on=timezone.localdate(), proposed_action="review", proposed_at=timezone.now(),
        owner_institution=world.kp_dpo.membership.unit.institution,
    )
    with pytest.raises(ApplicationError) as caught:
        retention_review_propose(actor=world.kp_dpo.actor, review=review, action="delete", reason="erase the log")
    assert caught.value.fields == {"action": ["No way to carry out this action is declared for this kind of record."]}


# --- bad input: a retention action without DPO approval --------------------------------------------------


def test_a_retention_action_without_dpo_approval_is_refused_and_nothing_changes(world, make_bulletin):
    bulletin = old_bulletin(make_bulletin, world.kp_investigator)
    event = personal_event(world.kp_investigator.actor, bulletin)
    retention_sweep()
    review = retention_review_propose(actor=world.kp_dpo.actor, review=review_of(bulletin), action="delete",
                                      reason="erase")
    seq_before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    for actor in (sweeper_actor(), world.kp_dpo.actor):
        with pytest.raises(ApplicationError) as caught:
            retention_review_execute(actor=actor, review=review)
        assert caught.value.code == "not_approved"
        assert str(caught.value.message) == (
            "This retention action has no approval by a data protection officer: nothing was changed."
        )
    assert retention_execute_approved() == {}  # the sweeper carries out approved actions only

    assert apps.get_model("bulletins", "Bulletin").objects.unscoped(reason="test").filter(pk=bulletin.pk).exists()
    review.refresh_from_db()
    assert review.status == ReviewStatus.PROPOSED and review.executed_at is None
    assert AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() == seq_before
    assert payload_for(event) == {"before": {"title": bulletin.title}, "after": {"title": "changed"}}


def test_a_rejected_action_cannot_be_carried_out(world, make_bulletin):
    bulletin = old_bulletin(make_bulletin, world.kp_investigator)
    retention_sweep()
    review = retention_review_decide(actor=world.kp_dpo.actor, review=review_of(bulletin), decision="reject", reason="keep")
    with pytest.raises(ApplicationError):
        retention_review_execute(actor=sweeper_actor(), review=review)
    assert apps.get_model("bulletins", "Bulletin").objects.unscoped(reason="test").filter(pk=bulletin.pk).exists()


def test_a_non_dpo_may_not_carry_out_even_an_approved_action(world, make_bulletin, person):
    review = _approved(world, make_bulletin, person, "delete")
    with pytest.raises(PermissionDenied):
        retention_review_execute(actor=world.kp_investigator.actor, review=review)
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED


# --- carrying out approved actions ------------------------------------------------------------------------


def _approved(world, make_bulletin, person, action, **extra):
    bulletin = old_bulletin(make_bulletin, world.kp_investigator, **extra)
    retention_sweep()
    review = retention_review_propose(actor=world.kp_dpo.actor, review=review_of(bulletin), action=action, reason="proposal")
    deputy = person("kp_dpo2", role="dpo")
    return retention_review_decide(actor=deputy.actor, review=review, decision="approve", reason="approved")


def test_an_approved_deletion_is_carried_out_by_the_sweeper_with_crypto_shredding(world, make_bulletin, person):
    review = _approved(world, make_bulletin, person, "delete", title="Xhemajl Berisha at Merdare")
    bulletin = apps.get_model("bulletins", "Bulletin").objects.unscoped(reason="test").get(pk=review.object_id)
    event = personal_event(world.kp_investigator.actor, bulletin)
    grant_create(actor=world.kp_investigator.actor, obj=bulletin, grantee_type="institution",
                 institution=world.customs.membership.unit.institution, reason="joint operation")

    assert retention_execute_approved() == {"executed": 1}
    review.refresh_from_db()
    assert review.status == ReviewStatus.EXECUTED and review.executed_at is not None
    assert review.outcome["deleted"] == 1 and review.outcome["related_deleted"] == {"core.grant": 1}
    assert review.outcome["shredded"] == [f"bulletins.bulletin:{bulletin.pk}"]
    assert not apps.get_model("bulletins", "Bulletin").objects.unscoped(reason="test").filter(pk=bulletin.pk).exists()
    assert not Grant.objects.filter(object_id=bulletin.pk).exists()
    event.refresh_from_db()
    assert payload_for(event) is None  # the payload is unreadable: its key was destroyed
    assert AuditDataKey.objects.get(subject_type="bulletins.bulletin", subject_id=str(bulletin.pk)).shredded_at is not None
    assert verify_chain().ok  # the chain still verifies
    [executed] = events("retention.executed")
    assert executed.source == "system" and executed.target_public_id == review.public_id
    assert "Xhemajl" not in executed.target_repr and "Xhemajl" not in str(executed.payload)
    assert retention_execute_approved() == {}  # nothing left to do


def test_an_approved_anonymisation_overwrites_the_content(world, make_bulletin, person):
    review = _approved(world, make_bulletin, person, "anonymise", title="Džemajl Ćerimi", contains_personal_data=True)
    result = retention_review_execute(actor=world.kp_dpo.actor, review=review)  # "carry out now"
    assert result.status == ReviewStatus.EXECUTED and result.outcome["anonymised"] == ["body", "contains_personal_data", "title"]
    bulletin = apps.get_model("bulletins", "Bulletin").objects.unscoped(reason="test").get(pk=review.object_id)
    assert (bulletin.title, bulletin.body, bulletin.contains_personal_data) == ("[anonymised]", "[anonymised]", False)
    assert retention_sweep(today=timezone.localdate() + dt.timedelta(days=800))["proposed"] == {}  # not proposed again


def test_erasure_hooks_of_kernel_parts_run_with_the_deletion(world, make_bulletin, person, monkeypatch):
    from kssp.core.retention import registry

    def hook(record):
        count, _ = PeriodicRun.objects.filter(job=f"held-about:{record._meta.label_lower}:{record.pk}").delete()
        return count

    monkeypatch.setitem(registry._erasure_hooks, "test.held", hook)
    review = _approved(world, make_bulletin, person, "delete")
    PeriodicRun.objects.create(job=f"held-about:bulletins.bulletin:{review.object_id}", period="x", started_at=timezone.now())
    assert retention_execute_approved() == {"executed": 1}
    review.refresh_from_db()
    assert review.outcome["related_deleted"] == {"test.held": 1}
    assert not PeriodicRun.objects.filter(job__startswith="held-about:").exists()


def test_a_failing_handler_leaves_the_record_as_it_was(world, make_bulletin, person, monkeypatch):
    from kssp.core.retention import registry

    monkeypatch.setitem(registry._erasure_hooks, "test.held", lambda record: PeriodicRun.objects.all().delete()[0])
    marker = PeriodicRun.objects.create(job="held", period="x", started_at=timezone.now())
    bulletin = make_bulletin(world.kp_investigator)
    parent = grant_create(actor=world.kp_investigator.actor, obj=bulletin, grantee_type="institution",
                          institution=world.customs.membership.unit.institution, reason="share", may_reshare=True)
    Grant.objects.create(content_type=parent.content_type, object_id=parent.object_id, grantee_type="institution",
                         grantee_institution=world.prosecutor.membership.unit.institution, reason="reshare", parent=parent)
    Grant.objects.filter(pk=parent.pk).update(revoked_at=years_ago(6), revoke_reason="over")
    retention_sweep()
    review = review_of(parent)
    deputy = person("kp_dpo2", role="dpo")
    retention_review_decide(actor=deputy.actor, review=review, decision="approve", reason="expired long ago")
    result = retention_review_execute(actor=sweeper_actor(), review=review)
    assert result.status == ReviewStatus.FAILED
    assert "still referenced by other records" in result.outcome["error"]
    assert Grant.objects.filter(pk=parent.pk).exists()
    assert PeriodicRun.objects.filter(pk=marker.pk).exists()  # the hook's erasure was rolled back with it
    assert events("retention.failed")


def test_a_record_gone_before_the_action_closes_the_review(world, make_bulletin, person):
    review = _approved(world, make_bulletin, person, "delete")
    apps.get_model("bulletins", "Bulletin").objects.unscoped(reason="test").filter(pk=review.object_id).delete()
    assert retention_execute_approved() == {"obsolete": 1}
    assert events("retention.obsolete")


def test_a_module_or_a_supervisor_may_request_erasure_of_a_record_they_see(world, make_bulletin, person):
    supervisor = person("kp_sup", role="supervisor", unit="NJKT")
    bulletin = make_bulletin(world.kp_investigator, title="Acquitted: Qerim Krasniqi")
    review = retention_request(actor=supervisor.actor, obj=bulletin, action="delete", reason="Data subject's request")
    assert review.proposed_by == supervisor.user and review.source == "request" and review.status == ReviewStatus.PROPOSED
    with pytest.raises(Conflict):
        retention_request(actor=supervisor.actor, obj=bulletin, action="delete", reason="again")
    retention_review_decide(actor=world.kp_dpo.actor, review=review, decision="approve", reason="Request is founded")
    assert retention_execute_approved() == {"executed": 1}

    hidden = make_bulletin(world.customs)
    with pytest.raises(NotFound):
        retention_request(actor=supervisor.actor, obj=hidden, action="delete", reason="not mine")
    with pytest.raises(PermissionDenied):
        retention_request(actor=world.kp_investigator.actor, obj=make_bulletin(world.kp_investigator), action="delete", reason="x")
