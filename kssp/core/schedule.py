"""The periodic sweeper (ARCHITECTURE rule 5): idempotent jobs keyed by (job, period).

Each job recomputes what is due from stored state, so running the sweeper twice in one period, or
after an outage, does no harm and misses nothing. Modules register jobs with ``periodic``.

The run marker (``PeriodicRun``) is written when a job starts, so that two workers do not run it at the
same time, and finished when it ends. A failed job's marker is removed so that the next sweep retries.
A database error can leave it behind all the same (the job failed because the database was locked or
the connection dropped, and removing the marker fails for the same reason; or the process was killed
mid-job): then the sweeper that could not remove it removes it on its next sweep, before anything else,
and a marker left unfinished for longer than ``STALE_AFTER`` is taken over by the next sweep of any
worker. A job is never skipped for the rest of its period because of a marker nobody finishes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from kssp.core.models.schedule import PeriodicRun
from kssp.core.resilience import close_broken_connections

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


#: An unfinished run marker older than this belongs to a run that died (killed, or its marker could not be
#: removed): the next sweep takes it over and runs the job again (jobs are idempotent).
STALE_AFTER = dt.timedelta(minutes=30)

#: Markers of failed runs that this process could not remove (database error); removed on the next sweep.
_uncleared: set[int] = set()


def _claim(job: PeriodicJob, key: str) -> PeriodicRun | None:
    """The run marker for (job, period), or None if the job is done or running in this period."""
    try:
        with transaction.atomic():
            return PeriodicRun.objects.create(job=job.name, period=key, started_at=timezone.now())
    except IntegrityError:
        pass
    # Take over a run that died: an unfinished marker older than STALE_AFTER (one UPDATE, so that of two
    # sweepers only one takes it).
    now = timezone.now()
    taken = PeriodicRun.objects.filter(
        job=job.name, period=key, finished_at__isnull=True, started_at__lt=now - STALE_AFTER
    ).update(started_at=now)
    if not taken:
        return None
    logger.warning("periodic job %s: took over the unfinished run of %s", job.name, key)
    return PeriodicRun.objects.get(job=job.name, period=key)


def _clear(pk: int) -> None:
    """Remove a failed run's marker so that the next sweep retries; if the database refuses now (it is
    why the job failed), drop the connection, try once more, and else remember it for the next sweep."""
    for attempt in (1, 2):
        try:
            PeriodicRun.objects.filter(pk=pk, finished_at__isnull=True).delete()
        except DatabaseError:
            logger.warning("periodic run marker %s not removed (attempt %s)", pk, attempt, exc_info=True)
            if transaction.get_connection().in_atomic_block:
                break  # a caller's transaction (tests): its connection is not ours to drop
            close_broken_connections()
            continue
        _uncleared.discard(pk)
        return
    _uncleared.add(pk)


def _clear_left_over() -> None:
    for pk in sorted(_uncleared):
        _clear(pk)


def run_periodic(*, now: dt.datetime | None = None, only: str | None = None) -> dict[str, Any]:
    """Run every job not yet done in its current period. Returns {job: outcome, "skipped" or "failed"}."""
    _clear_left_over()
    moment = now or timezone.now()
    results: dict[str, Any] = {}
    for job in sorted(_jobs.values(), key=lambda j: j.name):
        if only and job.name != only:
            continue
        key = period_key(job.every, moment)
        run = _claim(job, key)
        if run is None:
            results[job.name] = "skipped"
            continue
        try:
            outcome = job.func(moment)
        except Exception:
            # Leave no marker, so that the next sweep retries this period.
            logger.exception("periodic job %s failed", job.name)
            _clear(run.pk)
            results[job.name] = "failed"
            continue
        PeriodicRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), outcome=outcome)
        results[job.name] = outcome
    return results
