"""Serve the demo: the web server on 127.0.0.1:8000 and the worker loop (tasks + sweeper) beside it."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from kssp.core.processes import child_environment, exit_on_termination, stop


class Command(BaseCommand):
    help = "Start the task worker and periodic sweeper in the background, then the web server."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args: object, **options: Any) -> None:
        exit_on_termination()  # TERM (``kill``, a stopped ``make demo``) runs the cleanup below
        worker = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", "run_worker"], env=child_environment()
        )
        self.stdout.write(f"Worker started (pid {worker.pid}). Web server on http://{options['addrport']}/")
        self.stdout.flush()
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            stop(worker)
