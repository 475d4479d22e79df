"""``manage.py import_units FILE --user USERNAME``: load a filled ``units_template.csv`` (CSV or XLSX) as
an administrator of the institution, through the same staged import as the upload page (issue #7
point 1): every row is validated and reported row by row; only a file without errors is imported, all
units or none, each through the audited ``unit_create`` service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kssp.accounts import permissions as perms
from kssp.accounts.actor import actor_for, memberships_of
from kssp.accounts.imports import UNITS_IMPORT
from kssp.accounts.models import User
from kssp.core.exceptions import ApplicationError
from kssp.core.imports import services
from kssp.core.imports.messages import render_all
from kssp.core.imports.models import ImportStatus, StagedRow
from kssp.core.imports.validation import validate_batch


class Command(BaseCommand):
    help = "Import units from a filled units_template.csv as an administrator of the institution (all or nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the filled template (CSV or XLSX)")
        parser.add_argument("--user", required=True, help="username of an administrator of the institution")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        membership = next((m for m in memberships_of(user) if perms.MEMBERSHIPS_MANAGE in m.role.permissions), None) if user else None
        if user is None or membership is None:
            raise CommandError(f"{options['user']} is not an active administrator (memberships.manage) of any institution.")
        actor = actor_for(user, membership, source="cli")
        try:
            batch = services.import_batch_create(actor=actor, import_type_code="units", filename=path.name,
                                                 content=path.read_bytes())
        except ApplicationError as exc:
            raise CommandError(" ".join(str(m) for ms in exc.fields.values() for m in ms) or str(exc.message)) from exc
        validate_batch(batch.pk)
        batch.refresh_from_db()
        labels = UNITS_IMPORT.labels()
        if batch.status != ImportStatus.VALIDATED:
            for staged in StagedRow.objects.filter(batch=batch, has_errors=True).order_by("row_number"):
                for message in render_all(staged.errors, labels):
                    self.stderr.write(f"Row {staged.row_number}: {message['label']}: {message['message']}")
            raise CommandError(f"{batch.rows_invalid} of {batch.rows_total} rows have errors; nothing was imported.")
        try:
            batch = services.import_batch_promote(actor=actor, batch=batch)
        except ApplicationError as exc:
            raise CommandError(f"Nothing was imported: {exc.message}") from exc
        self.stdout.write(self.style.SUCCESS(f"Imported {batch.records_created} units into {membership.unit.institution.code}."))
