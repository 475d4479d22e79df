from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from kssp.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the audit chain: sequence, HMACs, head and signed anchors. Exit 1 naming the first problem."

    def handle(self, *args: object, **options: object) -> None:
        result = verify_chain()
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.message))
            return
        raise CommandError(f"AUDIT CHAIN BROKEN [{result.kind}] at event {result.seq}: {result.message}")
