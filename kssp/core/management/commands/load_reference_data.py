"""Re-run the reference-data loader (idempotent) and audit every row it creates or changes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.policy import Actor
from kssp.core.reference_data import Change, ReferenceDataError, load_all


class Command(BaseCommand):
    help = (
        "Load or refresh the reference data from kssp/core/data/*.csv and pycountry. Rows are matched by code and "
        "only changed rows are written; each change is audited. A bad row aborts the whole load."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system("load_reference_data", source="command")

        def record(change: Change) -> None:
            audit_record(
                actor=actor,
                event=f"reference.{change.status}",
                target=change.obj,
                before=change.before or None,
                after=change.after,
            )

        try:
            counts = load_all(on_change=record)
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for table, count in counts.items():
            self.stdout.write(
                _("%(table)s: %(total)d rows (%(created)d created, %(updated)d updated, %(unchanged)d unchanged)")
                % {
                    "table": table,
                    "total": count.total,
                    "created": count.created,
                    "updated": count.updated,
                    "unchanged": count.unchanged,
                }
            )
