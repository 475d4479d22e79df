"""``manage.py audit_harden_db --role <app role>`` (PostgreSQL): the application's role gets only what the
audit trail needs. The triggers of migrations 0002 and 0005 hold for every role, the owner included;
this adds the privileges, and TRUNCATE (which triggers do not see), for the role the application uses.

=====================  =========================  ======================================
table                  granted                    revoked
=====================  =========================  ======================================
core_auditevent        SELECT, INSERT             UPDATE, DELETE, TRUNCATE
core_auditanchor       SELECT, INSERT             UPDATE, DELETE, TRUNCATE
core_audithead         SELECT, UPDATE             INSERT, DELETE, TRUNCATE
core_auditdatakey      SELECT, INSERT, UPDATE     DELETE, TRUNCATE
=====================  =========================  ======================================
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

PRIVILEGES = {
    "core_auditevent": ("SELECT, INSERT", "UPDATE, DELETE, TRUNCATE"),
    "core_auditanchor": ("SELECT, INSERT", "UPDATE, DELETE, TRUNCATE"),
    "core_audithead": ("SELECT, UPDATE", "INSERT, DELETE, TRUNCATE"),
    "core_auditdatakey": ("SELECT, INSERT, UPDATE", "DELETE, TRUNCATE"),
}


class Command(BaseCommand):
    help = (
        "PostgreSQL: leave the application's role only SELECT/INSERT on audit events and anchors, SELECT/UPDATE on "
        "the head, and no DELETE or TRUNCATE on data keys (run as the table owner when the app connects as a separate role)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--role", required=True, help="the database role the application connects as")

    def handle(self, *args: object, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(_("Only meaningful on PostgreSQL; on SQLite the chain itself is the protection."))
        role = connection.ops.quote_name(options["role"])
        with connection.cursor() as cursor:
            for table, (granted, revoked) in PRIVILEGES.items():
                cursor.execute(f"REVOKE {revoked} ON {table} FROM {role}")  # noqa: S608
                cursor.execute(f"GRANT {granted} ON {table} TO {role}")  # noqa: S608
        self.stdout.write(self.style.SUCCESS(_("Audit tables hardened for %(role)s.") % {"role": options["role"]}))
