"""A long promotion does not block the platform (issue #7 point 3), with real processes on the test
database (a SQLite file, or PostgreSQL): another user's save goes through while a large import is being
promoted, and a promotion killed half-way leaves nothing visible and can be finished or cleaned up."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db.models import Q
from django.utils import timezone

from kssp.core.audit import verify_chain
from kssp.core.exceptions import Conflict
from kssp.core.imports import services
from kssp.core.imports.models import ImportSource, ImportStatus
from kssp.core.imports.tests.conftest import csv_bytes, sample_row
from kssp.core.imports.tests.test_kill import PRELUDE, kill_9, run_until
from kssp.core.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

# The promoting process: the sample type's field rules are slowed down (2 ms a row, inside each chunk's
# transaction, as a real type's checks would be on a slow disk), chunks of CHUNK rows; it says when the
# first chunk starts and, with a third argument, stops for good inside that chunk (to be killed there).
PROMOTER = PRELUDE + """
from django.conf import settings
settings.KSSP["IMPORT_PROMOTE_CHUNK"] = int(sys.argv[3])
from kssp.accounts.actor import actor_for
from kssp.accounts.models import Membership
from kssp.core.testing.recordkind.services import SampleRecordWrites
from kssp.core.imports.models import ImportBatch
from kssp.core.imports.services import import_batch_promote
membership = Membership.objects.select_related("user", "unit__institution", "role").get(pk=int(sys.argv[2]))
actor = actor_for(membership.user, membership, source="task")
stop_in_chunk = int(sys.argv[4])
real_clean = SampleRecordWrites.clean
seen = 0
def slow_clean(self, actor, data, record):
    global seen
    seen += 1
    if seen == 1:
        say("started")
    if stop_in_chunk and seen == (stop_in_chunk - 1) * int(sys.argv[3]) + 1:
        say("inside chunk %d" % stop_in_chunk)  # earlier chunks committed, this one open
        time.sleep(600)
    time.sleep(0.002)
    return real_clean(self, actor, data, record)
SampleRecordWrites.clean = slow_clean
import_batch_promote(actor=actor, batch=ImportBatch.objects.get(pk=int(sys.argv[1])))
say("finished")
"""


def _visible(model, actor) -> int:
    return model.objects.visible_to(actor).count()


def _created_events() -> int:
    return AuditEvent.objects.filter(event_type="samplerecord.created").count()


def test_another_users_save_goes_through_while_a_long_import_is_promoted(world, sample_model):
    """Before: the promotion held one write transaction from its first row to its last, so this save
    waited for it (and failed with "database is locked" once the promotion outlasted the busy timeout)."""
    from kssp.core.testing.recordkind.services import samplerecord_create

    person, other = world.kp_investigator, world.kp_investigator_other
    n = 4_000
    batch = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="big.csv",
                                         content=csv_bytes([sample_row(i) for i in range(1, n + 1)]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED

    proc = run_until(PROMOTER, batch.pk, person.membership.pk, 250, 0, marker="started")
    try:
        saved = samplerecord_create(actor=other.actor, title="Saved while an import runs", body="Text.")
        batch.refresh_from_db()
        # The save is in, and the promotion is still going: its records are there but nobody sees them.
        assert batch.status == ImportStatus.PROMOTING and proc.poll() is None
        assert sample_model.objects.visible_to(other.actor).filter(pk=saved.pk).exists()
        assert _visible(sample_model, person.actor) == 0
        assert _visible(sample_model, world.aki.actor) == 0  # national sight sees none of them either
        assert AuditEvent.objects.filter(event_type="samplerecord.created").count() == 1  # only the save's
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert out.strip().endswith("finished"), err[-3000:]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PROMOTED and batch.records_created == n
    assert _visible(sample_model, person.actor) == n
    assert _created_events() == n + 1
    assert verify_chain().ok


def test_a_promotion_killed_half_way_leaves_nothing_visible_and_is_cleaned_up_or_finished(world, sample_model):
    person = world.kp_investigator
    n, chunk = 120, 20
    batch = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="ok.csv",
                                         content=csv_bytes([sample_row(i) for i in range(1, n + 1)]))
    batch.refresh_from_db()
    events_before = AuditEvent.objects.count()

    proc = run_until(PROMOTER, batch.pk, person.membership.pk, chunk, 4, marker="started")
    assert proc.stdout.readline().strip() == "inside chunk 4"
    kill_9(proc)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.PROMOTING
    hidden = sample_model.objects.unscoped(reason="test")
    assert hidden.filter(import_pending=batch.pk).count() == 3 * chunk  # three chunks committed, hidden
    assert not hidden.filter(import_pending__isnull=True).exists()
    assert _visible(sample_model, person.actor) == 0 and _visible(sample_model, world.aki.actor) == 0
    assert AuditEvent.objects.count() == events_before  # no record's event before the final switch
    assert ImportSource.objects.filter(batch=batch).exists()

    # While its lease is fresh nobody else promotes it; the sweeper leaves it alone too.
    with pytest.raises(Conflict):
        services.import_batch_promote(actor=person.actor, batch=batch)
    assert services.abandon_stale_promotions() == 0

    # Once stale, the sweeper removes the hidden records and gives the batch back, audited.
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        assert services.abandon_stale_promotions() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATED and batch.failure is not None
    assert not hidden.exists()
    assert AuditEvent.objects.filter(event_type="import.promotion_abandoned", target_public_id=batch.public_id).count() == 1

    # And it is imported again, completely: each row once, each with its event, numbers unique.
    batch = services.import_batch_promote(actor=person.actor, batch=batch)
    assert batch.status == ImportStatus.PROMOTED and batch.records_created == n
    assert _visible(sample_model, person.actor) == n == hidden.count()
    assert sorted(hidden.values_list("title", flat=True)) == sorted(f"Stolen rifle {i}" for i in range(1, n + 1))
    assert len(set(hidden.values_list("number", flat=True))) == n
    assert _created_events() == n
    assert verify_chain().ok


def test_a_killed_promotion_is_finished_by_promoting_again_once_stale(world, sample_model):
    person = world.kp_investigator
    n, chunk = 60, 20
    batch = services.import_batch_create(actor=person.actor, import_type_code="samples", filename="ok.csv",
                                         content=csv_bytes([sample_row(i) for i in range(1, n + 1)]))
    proc = run_until(PROMOTER, batch.pk, person.membership.pk, chunk, 3, marker="started")
    assert proc.stdout.readline().strip() == "inside chunk 3"
    kill_9(proc)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        batch = services.import_batch_promote(actor=person.actor, batch=batch)
    assert batch.status == ImportStatus.PROMOTED
    records = sample_model.objects.unscoped(reason="test")
    assert records.count() == n == _visible(sample_model, person.actor)
    assert not records.filter(~Q(import_pending=None)).exists()
    assert _created_events() == n
