"""Regenerate ``docs/ropa.md`` (the record of processing activities) from the retention declarations.
A test fails when the file is stale."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from kssp.core.retention.ropa import ROPA_PATH, ropa_md


class Command(BaseCommand):
    help = "Regenerate docs/ropa.md from the retention classes and model declarations."

    def handle(self, *args: object, **options: object) -> None:
        ROPA_PATH.parent.mkdir(exist_ok=True)
        ROPA_PATH.write_text(ropa_md(), encoding="utf-8")
        self.stdout.write(f"wrote {ROPA_PATH.relative_to(ROPA_PATH.parent.parent)}")
