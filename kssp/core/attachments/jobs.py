"""The daily sweep of stored files that no attachment row names.

``attachment_add`` deletes its file when its own transaction fails; a file can still be left behind if
a caller's outer transaction rolls back after the service returned, or if the process is killed
between the write and the commit. Such a file has no row, so nobody can reach it; this job deletes
those older than a day (younger ones may belong to a transaction still open)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.storage import storages

from kssp.core.attachments.models import Attachment
from kssp.core.schedule import periodic

ROOT = "attachments"
GRACE = dt.timedelta(days=1)


def _walk(storage: Any, path: str) -> list[str]:
    try:
        dirs, files = storage.listdir(path)
    except (FileNotFoundError, NotADirectoryError):
        return []
    out = [f"{path}/{name}" for name in files]
    for name in dirs:
        out += _walk(storage, f"{path}/{name}")
    return out


@periodic("attachments.orphan_files", every="day")
def sweep_orphan_files(moment: dt.datetime) -> dict[str, Any]:
    storage = storages["default"]
    names = _walk(storage, ROOT)
    known: set[str] = set()
    for start in range(0, len(names), 500):
        batch = names[start : start + 500]
        known.update(Attachment.objects.filter(stored_name__in=batch).values_list("stored_name", flat=True))
    removed = 0
    for name in names:
        if name in known:
            continue
        if storage.get_modified_time(name) > moment - GRACE:
            continue
        storage.delete(name)
        removed += 1
    return {"files": len(names), "removed": removed}
