"""Validation of a batch into the staging table, in committed chunks, resumable after a crash.

The worker takes a lease on the batch (a token and a heartbeat), then reads the file row by row,
parses and validates each row through its import type, and writes ``chunk_rows`` staged rows at a
time: each chunk is one transaction holding the rows *and* the batch's counters and resume point
(the number of its last row). A worker killed at any moment (``kill -9``) therefore leaves exactly
the chunks it committed, and nothing live: the next worker (the sweeper re-enqueues a batch whose
heartbeat went stale, or the user presses "resume") re-reads the file, skips the rows up to the
resume point, and carries on. Every chunk checks the lease under a row lock, so a batch that was
discarded, or taken over by another worker, stops its old worker at the next chunk.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.core.imports import readers
from kssp.core.imports.messages import Msg, stored
from kssp.core.imports.models import RUNNING, ImportBatch, ImportSource, ImportStatus, StagedRow
from kssp.core.imports.registry import ImportType, import_type
from kssp.core.policy import Actor

logger = logging.getLogger(__name__)

class RowOutcome(NamedTuple):
    """One validated row, ready for the staging table."""

    row_number: int
    raw: dict[str, str]
    cleaned: dict[str, Any] | None
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


ChunkHook = Callable[[int, list[RowOutcome]], None]


class LeaseLost(Exception):
    """Another worker holds the batch now, or it was discarded."""


def chunk_rows_setting() -> int:
    return int(settings.KSSP.get("IMPORT_CHUNK_ROWS", 1000))


def lease_seconds() -> int:
    return int(settings.KSSP.get("IMPORT_LEASE_SECONDS", 120))


def is_stale(batch: ImportBatch, now: dt.datetime | None = None) -> bool:
    """Whether no worker has shown life for the lease period (so another may take the batch over)."""
    moment = now or timezone.now()
    last = batch.heartbeat_at or batch.created_at
    return last is None or last < moment - dt.timedelta(seconds=lease_seconds())


# --- the uploader, as the worker sees them ------------------------------------------------------------


def actor_snapshot(actor: Actor) -> dict[str, Any]:
    return {
        "label": actor.label,
        "membership_id": actor.membership_id,
        "institution_id": actor.institution_id,
        "institution_kind": actor.institution_kind,
        "unit_id": actor.unit_id,
        "unit_path": actor.unit_path,
        "unit_ancestor_ids": list(actor.unit_ancestor_ids),
        "role_code": actor.role_code,
        "scope": actor.scope,
        "permissions": sorted(actor.permissions),
        "clearance": actor.clearance,
        "privileged": actor.privileged,
    }


def actor_from_snapshot(batch: ImportBatch) -> Actor:
    """The uploader as at upload time, for validation only (promotion runs as the promoting person)."""
    snap = dict(batch.actor_snapshot or {})
    user = get_user_model().objects.filter(pk=batch.created_by_id).first()
    return Actor(
        user=user,
        label=str(snap.get("label", "")),
        membership_id=snap.get("membership_id"),
        institution_id=snap.get("institution_id"),
        institution_kind=str(snap.get("institution_kind", "")),
        unit_id=snap.get("unit_id"),
        unit_path=str(snap.get("unit_path", "")),
        unit_ancestor_ids=tuple(snap.get("unit_ancestor_ids", ())),
        role_code=str(snap.get("role_code", "")),
        scope=str(snap.get("scope", "own_unit")),
        permissions=frozenset(snap.get("permissions", ())),
        clearance=int(snap.get("clearance", 0)),
        privileged=bool(snap.get("privileged", False)),
        source="task",
    )


# --- the worker -----------------------------------------------------------------------------------------


def _take_lease(batch_id: int, token: str) -> ImportBatch | None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status not in RUNNING:
            return None
        if batch.lease_token and batch.lease_token != token and not is_stale(batch):
            return None
        batch.status = ImportStatus.VALIDATING
        batch.lease_token = token
        batch.heartbeat_at = timezone.now()
        batch.attempts += 1
        batch.save(update_fields=["status", "lease_token", "heartbeat_at", "attempts", "updated_at"])
        return batch


def _locked(batch_id: int, token: str) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().filter(pk=batch_id, lease_token=token, status=ImportStatus.VALIDATING).first()
    if batch is None:
        raise LeaseLost
    return batch


_STAGED_FIELDS = ("batch", "row_number", "raw", "cleaned", "errors", "warnings", "has_errors", "has_warnings")


def _insert_staged(batch_id: int, rows: list[RowOutcome]) -> None:
    """Write a chunk of staged rows with one prepared INSERT run for every row (``executemany``).

    This is ``bulk_create`` without the ORM's per-row SQL compilation, which costs more than the
    validation itself at 50,000 rows. The statement is plain, portable SQL; JSON values are adapted
    by the backend's own ``adapt_json_value`` (text on SQLite, ``Jsonb`` on PostgreSQL), as the
    model's JSONField would."""
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    columns = [str(StagedRow._meta.get_field(name).column) for name in _STAGED_FIELDS]  # type: ignore[union-attr]
    # Only the model's own table and column names (quoted) go into the text; every value is a parameter.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(StagedRow._meta.db_table), ", ".join(quote(c) for c in columns), ", ".join(["%s"] * len(columns))
    )
    adapt = db.ops.adapt_json_value
    params = [
        (
            batch_id, row.row_number, adapt(row.raw, None), None if row.cleaned is None else adapt(row.cleaned, None),
            adapt(row.errors, None), adapt(row.warnings, None), bool(row.errors), bool(row.warnings),
        )
        for row in rows
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, params)


