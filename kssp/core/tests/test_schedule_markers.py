"""The sweeper's run markers (issue #7, the sweeper gap): a database error must not leave a marker that
makes the job count as running or done for the rest of its period."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.db import OperationalError
from django.db.models import QuerySet
from django.utils import timezone

from kssp.core import schedule
from kssp.core.models import PeriodicRun
from kssp.core.schedule import run_periodic

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_left_over_markers():
    schedule._uncleared.clear()
    yield
    schedule._uncleared.clear()


def test_a_job_that_meets_a_locked_database_once_runs_at_the_next_sweep(monkeypatch):
    # Given a job whose first run meets a locked database, which is still locked when the sweeper
    # removes the run's marker
    locked = {"now": False}
    calls = []
    real_delete = QuerySet.delete

    def delete(self, *args, **kwargs):
        if self.model is PeriodicRun and locked["now"]:
            raise OperationalError("database is locked")
        return real_delete(self, *args, **kwargs)

    def job(now):
        calls.append(now)
        if len(calls) == 1:
            locked["now"] = True
            raise OperationalError("database is locked")
        return {"done": True}

    monkeypatch.setattr(QuerySet, "delete", delete)
    monkeypatch.setitem(schedule._jobs, "test.locked", schedule.PeriodicJob("test.locked", "day", job))
    moment = timezone.now()
    # (the old sweeper let the second error out; the worker loop logs it and sweeps again)
    with contextlib.suppress(OperationalError):
        run_periodic(now=moment, only="test.locked")
    # When the database answers again and the next sweep runs in the same period
    locked["now"] = False
    outcome = run_periodic(now=moment, only="test.locked")
    # Then the job runs (it is not "skipped" for the rest of the day) and its marker is finished
    assert outcome["test.locked"] == {"done": True}
    assert len(calls) == 2
    run = PeriodicRun.objects.get(job="test.locked")
    assert run.finished_at is not None and run.outcome == {"done": True}


def test_a_marker_left_unfinished_by_a_run_that_died_is_taken_over_once_stale(monkeypatch):
    calls = []
    def job(now):
        calls.append(now)
        return {"n": len(calls)}

    monkeypatch.setitem(schedule._jobs, "test.died", schedule.PeriodicJob("test.died", "day", job))
    moment = timezone.now()
    key = schedule.period_key("day", moment)
    # A run that is still going (another worker) is left alone
    marker = PeriodicRun.objects.create(job="test.died", period=key, started_at=timezone.now() - dt.timedelta(minutes=1))
    assert run_periodic(now=moment, only="test.died")["test.died"] == "skipped"
    assert calls == []
    # A run killed half-way (its marker unfinished for longer than STALE_AFTER) is run again
    PeriodicRun.objects.filter(pk=marker.pk).update(started_at=timezone.now() - schedule.STALE_AFTER - dt.timedelta(minutes=1))
    assert run_periodic(now=moment, only="test.died")["test.died"] == {"n": 1}
    assert PeriodicRun.objects.get(pk=marker.pk).finished_at is not None
    # and a finished run is never run again in its period
    assert run_periodic(now=moment, only="test.died")["test.died"] == "skipped"
    assert len(calls) == 1
