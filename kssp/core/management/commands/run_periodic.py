from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kssp.core.resilience import Backoff, run_with_retry
from kssp.core.schedule import run_periodic

ONE_RUN_ATTEMPTS = 5  # without --loop: about half a minute of waiting before giving up


class Command(BaseCommand):
    help = "Run the periodic sweeper once (or forever with --loop). Idempotent per job and period."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="repeat every KSSP_PERIODIC_INTERVAL seconds")
        parser.add_argument("--job", help="run only this job")

    def handle(self, *args: object, **options: Any) -> None:
        backoff = Backoff()
        while True:
            # A busy or unreachable database is logged and retried after a growing wait, never fatal.
            done, outcomes = run_with_retry(
                lambda: run_periodic(only=options.get("job")), backoff=backoff, what="sweeper", report=self.stderr.write,
            )
            if not done:
                if not options["loop"] and backoff.failures >= ONE_RUN_ATTEMPTS:
                    raise CommandError("the database stayed unavailable; the sweep did not run")
                continue
            for name, outcome in outcomes.items():
                self.stdout.write(f"{name}: {outcome}")
            if not options["loop"]:
                return
            time.sleep(float(settings.KSSP["PERIODIC_INTERVAL_SECONDS"]))
