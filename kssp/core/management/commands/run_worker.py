"""The worker loop: the task worker of the configured backend (restarted when it stops, e.g. on a
database error), plus the periodic sweeper, which waits out a busy or unreachable database."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from kssp.core.processes import child_environment, exit_on_termination, parent_gone, stop
from kssp.core.resilience import Backoff, run_with_retry
from kssp.core.schedule import run_periodic


def worker_command() -> list[str]:
    if settings.TASKS_BACKEND == "rq":
        return [sys.executable, "manage.py", "rqworker", "default", "--job-class", "django_tasks_rq.Job", "--with-scheduler"]
    return [sys.executable, "manage.py", "db_worker", "--queue-name", "default"]


class Command(BaseCommand):
    help = "Start the task worker and run the periodic sweeper every KSSP_PERIODIC_INTERVAL seconds."

    def handle(self, *args: object, **options: Any) -> None:
        exit_on_termination()  # TERM stops the task worker too, not only this loop
        child = None
        if settings.TASKS_BACKEND != "immediate":
            child = subprocess.Popen(worker_command(), env=child_environment())  # noqa: S603 - fixed argv
        backoff = Backoff()

        def pause(seconds: float) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline and not parent_gone():
                time.sleep(min(0.5, seconds))

        try:
            while not parent_gone():
                # A busy or unreachable database is waited out (and logged), never the end of the loop.
                run_with_retry(run_periodic, backoff=backoff, what="sweeper", sleep=pause, report=self.stderr.write)
                if child is not None and child.poll() is not None:
                    self.stderr.write("task worker stopped; restarting")
                    child = subprocess.Popen(worker_command(), env=child_environment())  # noqa: S603
                pause(float(settings.KSSP["PERIODIC_INTERVAL_SECONDS"]))
        except KeyboardInterrupt:
            pass
        finally:
            stop(child)
