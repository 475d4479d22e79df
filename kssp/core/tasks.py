"""Background tasks (django-tasks). Tasks only make things happen sooner; the sweeper is the source of truth."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from kssp.core.schedule import run_periodic


@task()
def run_periodic_task(only: str | None = None) -> dict[str, Any]:
    return run_periodic(only=only)


@task()
def ping(value: str) -> str:
    """Round trip used by the backend tests and `manage.py check_worker`."""
    return f"pong:{value}"
