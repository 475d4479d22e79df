"""Operators' metrics in Prometheus' text format (issue #7 point 4): ``GET /metrics``.

* ``kssp_http_request_duration_seconds`` — a histogram of request latency by route name, method and
  status class (``2xx``…). Route names, never paths: no record identifier, user or address is a label.
* ``kssp_task_queue_depth`` — background tasks waiting in each queue (database or RQ backend).
* ``kssp_sweeper_last_run_timestamp_seconds`` / ``kssp_sweeper_last_run_age_seconds`` — when the
  periodic sweeper last finished a job.
* ``kssp_audit_head_age_seconds`` / ``kssp_audit_head_sequence`` — how long ago the audit chain last
  grew, and its length.

Access: ``Authorization: Bearer <KSSP_METRICS_TOKEN>``. Without the token setting, or with a wrong
token, the endpoint answers 404 like any page that does not exist (docs/deploy.md: the proxy also keeps
``/metrics`` off the public side; Prometheus scrapes the platform's own port on the internal network).

Several gunicorn workers: ``run_serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` and the histogram is summed
over every worker at scrape time (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

#: Buckets around the 300 ms goal of the load benchmark.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_LATENCY = Histogram(
    "kssp_http_request_duration_seconds",
    "Time from the first middleware to the response, by route name, method and status class.",
    ("route", "method", "status"),
    buckets=BUCKETS,
)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path.startswith(settings.STATIC_URL) else "unmatched"
    return match.view_name or "unnamed"


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        try:
            REQUEST_LATENCY.labels(
                route=_route(request), method=request.method or "", status=f"{response.status_code // 100}xx"
            ).observe(time.perf_counter() - start)
        except Exception:  # noqa: BLE001 - metrics never break a request
            logger.exception("could not record request metrics")
        return response


class PlatformCollector(Collector):
    """Gauges read from the database at scrape time (one process answers; nothing to sum)."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        depth = GaugeMetricFamily("kssp_task_queue_depth", "Background tasks waiting to run.", labels=["queue"])
        for queue, count in queue_depths().items():
            depth.add_metric([queue], count)
        yield depth

        from kssp.core.models.schedule import PeriodicRun

        last = PeriodicRun.objects.filter(finished_at__isnull=False).aggregate(last=Max("finished_at"))["last"]
        yield _gauge("kssp_sweeper_last_run_timestamp_seconds", "When the periodic sweeper last finished a job "
                     "(Unix time; absent before the first run).", last.timestamp() if last else None)
        yield _gauge("kssp_sweeper_last_run_age_seconds", "Seconds since the periodic sweeper last finished a job.",
                     (now - last).total_seconds() if last else None)

        from kssp.core.models.audit import AuditHead

        head = AuditHead.objects.order_by("pk").first()
        yield _gauge("kssp_audit_head_sequence", "Number of events in the audit chain.", head.seq if head else 0)
        yield _gauge("kssp_audit_head_age_seconds", "Seconds since the audit chain last grew.",
                     (now - head.updated_at).total_seconds() if head and head.seq else None)


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    if value is not None:
        family.add_metric([], value)
    return family


def queue_depths() -> dict[str, int]:
    """Tasks waiting per queue, from the configured backend."""
    if settings.TASKS_BACKEND == "rq":
        import django_rq

        return {name: django_rq.get_queue(name).count for name in settings.RQ_QUEUES}
    if settings.TASKS_BACKEND == "db":
        from django.db.models import Count
        from django_tasks.base import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        depths = {"default": 0}
        rows = DBTaskResult.objects.filter(status=TaskResultStatus.READY).values("queue_name").annotate(n=Count("id"))
        for row in rows:
            depths[row["queue_name"]] = row["n"]
        return depths
    return {}


def authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not authorised(request):
        raise Http404
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_LATENCY)
    registry.register(PlatformCollector())
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
