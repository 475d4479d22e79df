from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from kssp.core.schedule import run_periodic


class Command(BaseCommand):
    help = "Run the periodic sweeper once (or forever with --loop). Idempotent per job and period."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", action="store_true", help="repeat every KSSP_PERIODIC_INTERVAL seconds")
        parser.add_argument("--job", help="run only this job")

    def handle(self, *args: object, **options: Any) -> None:
        while True:
            for name, outcome in run_periodic(only=options.get("job")).items():
                self.stdout.write(f"{name}: {outcome}")
            if not options["loop"]:
                return
            time.sleep(float(settings.KSSP["PERIODIC_INTERVAL_SECONDS"]))
