"""The backup archive of ``manage.py backup`` and ``manage.py restore``: a POSIX tar file with the
database, every file of the default storage and a manifest naming each member's size and SHA-256.

``manage.py restore <archive> --check`` checks an archive without changing anything: it prints each
member with its hash, or names the first member that is missing, unlisted or different (expected and
found hash) and exits with status 1.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

FORMAT = "kssp-backup/1"
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
FILES = "files/"
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The archive is not one ``manage.py backup`` wrote, or it was changed or cut short."""


@dataclass(frozen=True)
class Member:
    name: str
    size: int
    sha256: str

    @property
    def storage_name(self) -> str:
        return self.name[len(FILES):]


@dataclass(frozen=True)
class Manifest:
    engine: str
    created: str
    database: Member
    files: list[Member]

    def as_json(self) -> bytes:
        body = {
            "format": FORMAT, "engine": self.engine, "created": self.created,
            "members": [vars(m) for m in [self.database, *self.files]],
        }
        return json.dumps(body, indent=1, sort_keys=True).encode()


class _Hashing(io.RawIOBase):
    """Reads through ``handle`` while hashing and counting what passes."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.digest, self.count = handle, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.count += len(data)
        return data


def storage_names(storage: Any, path: str = "") -> list[str]:
    """Every file of ``storage`` (names relative to its root, ``/``-separated), sorted."""
    try:
        dirs, files = storage.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = [f"{path}/{name}" if path else name for name in files]
    for name in dirs:
        names += storage_names(storage, f"{path}/{name}" if path else name)
    return sorted(names)


def _add(tar: tarfile.TarFile, name: str, handle: IO[bytes], size: int) -> Member:
    info = tarfile.TarInfo(name)
    info.size, info.mode = size, 0o600
    reader = _Hashing(handle)
    tar.addfile(info, reader)
    if reader.count != size:
        raise ArchiveError(f"{name} changed size while it was copied ({size} → {reader.count} bytes).")
    return Member(name=name, size=size, sha256=reader.digest.hexdigest())


def write_archive(target: Path, *, engine: str, database: Path, storage: Any, created: str) -> Manifest:
    """Write the archive: the database copy already taken (``database``), then every stored file."""
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        with database.open("rb") as handle:
            db_member = _add(tar, DATABASE_MEMBERS[engine], handle, database.stat().st_size)
        files = []
        for name in storage_names(storage):
            with storage.open(name, "rb") as handle:
                files.append(_add(tar, FILES + name, handle, storage.size(name)))
        manifest = Manifest(engine=engine, created=created, database=db_member, files=files)
        body = manifest.as_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode = len(body), 0o600
        tar.addfile(info, io.BytesIO(body))
    return manifest


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == str(path) and (
        name in DATABASE_MEMBERS.values() or (name.startswith(FILES) and len(name) > len(FILES))
    )


def is_archive(path: Path) -> bool:
    try:
        with tarfile.open(path, "r:") as tar:
            return tar.next() is not None
    except (tarfile.TarError, OSError):
        return False


def read_manifest(tar: tarfile.TarFile, label: str) -> Manifest:
    try:
        handle = tar.extractfile(MANIFEST)
    except KeyError:
        handle = None
    if handle is None:
        raise ArchiveError(f"{label} has no {MANIFEST}: it is not a complete backup archive.")
    try:
        body = json.loads(handle.read())
        if body.get("format") != FORMAT:
            raise ArchiveError(f"{label} is a backup archive of another format ({body.get('format')!r}, expected {FORMAT!r}).")
        members = [Member(name=str(m["name"]), size=int(m["size"]), sha256=str(m["sha256"])) for m in body["members"]]
        engine = str(body["engine"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"{label}: {MANIFEST} cannot be read ({exc}).") from None
    for member in members:
        if not _safe(member.name):
            raise ArchiveError(f"{label}: the manifest names {member.name!r}, which is not a member a backup holds.")
    databases = [m for m in members if m.name in DATABASE_MEMBERS.values()]
    if engine not in DATABASE_MEMBERS or [m.name for m in databases] != [DATABASE_MEMBERS[engine]]:
        raise ArchiveError(f"{label}: the manifest does not name one {engine} database.")
    return Manifest(engine=engine, created=str(body.get("created", "")), database=databases[0],
                    files=[m for m in members if m.name.startswith(FILES)])


def _hash_member(tar: tarfile.TarFile, info: tarfile.TarInfo) -> tuple[str, int]:
    handle = tar.extractfile(info)
    if handle is None:
        return "", 0
    digest, count = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(CHUNK), b""):
        digest.update(chunk)
        count += len(chunk)
    return digest.hexdigest(), count


def verify_archive(path: Path) -> Manifest:
    """Check every member against the manifest; ``ArchiveError`` names the first that does not match."""
    label = str(path)
    try:
        with tarfile.open(path, "r:") as tar:
            return _verify(tar, label)
    except (tarfile.TarError, OSError) as exc:
        raise ArchiveError(f"{label} is not a backup archive ({exc}).") from None


def _verify(tar: tarfile.TarFile, label: str) -> Manifest:
    manifest = read_manifest(tar, label)
    infos = tar.getmembers()
    present = {info.name: info for info in infos}
    if len(present) != len(infos):
        raise ArchiveError(f"{label}: a member appears twice in the archive.")
    listed = {m.name: m for m in [manifest.database, *manifest.files]}
    for name in present:
        if name != MANIFEST and name not in listed:
            raise ArchiveError(f"{label}: {name} is in the archive but not in its manifest.")
    for member in listed.values():
        info = present.get(member.name)
        if info is None:
            raise ArchiveError(
                f"{label}: {member.name} is missing from the archive (the manifest expects SHA-256 {member.sha256}).")
        if not info.isfile():
            raise ArchiveError(f"{label}: {member.name} is not a regular file.")
        found, size = _hash_member(tar, info)
        if found != member.sha256 or size != member.size:
            raise ArchiveError(
                f"{label}: {member.name} does not match the manifest: expected SHA-256 {member.sha256} "
                f"({member.size} bytes), found {found} ({size} bytes).")
    return manifest


def iter_members(path: Path, members: list[Member]) -> Iterator[tuple[Member, IO[bytes]]]:
    """Open each of ``members`` in the archive in turn (read them before asking for the next)."""
    with tarfile.open(path, "r:") as tar:
        for member in members:
            handle = tar.extractfile(member.name)
            if handle is None:
                raise ArchiveError(f"{path}: {member.name} is not a regular file.")
            with handle:
                yield member, handle
