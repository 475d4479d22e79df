"""The periodic sweeper (ARCHITECTURE rule 5): idempotent jobs keyed by (job, period).

Each job recomputes what is due from stored state, so running the sweeper twice in one period, or
after an outage, does no harm and misses nothing. Modules register jobs with ``periodic``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from kssp.core.models.schedule import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: str  # "minute" | "hour" | "day"
    func: Callable[[dt.datetime], dict[str, Any]]


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: str) -> Callable[[Callable[[dt.datetime], dict[str, Any]]], Callable[[dt.datetime], dict[str, Any]]]:
    if every not in {"minute", "hour", "day"}:
        raise ValueError(every)

    def decorator(func: Callable[[dt.datetime], dict[str, Any]]) -> Callable[[dt.datetime], dict[str, Any]]:
        _jobs[name] = PeriodicJob(name, every, func)
        return func

    return decorator


def registered_jobs() -> dict[str, PeriodicJob]:
    return dict(_jobs)


def period_key(every: str, moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    if every == "day":
        return local.strftime("%Y-%m-%d")
    if every == "hour":
        return local.strftime("%Y-%m-%dT%H")
    return local.strftime("%Y-%m-%dT%H:%M")


def run_periodic(*, now: dt.datetime | None = None, only: str | None = None) -> dict[str, Any]:
    """Run every job not yet done in its current period. Returns {job: outcome or "skipped"}."""
    moment = now or timezone.now()
    results: dict[str, Any] = {}
    for job in sorted(_jobs.values(), key=lambda j: j.name):
        if only and job.name != only:
            continue
        key = period_key(job.every, moment)
        try:
            with transaction.atomic():
                run = PeriodicRun.objects.create(job=job.name, period=key, started_at=timezone.now())
        except IntegrityError:
            results[job.name] = "skipped"
            continue
        try:
            outcome = job.func(moment)
        except Exception:
            # Leave no marker, so that the next sweep retries this period.
            PeriodicRun.objects.filter(pk=run.pk).delete()
            logger.exception("periodic job %s failed", job.name)
            results[job.name] = "failed"
            continue
        PeriodicRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), outcome=outcome)
        results[job.name] = outcome
    return results
