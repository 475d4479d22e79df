"""``manage.py backup``: one archive holding a consistent copy of the database and every stored file,
each with its SHA-256, taken while the platform runs (issue #3 point 11, issue #7 point 3).

The archive is a plain POSIX tar file, ``var/backups/kssp-<UTC time>.tar`` (or ``--output``, a file or
a folder), with a ``.sha256`` file beside it. Its members:

* ``database.sqlite3`` — SQLite through the online backup API (``sqlite3.Connection.backup``), which
  copies a consistent snapshot page by page, WAL included, without stopping writers for long; or
  ``database.pgdump`` — PostgreSQL through ``pg_dump --format=custom``;
* ``files/<name>`` — every file of the default storage (``STORAGES["default"]``, ``var/files/``:
  attachments), read after the database snapshot, so every file a row of the snapshot names is there
  (a file added meanwhile is an orphan the daily sweep removes after a restore);
* ``manifest.json`` — the format, the engine, the time, and for every other member its size and SHA-256.

``manage.py restore`` checks the whole archive against its ``.sha256`` (when present) and every member
against the manifest before it changes anything. ``manage.py restore <archive> --check``
(or ``sha256sum`` on the members of ``tar -xf``) checks an archive by hand.

**Keys are not in the backup.** The audit chain's HMAC key, the anchor signing key and the master key
of encrypted audit payloads (``KSSP_AUDIT_HMAC_KEY``, ``KSSP_AUDIT_ANCHOR_KEY``, ``KSSP_DATA_KEY``,
kept in the environment or ``var/secrets.env``) and ``KSSP_SECRET_KEY`` must be kept separately, in a
different place from the backups: without them a restored audit trail cannot be verified and encrypted
payloads cannot be read; with them stored beside the backups, a stolen backup could be read and a forged
chain re-signed. The archive holds only the database and the storage's files (never ``var/`` as a whole).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from kssp.core.actor import Actor
from kssp.core.audit import audit_record
from kssp.core.backup_archive import ArchiveError, write_archive

KEYS_NOTE = (
    "Keys are not in the backup: keep KSSP_SECRET_KEY, KSSP_AUDIT_HMAC_KEY, KSSP_AUDIT_ANCHOR_KEY and "
    "KSSP_DATA_KEY (var/secrets.env or the environment) separately, away from the backups."
)


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return sha256_of_stream(handle)


def sha256_of_stream(handle: Any) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def pg_environment(db: dict[str, Any]) -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore from Django's connection settings (no password on argv)."""
    env = dict(os.environ)
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[name] = str(db[key])
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


class Command(BaseCommand):
    help = ("Back up the database (SQLite online backup, or pg_dump for PostgreSQL) and every stored file into one "
            "archive with a manifest of SHA-256 hashes. " + KEYS_NOTE)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", "-o", help="file or folder for the backup (default: var/backups/)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)")

    def handle(self, *args: object, **options: Any) -> None:
        connection = connections[options["database"]]
        vendor = connection.vendor
        if vendor not in {"sqlite", "postgresql"}:
            raise CommandError(f"Backups are implemented for SQLite and PostgreSQL, not {vendor}.")
        target = self._target(options.get("output"), ".tar")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        database = target.with_name(target.name + ".database.partial")
        try:
            if vendor == "sqlite":
                self._sqlite(connection, database)
            else:
                self._postgresql(connection.settings_dict, database)
            # the files after the database: every file a row of the snapshot names is already stored
            manifest = write_archive(partial, engine=vendor, database=database, storage=storages["default"],
                                     created=timezone.now().isoformat())
            partial.replace(target)
        except ArchiveError as exc:
            raise CommandError(f"The backup was not written: {exc}") from None
        finally:
            partial.unlink(missing_ok=True)
            database.unlink(missing_ok=True)
        digest = sha256_of(target)
        Path(f"{target}.sha256").write_text(f"{digest}  {target.name}\n", encoding="utf-8")
        self.stdout.write(f"Backup written: {target}")
        self.stdout.write(f"Database: {vendor}, {manifest.database.size} bytes, SHA-256 {manifest.database.sha256}")
        size = sum(m.size for m in manifest.files)
        self.stdout.write(f"Files: {len(manifest.files)} ({size} bytes), each with its SHA-256 in manifest.json")
        missing = self._attachments_missing({m.storage_name: m.sha256 for m in manifest.files})
        if missing:
            self.stderr.write(f"Warning: {missing} attachment file(s) named by the database were not in the storage "
                              "or differ from their SHA-256.")
        self.stdout.write(f"SHA-256 of the archive: {digest}")
        with transaction.atomic(using=options["database"]):  # written after the copy, so not in it
            audit_record(actor=Actor.system("manage.py backup"), event="backup.created", extra={
                "archive": target.name, "sha256": digest, "engine": vendor, "files": len(manifest.files),
                "database_sha256": manifest.database.sha256, "attachment_files_missing": missing,
            })
        self.stdout.write(KEYS_NOTE)

    def _attachments_missing(self, stored: dict[str, str]) -> int:
        from kssp.core.attachments.models import Attachment

        rows = Attachment.objects.values_list("stored_name", "sha256")
        return sum(1 for name, sha in rows.iterator() if stored.get(name) != sha)

    def _target(self, output: str | None, suffix: str) -> Path:
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
        name = f"kssp-{stamp}{suffix}"
        if not output:
            return Path(settings.VAR_DIR) / "backups" / name
        path = Path(output)
        if path.is_dir() or output.endswith(os.sep):
            return path / name
        if path.exists():
            raise CommandError(f"{path} exists; give a new file name or a folder.")
        return path

    def _sqlite(self, connection: Any, target: Path) -> None:
        connection.ensure_connection()
        source: sqlite3.Connection = connection.connection
        destination = sqlite3.connect(str(target))
        try:
            source.backup(destination, pages=1024)
            # A self-contained file: reading it later creates no -wal/-shm beside it.
            destination.execute("PRAGMA journal_mode=DELETE")
        finally:
            destination.close()

    def _postgresql(self, db: dict[str, Any], target: Path) -> None:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise CommandError("pg_dump was not found; install the PostgreSQL client (postgresql-client).")
        command = [pg_dump, "--format=custom", "--file", str(target), "--dbname", str(db["NAME"])]
        result = subprocess.run(command, env=pg_environment(db), capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
