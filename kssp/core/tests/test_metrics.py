"""The operators' /metrics (issue #7 point 4): restricted to a bearer token (404 otherwise), Prometheus
text format, and each figure read back against the database state the test made."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from kssp.core.audit.testing import write_events
from kssp.core.models import AuditEvent
from kssp.core.models.schedule import PeriodicRun

pytestmark = pytest.mark.django_db

TOKEN = "operators-only-0123456789"  # noqa: S105 - a test value


def scrape(client: Client | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


# --- who may read them -------------------------------------------------------------------------------


@override_settings(METRICS_TOKEN="")
def test_metrics_answer_404_to_everyone_without_a_token_setting():
    assert Client().get("/metrics").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Bearer {TOKEN}x", TOKEN, f"Basic {TOKEN}"])
def test_metrics_answer_404_without_the_right_bearer_token(header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = Client().get("/metrics", **extra)
    assert response.status_code == 404
    assert b"kssp_" not in response.content


@override_settings(METRICS_TOKEN=TOKEN)
def test_a_signed_in_user_without_the_token_gets_404(world):
    response = world.kp_investigator.client().get("/metrics")
    assert response.status_code == 404


# --- what they say -----------------------------------------------------------------------------------


@override_settings(METRICS_TOKEN=TOKEN)
def test_request_latency_histogram_counts_each_request_by_route_name():
    key = ("kssp_http_request_duration_seconds_count", (("method", "GET"), ("route", "healthz"), ("status", "2xx")))
    before = scrape().get(key, 0.0)
    for _ in range(3):
        assert Client().get("/healthz").status_code == 200
    after = scrape()
    assert after[key] == before + 3
    inf = ("kssp_http_request_duration_seconds_bucket", (("le", "+Inf"), ("method", "GET"), ("route", "healthz"), ("status", "2xx")))
    assert after[inf] == after[key]
    # Labels name routes, never paths with record identifiers.
    assert not [k for k in after if "route" in dict(k[1]) and "/" in dict(k[1])["route"]]


@override_settings(METRICS_TOKEN=TOKEN, TASKS_BACKEND="db")
def test_queue_depth_counts_tasks_waiting_per_queue():
    def task(queue: str, status: str) -> None:
        DBTaskResult.objects.create(
            status=status, args_kwargs={"args": [], "kwargs": {}}, task_path="kssp.core.tasks.noop", queue_name=queue,
            backend_name="default", run_after=timezone.now(), exception_class_path="", traceback="",
        )

    for _ in range(3):
        task("default", TaskResultStatus.READY)
    task("default", TaskResultStatus.SUCCESSFUL)
    task("default", TaskResultStatus.RUNNING)
    task("imports", TaskResultStatus.READY)
    task("imports", TaskResultStatus.READY)
    samples = scrape()
    assert samples[("kssp_task_queue_depth", (("queue", "default"),))] == 3
    assert samples[("kssp_task_queue_depth", (("queue", "imports"),))] == 2


@override_settings(METRICS_TOKEN=TOKEN)
def test_sweeper_last_run_is_the_latest_finished_job():
    assert ("kssp_sweeper_last_run_timestamp_seconds", ()) not in scrape()  # never run: no value, not 0
    finished = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)
    PeriodicRun.objects.create(job="a", period="p1", started_at=finished - dt.timedelta(minutes=5), finished_at=finished)
    PeriodicRun.objects.create(job="b", period="p1", started_at=finished - dt.timedelta(hours=2),
                               finished_at=finished - dt.timedelta(hours=1))
    PeriodicRun.objects.create(job="c", period="p1", started_at=finished + dt.timedelta(minutes=1))  # still running
    samples = scrape()
    assert samples[("kssp_sweeper_last_run_timestamp_seconds", ())] == pytest.approx(1796635800.0)  # 2026-12-07T09:30Z
    assert samples[("kssp_sweeper_last_run_age_seconds", ())] == pytest.approx(
        (timezone.now() - finished).total_seconds(), abs=60)


@override_settings(METRICS_TOKEN=TOKEN)
def test_audit_head_sequence_and_age_follow_the_chain():
    before = scrape()[("kssp_audit_head_sequence", ())]
    write_events(4)
    samples = scrape()
    assert samples[("kssp_audit_head_sequence", ())] == before + 4 == AuditEvent.objects.count()
    assert 0 <= samples[("kssp_audit_head_age_seconds", ())] < 60
