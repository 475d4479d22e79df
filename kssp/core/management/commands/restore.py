"""``manage.py restore <file>``: replace the database with a backup made by ``manage.py backup``, then
verify the audit chain.

* SQLite backups are copied into the live database file with the online backup API (all or nothing).
* PostgreSQL backups are restored with ``pg_restore --clean --if-exists --single-transaction`` (all or
  nothing). Run it with the database owner's credentials (``DATABASE_URL``): after ``audit_harden_db``
  the application's role may not drop the audit tables.

The file's ``.sha256`` (written by ``backup``) is checked when present, and a backup of one engine is
refused for the other. Afterwards ``verify_chain()`` runs with the keys of this environment: the keys
are not in the backup (see ``manage.py backup``), and a restore with the wrong keys reports a broken
chain, exit status 1.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from kssp.core.audit import verify_chain
from kssp.core.management.commands.backup import KEYS_NOTE, pg_environment, sha256_of

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


def backup_kind(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return "unknown"


class Command(BaseCommand):
    help = "Restore the database from a backup file, then verify the audit chain. " + KEYS_NOTE

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="the backup file (from manage.py backup)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help="do not ask for confirmation")
        parser.add_argument("--no-verify", action="store_true", help="skip the audit chain verification")
        parser.add_argument("--no-privileges", action="store_true", help="PostgreSQL: do not restore GRANTs (other cluster, other roles)")

    def handle(self, *args: object, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        connection = connections[options["database"]]
        vendor = connection.vendor
        kind = backup_kind(path)
        if kind == "unknown":
            raise CommandError(f"{path} is neither a SQLite database nor a pg_dump custom-format file.")
        if kind != vendor:
            raise CommandError(f"{path} is a {kind} backup, but the database is {vendor}; restore it into a {kind} database.")
        checksum = Path(f"{path}.sha256")
        if checksum.is_file():
            expected = checksum.read_text(encoding="utf-8").split()[0]
            if sha256_of(path) != expected:
                raise CommandError(f"{path} does not match its SHA-256 ({checksum}); the file is damaged or was changed.")
        if options["interactive"]:
            answer = input(f"This replaces ALL data of the {vendor} database with {path}. Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")

        if vendor == "sqlite":
            self._sqlite(connection, path)
        else:
            self._postgresql(connection, path, no_privileges=options["no_privileges"])
        self.stdout.write(f"Restored {path}.")

        if options["no_verify"]:
            self.stdout.write("Audit chain not verified (--no-verify).")
            return
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"The audit chain does not verify after the restore ({result.kind} at event {result.seq}: {result.message}). "
                "Check that this environment has the keys the backup was made with."
            )
        self.stdout.write(f"Audit chain verified: {result.checked} events.")

    def _sqlite(self, connection: Any, path: Path) -> None:
        name = str(connection.settings_dict["NAME"])
        connection.close()
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        destination = sqlite3.connect(name, timeout=30)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()

    def _postgresql(self, connection: Any, path: Path, *, no_privileges: bool) -> None:
        pg_restore = shutil.which("pg_restore")
        if pg_restore is None:
            raise CommandError("pg_restore was not found; install the PostgreSQL client (postgresql-client).")
        db = connection.settings_dict
        connection.close()
        command = [
            pg_restore, "--clean", "--if-exists", "--single-transaction", "--no-owner", "--exit-on-error",
            "--dbname", str(db["NAME"]), str(path),
        ]
        if no_privileges:
            command.insert(-1, "--no-privileges")
        result = subprocess.run(command, env=pg_environment(db), capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed, nothing was changed: {result.stderr.strip()}")
