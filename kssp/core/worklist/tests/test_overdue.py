"""The overdue sweeper: recomputed from stored state, idempotent across runs, correct across DST, and
each assignee told once."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.apps import apps

from kssp.core.markings import Classification
from kssp.core.notifications.models import Notification
from kssp.core.schedule import run_periodic
from kssp.core.worklist.models import WorkItem
from kssp.core.worklist.services import work_item_complete, work_item_update

from .helpers import make_record, make_task

BELGRADE = zoneinfo.ZoneInfo("Europe/Belgrade")


def local(*args):
    return dt.datetime(*args, tzinfo=BELGRADE)


@pytest.fixture(autouse=True)
def memberships_since_january(world):
    """The world's memberships start 30 days before today; these tests travel further back."""
    apps.get_model("accounts", "Membership").objects.update(valid_from=dt.date(2026, 1, 1))
    for person in vars(world).values():
        if hasattr(person, "membership"):
            person.membership.refresh_from_db()


def hours_after(moment, hours):
    """Real hours (rule 12: hour-based deadlines in UTC). Adding to a local time would add wall-clock hours."""
    return moment.astimezone(dt.UTC) + dt.timedelta(hours=hours)


def sweep(moment):
    return run_periodic(now=moment, only="worklist.overdue")["worklist.overdue"]


def overdue_notes(item):
    return Notification.objects.filter(kind="task_overdue", object_id=item.pk).count()


def test_a_calendar_deadline_on_the_spring_dst_day_falls_due_at_local_midnight(world):
    # given a task due on Sunday 28 March 2027, the day clocks go forward (02:00 → 03:00)
    with time_machine.travel(local(2027, 3, 26, 10, 0), tick=False):
        item = make_task(world.kp_investigator, assignee=world.kp_low_clearance, due_date=dt.date(2027, 3, 28),
                         classification=Classification.UNCLASSIFIED)
    # then it is not overdue a minute before local midnight, and is at midnight (22:00 UTC, not 23:00)
    assert sweep(local(2027, 3, 28, 23, 59))["became_overdue"] == 0
    assert sweep(local(2027, 3, 29, 0, 0)) == {"became_overdue": 1, "cleared": 0, "notified": 1}
    item.refresh_from_db()
    assert item.overdue and item.overdue_since == local(2027, 3, 29, 0, 0)
    assert item.overdue_since.astimezone(dt.UTC).hour == 22


def test_an_hour_based_deadline_counts_real_hours_across_the_spring_change(world):
    # given a 24-hour deadline set at noon on the Saturday before the change
    with time_machine.travel(local(2027, 3, 27, 12, 0), tick=False):
        item = make_task(world.kp_investigator, due_at=hours_after(local(2027, 3, 27, 12, 0), 24))
    # 24 real hours later it is 13:00 on the local clock: at 12:30 local it is not yet overdue
    assert sweep(local(2027, 3, 28, 12, 30))["became_overdue"] == 0
    assert sweep(local(2027, 3, 28, 13, 0))["became_overdue"] == 1
    item.refresh_from_db()
    assert item.overdue_since == dt.datetime(2027, 3, 28, 11, 0, tzinfo=dt.UTC)


def test_an_hour_based_deadline_counts_real_hours_across_the_autumn_change(world):
    # given a 24-hour deadline set at noon (CEST) on the Saturday before clocks go back
    with time_machine.travel(local(2026, 10, 24, 12, 0), tick=False):
        item = make_task(world.kp_investigator, due_at=hours_after(local(2026, 10, 24, 12, 0), 24))
    # 24 real hours later the local clock shows 11:00 (CET): overdue at 11:30 local, before noon
    assert sweep(local(2026, 10, 25, 10, 59))["became_overdue"] == 0
    assert sweep(local(2026, 10, 25, 11, 30))["became_overdue"] == 1
    assert overdue_notes(item) == 1


def test_two_runs_change_and_send_nothing_more(world):
    with time_machine.travel(local(2026, 10, 1, 9, 0), tick=False):
        item = make_task(world.kp_investigator, assignee=world.kp_low_clearance, due_date=dt.date(2026, 10, 2),
                         classification=Classification.UNCLASSIFIED)
        other = make_task(world.kp_investigator, due_date=dt.date(2026, 10, 30))
    first = sweep(local(2026, 10, 5, 8, 0))
    assert first == {"became_overdue": 1, "cleared": 0, "notified": 1}
    # the same minute again: the sweeper skips the period; a later run recomputes and finds nothing new
    assert run_periodic(now=local(2026, 10, 5, 8, 0), only="worklist.overdue")["worklist.overdue"] == "skipped"
    assert sweep(local(2026, 10, 5, 9, 0)) == {"became_overdue": 0, "cleared": 0, "notified": 0}
    assert overdue_notes(item) == 1
    note = Notification.objects.get(kind="task_overdue")
    assert note.recipient == world.kp_low_clearance.user
    other.refresh_from_db()
    assert not other.overdue


def test_a_later_deadline_clears_the_flag_and_a_new_miss_is_told_again(world):
    with time_machine.travel(local(2026, 10, 1, 9, 0), tick=False):
        item = make_task(world.kp_investigator, due_date=dt.date(2026, 10, 2))
    sweep(local(2026, 10, 3, 8, 0))
    with time_machine.travel(local(2026, 10, 3, 9, 0), tick=False):
        work_item_update(actor=world.kp_investigator.actor, item=item, due_date=dt.date(2026, 10, 10))
    assert sweep(local(2026, 10, 3, 10, 0))["cleared"] == 1
    item.refresh_from_db()
    assert not item.overdue and item.overdue_since is None
    assert sweep(local(2026, 10, 11, 0, 5)) == {"became_overdue": 1, "cleared": 0, "notified": 1}
    assert overdue_notes(item) == 2


def test_done_and_cancelled_tasks_are_never_overdue(world):
    with time_machine.travel(local(2026, 10, 1, 9, 0), tick=False):
        item = make_task(world.kp_investigator, due_date=dt.date(2026, 10, 2))
        work_item_complete(actor=world.kp_investigator.actor, item=item)
    assert sweep(local(2026, 10, 5, 8, 0)) == {"became_overdue": 0, "cleared": 0, "notified": 0}
    # a flag left over from before (say, a crash between two writes) is repaired from the stored state
    WorkItem.objects.filter(pk=item.pk).update(overdue=True)
    assert sweep(local(2026, 10, 5, 9, 0))["cleared"] == 1


def test_a_unit_task_tells_the_units_members_who_may_see_it(world):
    with time_machine.travel(local(2026, 10, 1, 9, 0), tick=False):
        record = make_record(world.kp_investigator, classification=Classification.RESTRICTED)
        make_task(world.kp_investigator, record, unit=world.kp_investigator.membership.unit, due_date=dt.date(2026, 10, 2))
    sweep(local(2026, 10, 3, 8, 0))
    assert set(Notification.objects.filter(kind="task_overdue").values_list("recipient__username", flat=True)) == {"kp_inv"}