def _commit_chunk(batch_id: int, token: str, rows: list[RowOutcome], index: int, on_chunk: ChunkHook | None) -> None:
    with transaction.atomic():
        _locked(batch_id, token)
        _insert_staged(batch_id, rows)
        invalid = sum(1 for r in rows if r.errors)
        flagged = sum(1 for r in rows if r.warnings)
        ImportBatch.objects.filter(pk=batch_id).update(
            rows_done=F("rows_done") + len(rows),
            rows_valid=F("rows_valid") + (len(rows) - invalid),
            rows_invalid=F("rows_invalid") + invalid,
            rows_flagged=F("rows_flagged") + flagged,
            last_row_number=rows[-1].row_number,
            heartbeat_at=timezone.now(),
        )
        if on_chunk is not None:
            on_chunk(index, rows)  # inside the transaction: a test may die here, before the commit


def _finish(batch_id: int, token: str, failure: Msg | None = None) -> str:
    with transaction.atomic():
        batch = _locked(batch_id, token)
        staged = StagedRow.objects.filter(batch_id=batch_id).count()
        if failure is None and staged != batch.rows_total:
            failure = Msg(_("The file changed while it was validated (%(staged)s of %(total)s rows). Upload it again."),
                          staged=staged, total=batch.rows_total)
        batch.status = ImportStatus.VALIDATED if failure is None and batch.rows_invalid == 0 else ImportStatus.INVALID
        batch.failure = stored("", failure) if failure is not None else None
        batch.validated_at = timezone.now()
        batch.lease_token = ""
        batch.heartbeat_at = None
        batch.save(update_fields=["status", "failure", "validated_at", "lease_token", "heartbeat_at", "updated_at"])
        return str(batch.status)


def build_row(spec: ImportType, actor: Actor, header: list[str], number: int, cells: list[str]) -> RowOutcome:
    raw = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
    extra = any(cell.strip() for cell in cells[len(header):])
    clean, errors, warnings = spec.parse_row(actor, raw, extra_cells=extra)
    return RowOutcome(number, raw, spec.to_json(clean) if clean is not None else None, errors, warnings)


def validate_batch(
    batch_id: int, *, token: str | None = None, chunk_rows: int | None = None, on_chunk: ChunkHook | None = None
) -> str:
    """Validate (or go on validating) one batch. Returns the outcome: the final status, "busy"
    (another live worker holds it), "skipped" (nothing to do) or "lost" (discarded or taken over)."""
    token = token or uuid.uuid4().hex
    size = chunk_rows or chunk_rows_setting()
    batch = _take_lease(batch_id, token)
    if batch is None:
        current = ImportBatch.objects.filter(pk=batch_id).values_list("status", flat=True).first()
        return "busy" if current in RUNNING else "skipped"
    spec = import_type(batch.import_type)
    try:
        if spec is None:
            return _finish(batch_id, token, Msg(_("This kind of import is no longer available.")))
        source = ImportSource.objects.filter(batch_id=batch_id).values_list("content", flat=True).first()
        if source is None:
            return _finish(batch_id, token, Msg(_("The uploaded file is no longer stored. Upload it again.")))
        content = bytes(source)
        actor = actor_from_snapshot(batch)
        header = list(batch.header)
        pending: list[RowOutcome] = []
        index = 0
        try:
            for number, cells in readers.data_rows(content, batch.file_format, batch.delimiter):
                if number <= batch.last_row_number:
                    continue  # staged by an earlier worker, in a committed chunk
                pending.append(build_row(spec, actor, header, number, cells))
                if len(pending) >= size:
                    index += 1
                    _commit_chunk(batch_id, token, pending, index, on_chunk)
                    pending = []
        except readers.FileRefused as exc:
            return _finish(batch_id, token, exc.message)
        if pending:
            index += 1
            _commit_chunk(batch_id, token, pending, index, on_chunk)
        return _finish(batch_id, token)
    except LeaseLost:
        logger.info("import batch %s: lease lost (discarded or taken over)", batch_id)
        return "lost"
