from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = (
        "PostgreSQL: revoke UPDATE, DELETE and TRUNCATE on the audit table from the application's role "
        "(run as the table owner when the app connects as a separate role)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--role", required=True, help="the database role the application connects as")

    def handle(self, *args: object, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Only meaningful on PostgreSQL; on SQLite the chain itself is the protection.")
        role = connection.ops.quote_name(options["role"])
        with connection.cursor() as cursor:
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON core_auditevent FROM {role}")  # noqa: S608
            cursor.execute(f"GRANT SELECT, INSERT ON core_auditevent TO {role}")  # noqa: S608
        self.stdout.write(self.style.SUCCESS(f"Audit table is append-only for {options['role']}."))
