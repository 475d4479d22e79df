"""Offline-tolerant capture, the kernel part (issue #3 point 9): one record per client UUID.

The primitive is exercised on a kernel model (PeriodicRun) so that the kernel's tests import no
module; kssp/bulletins/tests/test_quick_capture.py applies it to bulletins (page, queue answer, API).
Bad input of the issue: "the same client UUID submitted twice with different content (refused, first
one kept)".
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from kssp.core.exceptions import ApplicationError
from kssp.core.models.schedule import PeriodicRun
from kssp.core.offline import (
    AlreadyReceived,
    OfflineConflict,
    content_digest,
    parse_client_id,
    submit_once,
)
from kssp.core.offline_capture.jobs import purge_old_keys
from kssp.core.offline_capture.models import OfflineSubmission

pytestmark = pytest.mark.django_db


def make_run(job: str, period: str = "p1") -> PeriodicRun:
    return PeriodicRun.objects.create(job=job, period=period, started_at=timezone.now())


class Calls:
    """A create() that counts its calls."""

    def __init__(self, job: str = "capture", period: str = "p1"):
        self.job, self.period, self.count = job, period, 0

    def __call__(self) -> PeriodicRun:
        self.count += 1
        return make_run(self.job, self.period)


def test_same_uuid_same_content_gives_the_first_record_and_one_record_only(world):
    actor = world.kp_investigator.actor
    client_id = uuid.uuid4()
    content = {"title": "Grey Golf", "when": dt.date(2025, 3, 1), "count": 2}
    create = Calls()

    first = submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content=content, create=create)
    again = submit_once(actor=actor, model=PeriodicRun, client_uuid=str(client_id), content=dict(reversed(content.items())),
                        create=create)

    assert (first.created, first.status_code) == (True, 201)
    assert (again.created, again.status_code) == (False, 200)
    assert again.obj.pk == first.obj.pk
    assert create.count == 1
    assert PeriodicRun.objects.filter(job="capture").count() == 1
    row = OfflineSubmission.objects.get()
    assert (row.model, row.client_uuid, row.object_id, row.user_id) == (
        "core.periodicrun", client_id, first.obj.pk, actor.user_id,
    )


def test_same_uuid_with_different_content_is_refused_and_the_first_record_is_kept(world):
    actor = world.kp_investigator.actor
    client_id = uuid.uuid4()
    create = Calls()
    first = submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"title": "A"}, create=create)
    rows_before = (PeriodicRun.objects.count(), OfflineSubmission.objects.count())

    other = Calls(job="other")
    with pytest.raises(OfflineConflict) as refused:
        submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"title": "B"}, create=other)

    assert refused.value.status == 409 and refused.value.code == "offline_conflict"
    assert "different content" in str(refused.value.message) and "first record was kept" in str(refused.value.message)
    assert other.count == 0, "nothing of the second submission was written"
    assert (PeriodicRun.objects.count(), OfflineSubmission.objects.count()) == rows_before
    assert OfflineSubmission.objects.get().object_id == first.obj.pk


def test_the_same_uuid_from_another_user_is_their_own_record_and_reveals_nothing(world):
    client_id = uuid.uuid4()
    mine = submit_once(actor=world.kp_investigator.actor, model=PeriodicRun, client_uuid=client_id, content={"t": 1},
                       create=Calls("mine"))
    theirs = submit_once(actor=world.customs.actor, model=PeriodicRun, client_uuid=client_id, content={"t": 1},
                         create=Calls("theirs"))
    assert (theirs.created, theirs.obj.job) == (True, "theirs")
    assert theirs.obj.pk != mine.obj.pk
    assert OfflineSubmission.objects.filter(client_uuid=client_id).count() == 2
    # Each sender's replay returns their own record.
    again = submit_once(actor=world.customs.actor, model=PeriodicRun, client_uuid=client_id, content={"t": 1}, create=Calls())
    assert again.obj.pk == theirs.obj.pk


def test_one_key_per_sender_and_uuid_in_the_database(world):
    from django.db import IntegrityError, transaction

    actor = world.kp_investigator.actor
    client_id = uuid.uuid4()
    submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"t": 1}, create=Calls())
    with pytest.raises(IntegrityError), transaction.atomic():
        OfflineSubmission.objects.create(model="other.model", client_uuid=client_id, object_id=1, digest="0" * 64,
                                         user_id=actor.user_id)
    # The public site's senders (no user) share one key space of their own.
    OfflineSubmission.objects.create(model="portal.publicsubmission", client_uuid=client_id, object_id=1, digest="0" * 64)
    with pytest.raises(IntegrityError), transaction.atomic():
        OfflineSubmission.objects.create(model="portal.publicsubmission", client_uuid=client_id, object_id=2, digest="0" * 64)


def test_the_same_uuid_for_another_record_type_by_the_same_user_is_refused(world):
    actor = world.kp_investigator.actor
    client_id = uuid.uuid4()
    submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"t": 1}, create=Calls())
    from kssp.core.models.audit import AuditHead

    with pytest.raises(OfflineConflict):
        submit_once(actor=actor, model=AuditHead, client_uuid=client_id, content={"t": 1}, create=Calls("x"))


def test_a_refused_submission_leaves_nothing_and_can_be_corrected_and_resent(world):
    actor = world.kp_investigator.actor
    client_id = uuid.uuid4()

    def refuse() -> PeriodicRun:
        make_run("half-written")  # written, then rolled back with the refusal
        raise ApplicationError("The record was not saved.", fields={"title": ["Give a title."]})

    with pytest.raises(ApplicationError):
        submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"title": ""}, create=refuse)
    assert not OfflineSubmission.objects.exists()
    assert not PeriodicRun.objects.filter(job="half-written").exists()

    fixed = submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"title": "ok"}, create=Calls())
    assert fixed.created


def test_losing_a_race_for_the_same_uuid_is_a_replay_not_a_500(world):
    actor = world.kp_investigator.actor
    client_id = uuid.uuid4()
    digest = content_digest({"t": 1})

    def create_while_a_twin_commits() -> PeriodicRun:
        twin = make_run("twin")
        OfflineSubmission.objects.create(
            model="core.periodicrun", client_uuid=client_id, object_id=twin.pk, digest=digest, user_id=actor.user_id
        )
        return make_run("loser")

    # The twin's row is written inside our savepoint here, so it is rolled back with ours; what is left
    # is what a real race leaves when the twin's transaction is the one that commits.
    with pytest.raises(OfflineConflict):
        submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"t": 1}, create=create_while_a_twin_commits)
    assert not PeriodicRun.objects.filter(job__in=["twin", "loser"]).exists()

    twin = make_run("twin")
    OfflineSubmission.objects.create(
        model="core.periodicrun", client_uuid=client_id, object_id=twin.pk, digest=digest, user_id=actor.user_id
    )
    replay = submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"t": 1}, create=Calls("loser"))
    assert (replay.created, replay.obj.pk) == (False, twin.pk)


def test_a_replay_of_a_record_that_is_gone_says_already_received(world):
    actor = world.kp_investigator.actor
    client_id = uuid.uuid4()
    first = submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"t": 1}, create=Calls())
    first.obj.delete()
    with pytest.raises(AlreadyReceived):
        submit_once(actor=actor, model=PeriodicRun, client_uuid=client_id, content={"t": 1}, create=Calls())


@pytest.mark.parametrize("bad", ["", "not-a-uuid", None, "00000000-0000-0000-0000-000000000000", 12])
def test_a_missing_or_malformed_client_id_is_a_field_error(world, bad):
    with pytest.raises(ApplicationError) as refused:
        parse_client_id(bad)
    assert "public_id" in refused.value.fields
    with pytest.raises(ApplicationError):
        submit_once(actor=world.kp_investigator.actor, model=PeriodicRun, client_uuid=bad, content={}, create=Calls())
    assert not PeriodicRun.objects.exists()


def test_the_digest_is_canonical_and_keyed():
    when = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
    one = content_digest({"a": "x", "b": when, "c": uuid.UUID(int=5), "d": [1, 2]})
    assert one == content_digest({"d": [1, 2], "c": uuid.UUID(int=5), "b": when, "a": "x"})
    assert one != content_digest({"a": "x ", "b": when, "c": uuid.UUID(int=5), "d": [1, 2]})
    assert one != content_digest({"a": "x", "b": when, "c": uuid.UUID(int=5), "d": [2, 1]})
    assert len(one) == 64
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-0123456789"):
        assert content_digest({"a": "x", "b": when, "c": uuid.UUID(int=5), "d": [1, 2]}) != one


def test_old_keys_are_purged_by_the_daily_job(world):
    actor = world.kp_investigator.actor
    old = submit_once(actor=actor, model=PeriodicRun, client_uuid=uuid.uuid4(), content={"t": 1}, create=Calls("old"))
    new = submit_once(actor=actor, model=PeriodicRun, client_uuid=uuid.uuid4(), content={"t": 2}, create=Calls("new"))
    OfflineSubmission.objects.filter(object_id=old.obj.pk).update(created_at=timezone.now() - dt.timedelta(days=91))

    outcome = purge_old_keys(timezone.now())

    assert outcome["deleted"] == 1
    assert list(OfflineSubmission.objects.values_list("object_id", flat=True)) == [new.obj.pk]
    assert PeriodicRun.objects.filter(pk=old.obj.pk).exists(), "the record itself stays"


def test_the_service_worker_is_served_as_script_and_not_cached(client):
    from django.test import RequestFactory

    from kssp.core.offline_views import service_worker

    response = service_worker(RequestFactory().get("/x/sw.js"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert b"X-KSSP-Offline-Shell" in response.content
    assert service_worker(RequestFactory().post("/x/sw.js")).status_code == 405
