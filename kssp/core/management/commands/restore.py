"""``manage.py restore <archive>``: replace the database and the stored files with a backup made by
``manage.py backup``, then check what was restored and verify the audit chain.

Before anything changes, the archive is checked whole: against its ``.sha256`` beside it (when
present), then every member against ``manifest.json`` (each listed member present, none unlisted, size
and SHA-256 equal). A changed, cut or foreign archive is refused with the member named and the expected
and found hashes, and nothing is touched.

Then the database member is copied out and checked again, the files are written into the default
storage (each read back and its SHA-256 checked), and the database is replaced:

* SQLite backups are copied into the live database file with the online backup API (all or nothing);
* PostgreSQL backups are restored with ``pg_restore --clean --if-exists --single-transaction`` (all or
  nothing). Run it with the database owner's credentials (``DATABASE_URL``): after ``audit_harden_db``
  the application's role may not drop the audit tables.

Files first: if the database step fails, the only change is files no row names (the daily orphan sweep
removes them). Afterwards every attachment row of the restored database is matched with its file and
hash ("7 of 7 files"), and ``verify_chain()`` runs with the keys of this environment: the keys are not
in the backup (see ``manage.py backup``), and a restore with the wrong keys reports a broken chain,
exit status 1; when it verifies, the restore is recorded as the chain's next event (``backup.restored``,
as ``backup`` records ``backup.created`` after its copy). A backup of one engine is refused for the other.

A bare ``.sqlite3`` or ``.pgdump`` file from before the archive format is still restored (database only,
said so in the output).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.files import File
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from kssp.core.actor import Actor
from kssp.core.audit import audit_record, verify_chain
from kssp.core.backup_archive import ArchiveError, Manifest, is_archive, iter_members, verify_archive
from kssp.core.management.commands.backup import KEYS_NOTE, pg_environment, sha256_of, sha256_of_stream

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
    help = ("Restore the database and the stored files from a backup archive (checked against its manifest first), "
            "then verify the files and the audit chain. " + KEYS_NOTE)

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="the backup archive (from manage.py backup)")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive", help="do not ask for confirmation")
        parser.add_argument("--check", action="store_true", help="only check the archive against its manifest; change nothing")
        parser.add_argument("--no-verify", action="store_true", help="skip the audit chain verification")
        parser.add_argument("--no-privileges", action="store_true", help="PostgreSQL: do not restore GRANTs (other cluster, other roles)")

    def handle(self, *args: object, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        connection = connections[options["database"]]
        vendor = connection.vendor
        checksum = Path(f"{path}.sha256")
        if checksum.is_file():
            expected = checksum.read_text(encoding="utf-8").split()[0]
            found = sha256_of(path)
            if found != expected:
                raise CommandError(
                    f"{path} does not match its SHA-256 ({checksum}): expected {expected}, found {found}; "
                    "the file is damaged or was changed. Nothing was restored.")
        manifest: Manifest | None = None
        if is_archive(path):
            try:
                manifest = verify_archive(path)
            except ArchiveError as exc:
                raise CommandError(f"{exc} Nothing was restored.") from None
            kind = manifest.engine
            if options["check"]:
                for member in [manifest.database, *manifest.files]:
                    self.stdout.write(f"{member.sha256}  {member.size:>12}  {member.name}")
                self.stdout.write(f"OK: a {kind} database and {len(manifest.files)} files, made {manifest.created}; "
                                  "every member matches the manifest. Nothing was changed.")
                return
        else:
            kind = backup_kind(path)
            if kind == "unknown":
                raise CommandError(
                    f"{path} is not a backup archive of manage.py backup (nor a SQLite database or a pg_dump "
                    "custom-format file of the older format).")
        if options["check"]:
            raise CommandError(f"{path} is a bare database file of the older format: it has no manifest to check.")
        if kind != vendor:
            raise CommandError(f"{path} is a {kind} backup, but the database is {vendor}; restore it into a {kind} database.")
        if options["interactive"]:
            what = "ALL data and stored files" if manifest is not None else "ALL data"
            answer = input(f"This replaces {what} of the {vendor} database with {path}. Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")

        missing = 0
        if manifest is None:
            self.stdout.write("This backup is of the older format: it holds the database only, no stored files.")
            self._database(connection, vendor, path, no_privileges=options["no_privileges"])
            self.stdout.write(f"Restored {path}.")
        else:
            with tempfile.TemporaryDirectory(prefix="kssp-restore-") as folder:
                database = Path(folder) / manifest.database.name
                for _member, handle in iter_members(path, [manifest.database]):
                    with database.open("wb") as out:
                        shutil.copyfileobj(handle, out, 1024 * 1024)
                if sha256_of(database) != manifest.database.sha256:
                    raise CommandError(f"{path}: {manifest.database.name} changed while it was read. Nothing was restored.")
                restored = self._files(path, manifest)
                self.stdout.write(f"Files restored: {restored} of {len(manifest.files)}, each matching its SHA-256.")
                self._database(connection, vendor, database, no_privileges=options["no_privileges"])
            self.stdout.write(f"Restored {path}.")
            present, total = self._attachments_check()
            missing = total - present
            self.stdout.write(f"Attachments: {present} of {total} files present and matching the database's SHA-256.")

        restored_extra = {
            "archive": path.name, "engine": vendor, "files": len(manifest.files) if manifest is not None else None,
            "database_sha256": manifest.database.sha256 if manifest is not None else sha256_of(path),
            "attachment_files_missing": missing,
        }
        if options["no_verify"]:
            self.stdout.write("Audit chain not verified (--no-verify).")
            self._record(restored_extra, verified=False)
        else:
            result = verify_chain()
            if not result.ok:
                raise CommandError(
                    f"The audit chain does not verify after the restore ({result.kind} at event {result.seq}: {result.message}). "
                    "Check that this environment has the keys the backup was made with."
                )
            self.stdout.write(f"Audit chain verified: {result.checked} events.")
            self._record(restored_extra, verified=True)
        if missing:
            raise CommandError(
                f"{missing} of {total} attachment files are missing or differ from their SHA-256 after the restore; "
                "the backup did not hold them.")

    def _record(self, extra: dict[str, Any], *, verified: bool) -> None:
        """The restore is the restored chain's next event (not written when the chain does not verify)."""
        with transaction.atomic():
            audit_record(actor=Actor.system("manage.py restore"), event="backup.restored",
                         extra={**extra, "chain_verified": verified})

    def _files(self, path: Path, manifest: Manifest) -> int:
        """Write every file of the archive into the default storage under its own name; read each back."""
        storage = storages["default"]
        restored = 0
        for member, handle in iter_members(path, manifest.files):
            name = member.storage_name
            if storage.exists(name):
                storage.delete(name)
            content = File(handle, name=PurePosixPath(name).name)
            content.size = member.size
            saved = storage.save(name, content)
            if saved != name:
                raise CommandError(f"The storage kept {member.name} as {saved}; restore into an empty or matching storage.")
            with storage.open(name, "rb") as stored:
                found = sha256_of_stream(stored)
            if found != member.sha256:
                raise CommandError(f"{member.name} was written but reads back as SHA-256 {found}, expected {member.sha256}.")
            restored += 1
        return restored

    def _attachments_check(self) -> tuple[int, int]:
        from kssp.core.attachments.models import Attachment

        storage = storages["default"]
        present = total = 0
        for name, sha in Attachment.objects.values_list("stored_name", "sha256").iterator():
            total += 1
            if storage.exists(name):
                with storage.open(name, "rb") as stored:
                    present += sha256_of_stream(stored) == sha
        return present, total

    def _database(self, connection: Any, vendor: str, path: Path, *, no_privileges: bool) -> None:
        if vendor == "sqlite":
            self._sqlite(connection, path)
        else:
            self._postgresql(connection, path, no_privileges=no_privileges)

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
