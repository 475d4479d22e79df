"""Jobs (issue #2 point 9): the Tasks API on the database backend with its worker, the RQ backend
against the local Redis, and the sweeper run idempotently per job and period."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from kssp.core.models import AuditAnchor, PeriodicRun
from kssp.core.schedule import period_key, run_periodic

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:6379/15", "DEFAULT_TIMEOUT": 60}}


@pytest.mark.django_db(transaction=True)
def test_database_backend_enqueues_and_the_worker_runs_the_task():
    with override_settings(TASKS=DB_TASKS):
        from kssp.core.tasks import ping

        result = ping.enqueue("db")
        assert result.status == "READY"
        call_command("db_worker", "--batch", "--queue-name", "default", stdout=io.StringIO(), stderr=io.StringIO())
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert result.return_value == "pong:db"


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(RQ_QUEUES["default"]["URL"])
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI starts it)")
    client.flushdb()
    return client


@pytest.mark.django_db(transaction=True)
def test_rq_backend_against_local_redis():
    _redis_or_skip()
    with override_settings(TASKS=RQ_TASKS, RQ_QUEUES=RQ_QUEUES):
        import django_rq
        from django_tasks_rq import Job

        from kssp.core.tasks import ping

        result = ping.enqueue("rq")
        worker = django_rq.get_worker("default", job_class=Job)
        worker.work(burst=True)
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert result.return_value == "pong:rq"


@pytest.mark.django_db
def test_sweeper_is_idempotent_per_period_and_anchors_the_head_when_it_moved():
    from kssp.core.audit.testing import write_events

    write_events(2)
    moment = timezone.make_aware(dt.datetime(2026, 3, 29, 1, 30))
    first = run_periodic(now=moment)
    second = run_periodic(now=moment)
    assert first["audit.anchor"]["day"] == "2026-03-29" and first["audit.anchor"]["created"] is True
    assert second["audit.anchor"] == "skipped"
    assert AuditAnchor.objects.count() == 1
    assert PeriodicRun.objects.filter(job="audit.anchor").count() == 1
    # Next day: the head has moved (the sweeper's own runs write events), so a new anchor is signed.
    write_events(1, start=2)
    next_day = run_periodic(now=moment + dt.timedelta(days=1))
    assert next_day["audit.anchor"]["created"] is True
    assert AuditAnchor.objects.count() == 2


@pytest.mark.django_db
def test_a_failing_job_leaves_no_marker_so_the_next_sweep_retries(monkeypatch):
    from kssp.core import schedule

    calls = []

    def boom(now):
        calls.append(now)
        raise RuntimeError("disk full")

    monkeypatch.setitem(schedule._jobs, "test.boom", schedule.PeriodicJob("test.boom", "hour", boom))
    assert run_periodic(only="test.boom")["test.boom"] == "failed"
    assert run_periodic(only="test.boom")["test.boom"] == "failed"
    assert len(calls) == 2 and not PeriodicRun.objects.filter(job="test.boom").exists()


def test_period_keys_use_local_time_across_the_dst_change():
    # Europe/Belgrade moves to summer time at 01:00 UTC on 29 March 2026.
    before = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
    after = dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    assert period_key("hour", before) == "2026-03-29T01"
    assert period_key("hour", after) == "2026-03-29T03"
    assert period_key("day", before) == period_key("day", after)


@pytest.mark.django_db
def test_run_periodic_command_prints_outcomes():
    out = io.StringIO()
    call_command("run_periodic", stdout=out)
    assert "audit.anchor" in out.getvalue()
