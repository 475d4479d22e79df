"""Writes on imports: upload, resume, promote (all-or-nothing), discard, and the report download.

Every service checks the batch policy (404 for a batch the actor may not see) and writes its audit
event in its own transaction. Validation itself runs in the worker (``validation.validate_batch``),
scheduled with ``on_commit`` so that the worker never sees a batch that was rolled back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kssp.core.audit import AuditEntry, audit_append_prepared, audit_batch, audit_prepare_many, audit_record
from kssp.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied
from kssp.core.imports import readers
from kssp.core.imports.messages import Msg, render, stored
from kssp.core.imports.models import FINAL, RUNNING, ImportBatch, ImportSource, ImportStatus, StagedRow
from kssp.core.imports.policies import import_batch_policy
from kssp.core.imports.registry import ImportType, StagedValues, import_type
from kssp.core.imports.validation import actor_snapshot, is_stale
from kssp.core.policy import Actor

PROMOTE_PAGE = 1000
logger = logging.getLogger(__name__)


def max_upload_bytes() -> int:
    return int(settings.KSSP.get("IMPORT_MAX_BYTES", 20 * 1024 * 1024))


def too_large_message() -> str:
    return _("The file is too large: at most %(limit)s MB can be imported at once.") % {
        "limit": max_upload_bytes() // (1024 * 1024) or 1
    }


def _spec_for(actor: Actor, code: str) -> ImportType:
    spec = import_type(code)
    if spec is None or not spec.may_use(actor):
        raise ApplicationError(_("The file was not imported."), fields={"import_type": [_("Choose a kind of import you may use.")]})
    return spec


def _visible(actor: Actor, batch: ImportBatch) -> None:
    if not import_batch_policy.can(actor, "view", batch):
        raise NotFound()


def _lock(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.select_for_update().get(pk=batch.pk)


def schedule_validation(batch: ImportBatch) -> None:
    """Enqueue the worker once the current transaction commits (tasks only make it happen sooner)."""
    from kssp.core.imports.tasks import validate_import_batch

    public_id = str(batch.public_id)
    transaction.on_commit(lambda: validate_import_batch.enqueue(public_id))


# --- upload ---------------------------------------------------------------------------------------------


def import_batch_create(*, actor: Actor, import_type_code: str, filename: str, content: bytes) -> ImportBatch:
    """Check the file (size, type by content, header, number of rows), store it and queue validation.

    The file is read before the transaction opens, so a large workbook does not hold the write lock."""
    if not actor.is_authenticated:
        raise PermissionDenied()
    spec = _spec_for(actor, import_type_code)
    if len(content) > max_upload_bytes():
        raise ApplicationError(_("The file was not imported."), fields={"file": [too_large_message()]}, code="too_large")
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:255] or "import"
    try:
        info = readers.inspect(
            content, name, known_columns=[c.name for c in spec.columns], required=spec.required_columns,
            max_rows=spec.row_limit(),
        )
    except readers.FileRefused as exc:
        raise ApplicationError(_("The file was not imported."), fields={"file": [render(stored("file", exc.message))]}) from None
    ids = actor.ids
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            import_type=spec.code, status=ImportStatus.UPLOADED, owner_institution_id=ids.institution_id,
            owner_unit_id=ids.unit_id, created_by_id=ids.user_id, actor_snapshot=actor_snapshot(actor),
            filename=name, file_format=info.file_format, file_size=len(content),
            file_sha256=hashlib.sha256(content).hexdigest(), delimiter=info.delimiter, header=info.header,
            rows_total=info.rows_total,
        )
        ImportSource.objects.create(batch=batch, content=content)
        audit_record(actor=actor, event="import.uploaded", target=batch, after={
            "import_type": spec.code, "filename": name, "format": info.file_format, "size": len(content),
            "sha256": batch.file_sha256, "rows": info.rows_total,
        })
        schedule_validation(batch)
    return batch


# --- resume ---------------------------------------------------------------------------------------------


@transaction.atomic
def import_batch_resume(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Queue validation again for a batch whose worker stopped (it goes on from the last chunk)."""
    _visible(actor, batch)
    if not import_batch_policy.can(actor, "resume", batch):
        raise PermissionDenied()
    locked = _lock(batch)
    if locked.status not in RUNNING:
        raise ApplicationError(_("This import is not being validated, so there is nothing to resume."), code="not_running")
    if not is_stale(locked):
        raise Conflict(_("Validation is running. Wait for it to finish."))
    audit_record(actor=actor, event="import.resumed", target=locked, extra={
        "after_row": locked.last_row_number, "rows_done": locked.rows_done, "rows_total": locked.rows_total,
    })
    schedule_validation(locked)
    return locked


def resume_stale_batches(*, now: dt.datetime | None = None) -> int:
    """The sweeper's part: queue every running batch whose worker went silent. Returns how many."""
    from kssp.core.imports.tasks import validate_import_batch

    count = 0
    for batch in ImportBatch.objects.filter(status__in=RUNNING).only("pk", "public_id", "heartbeat_at", "created_at"):
        if is_stale(batch, now):
            validate_import_batch.enqueue(str(batch.public_id))
            count += 1
    return count


# --- promote --------------------------------------------------------------------------------------------


class _StagedRows:
    """The clean values of a batch's rows, in row order, read a page at a time; remembers the row
    being promoted so that a refusal can say which row it was. Before each row it calls ``checkpoint``
    (the audit batch's: between two rows no savepoint of the module's services is open)."""

    def __init__(self, batch: ImportBatch, spec: ImportType) -> None:
        self.batch_id = batch.pk
        self.spec = spec
        self.current = 0
        self.count = 0
        self.checkpoint: Callable[[], None] | None = None

    def __iter__(self) -> Iterator[StagedValues]:
        last = 0
        while True:
            page = list(
                StagedRow.objects.filter(batch_id=self.batch_id, row_number__gt=last)
                .order_by("row_number")
                .values_list("row_number", "cleaned", "has_errors")[:PROMOTE_PAGE]
            )
            if not page:
                return
            for number, clean, has_errors in page:
                if has_errors or clean is None:
                    raise Conflict(_("Row %(row)s has errors.") % {"row": number})
                if self.checkpoint is not None:
                    self.checkpoint()
                self.current = number
                self.count += 1
                yield StagedValues(number, self.spec.from_json(clean))
            last = page[-1][0]


def _refusal_text(exc: Exception) -> str:
    if isinstance(exc, ApplicationError):
        parts = [str(m) for messages in exc.fields.values() for m in messages] or [str(exc.message)]
        return " ".join(parts)
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return _("The record could not be saved.")


def import_batch_promote(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Create the live records of a validated batch, all or nothing.

    A type that names its ``writes`` is promoted in short chunks (``_promote_in_chunks``): no
    transaction lasts longer than one chunk or the final switch, so other users and the workers keep
    writing while a large file is imported. A type with only a ``promote`` function is promoted in one
    transaction (``_promote_in_one_transaction``)."""
    _visible(actor, batch)
    spec = import_type(batch.import_type)
    if spec is None:
        raise ApplicationError(_("This kind of import is no longer available."), code="unknown_type")
    if not import_batch_policy.can(actor, "promote", batch):
        raise PermissionDenied()
    if spec.writes is not None:
        return _promote_in_chunks(actor, batch, spec)
    return _promote_in_one_transaction(actor, batch, spec)


def promote_chunk_size() -> int:
    return max(1, int(settings.KSSP.get("IMPORT_PROMOTE_CHUNK", 500)))


def promote_pause() -> float:
    """Seconds the promotion rests between chunks. SQLite has one writer at a time and a waiting writer
    polls, sleeping up to 100 ms between tries: chunks written back to back starve it until the import
    ends (seen as another user's save waiting out the whole promotion), so on SQLite each chunk leaves a
    gap longer than one poll. PostgreSQL's row locks do not stop other writers: no pause."""
    configured = settings.KSSP.get("IMPORT_PROMOTE_PAUSE")
    if configured is not None:
        return max(0.0, float(configured))
    return 0.12 if connection.vendor == "sqlite" else 0.0


class _LeaseLost(Exception):
    """Another promotion of the same batch took over (this one was stale) or it was discarded."""


def _pending_models() -> list[type[models.Model]]:
    """The record models an import may be writing (every declared type with ``import_pending``)."""
    from kssp.core.records.registry import declarations

    found = []
    for declaration in declarations().values():
        model = declaration.model
        if any(f.name == "import_pending" for f in model._meta.concrete_fields) and model not in found:
            found.append(model)
    return found


def _hold_lease(batch_id: int, token: str) -> None:
    """Inside a chunk's transaction: the lease is still ours (else stop), and show life."""
    held = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.PROMOTING, lease_token=token).update(
        heartbeat_at=timezone.now()
    )
    if not held:
        raise _LeaseLost()


def remove_pending_records(batch_id: int) -> int:
    """Delete the hidden records (and their automatic grants) of an unfinished promotion of
    ``batch_id``, a chunk per short transaction. Returns how many records went."""
    from django.contrib.contenttypes.models import ContentType

    from kssp.core.models.grants import Grant

    size = promote_chunk_size()
    removed = 0
    for model in _pending_models():
        manager: Any = model._default_manager
        content_type = ContentType.objects.get_for_model(model)
        while True:
            with transaction.atomic():
                pks = list(
                    manager.unscoped(reason="an unfinished import's hidden records are removed")
                    .filter(import_pending=batch_id).values_list("pk", flat=True)[:size]
                )
                if not pks:
                    break
                Grant.objects.filter(content_type=content_type, object_id__in=pks).delete()
                manager.unscoped(reason="an unfinished import's hidden records are removed").filter(pk__in=pks).delete()
                removed += len(pks)
    return removed


def _promote_in_chunks(actor: Actor, batch: ImportBatch, spec: ImportType) -> ImportBatch:
    """Chunked promotion, all or nothing by visibility.

    1. A short transaction moves the batch to "promoting" and takes the promotion lease (a fresh
       token and a heartbeat): a second promotion of the same batch is refused while the first shows life.
    2. Records left hidden by an earlier attempt that stopped (a killed process) are removed.
    3. Every chunk of staged rows is one short transaction: ``writes.create_many`` checks each row as the
       service would, reserves the chunk's numbers in one block and writes the records with one
       ``bulk_create``, marked ``import_pending`` (the policy hides them from everyone); their audit
       events are built there too (``audit_prepare_many``: payloads, encryption, keys), not appended.
    4. One short final transaction checks the lease, clears the mark of every record of the batch with
       one UPDATE, appends every record's audit event and ``import.promoted`` to the chain
       (``audit_append_prepared``: sequence numbers, MACs, one bulk INSERT) and marks the batch
       promoted. Only then is any of it visible.

    A refusal removes the hidden records and returns the batch to "validated" with the reason; a
    process killed half-way leaves hidden records only, removed by the sweeper
    (``abandon_stale_promotions``) or by the next promotion of the batch. Numbers reserved by a
    promotion that did not finish are not reused (a gap, never a duplicate)."""
    token = secrets.token_hex(16)
    with transaction.atomic():
        locked = _lock(batch)
        _check_promotable(locked)
        if locked.status == ImportStatus.PROMOTING and locked.lease_token and not is_stale(locked):
            raise Conflict(_("This import is being imported now. Wait for it to finish."))
        locked.status = ImportStatus.PROMOTING
        locked.failure = None
        locked.lease_token = token
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["status", "failure", "lease_token", "heartbeat_at", "updated_at"])
    rows = _StagedRows(batch, spec)
    try:
        remove_pending_records(batch.pk)
        prepared: list[Any] = []  # the records' audit events, built chunk by chunk, appended in the switch
        created = 0
        staged = iter(rows)
        size, pause = promote_chunk_size(), promote_pause()
        while True:
            with transaction.atomic():
                _hold_lease(batch.pk, token)
                records, chunk_entries = spec.writes.create_many(
                    actor=actor, rows=(row.values for row in islice(staged, size)), import_pending=batch.pk
                )
                prepared.extend(audit_prepare_many(actor=actor, events=chunk_entries))
            if not records:
                break
            created += len(records)
            time.sleep(pause)
        switch_started = time.monotonic()
        with transaction.atomic():
            locked = _lock(batch)
            if locked.status != ImportStatus.PROMOTING or locked.lease_token != token:
                raise _LeaseLost()
            if rows.count != locked.rows_total:
                raise RuntimeError(f"import type {spec.code} promoted {rows.count} of {locked.rows_total} rows")
            for model in _pending_models():
                model._default_manager.unscoped(  # type: ignore[attr-defined]
                    reason="the import's final switch makes its records visible"
                ).filter(import_pending=locked.pk).update(import_pending=None)
            locked.status = ImportStatus.PROMOTED
            locked.records_created = created
            locked.promoted_at = timezone.now()
            locked.promoted_by_id = actor.ids.user_id
            locked.failure = None
            locked.lease_token = ""
            locked.heartbeat_at = None
            locked.save(update_fields=[
                "status", "records_created", "promoted_at", "promoted_by", "failure", "lease_token", "heartbeat_at", "updated_at",
            ])
            ImportSource.objects.filter(batch_id=locked.pk).delete()
            prepared.extend(audit_prepare_many(actor=actor, events=[AuditEntry(
                event="import.promoted", target=locked, after={
                    "import_type": spec.code, "filename": locked.filename, "sha256": locked.file_sha256,
                    "rows": locked.rows_total, "records_created": created,
                },
            )]))
            audit_append_prepared(prepared)
        logger.info("import batch %s: %s records visible; the final switch held the write lock %.2f s",
                    locked.pk, created, time.monotonic() - switch_started)
        return locked
    except _LeaseLost:
        raise Conflict(_("This import is being imported now. Wait for it to finish.")) from None
    except (ApplicationError, ValidationError, IntegrityError, DatabaseError) as exc:
        if isinstance(exc, ApplicationError) and exc.code in ("already_final", "not_promotable"):
            raise
        failure = stored("", _failure_message(exc, rows.current))
        _abandon(batch.pk, token, failure)
        raise ApplicationError(render(failure), code="promotion_failed") from exc
    except Exception:
        _abandon(batch.pk, token, stored("", Msg(gettext_lazy("Nothing was imported: the import stopped on an error."))))
        raise


def _failure_message(exc: Exception, row: int) -> Msg:
    text = _refusal_text(exc)
    if row:
        return Msg(gettext_lazy("Nothing was imported. Row %(row)s was refused: %(reason)s"), row=row, reason=text)
    return Msg(gettext_lazy("Nothing was imported: %(reason)s"), reason=text)


def _abandon(batch_id: int, token: str, failure: dict[str, Any]) -> None:
    """After a refusal: remove the hidden records and give the batch back ("validated", with the reason).
    If even that fails (the database is unreachable), the lease goes stale and the sweeper does it."""
    try:
        remove_pending_records(batch_id)
        with transaction.atomic():
            ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.PROMOTING, lease_token=token).update(
                status=ImportStatus.VALIDATED, failure=failure, lease_token="", heartbeat_at=None, updated_at=timezone.now()
            )
    except DatabaseError:
        logger.warning("import batch %s: the unfinished promotion is left to the sweeper", batch_id, exc_info=True)


def abandon_stale_promotions(*, now: dt.datetime | None = None) -> int:
    """The sweeper's part: a promotion whose process stopped (no heartbeat for the lease period) has its
    hidden records removed and its batch given back as "validated", audited. Returns how many."""
    count = 0
    for batch in ImportBatch.objects.filter(status=ImportStatus.PROMOTING).only("pk", "heartbeat_at", "created_at", "lease_token"):
        if not is_stale(batch, now):
            continue
        removed = remove_pending_records(batch.pk)
        failure = stored("", Msg(gettext_lazy("The import stopped before it finished; nothing was imported. Import it again.")))
        with transaction.atomic():
            taken = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PROMOTING, lease_token=batch.lease_token).update(
                status=ImportStatus.VALIDATED, failure=failure, lease_token="", heartbeat_at=None, updated_at=timezone.now()
            )
            if taken:
                audit_record(actor=Actor.system("import sweeper"), event="import.promotion_abandoned", target=batch,
                             extra={"hidden_records_removed": removed})
                count += 1
    return count


def _promote_in_one_transaction(actor: Actor, batch: ImportBatch, spec: ImportType) -> ImportBatch:
    """A type with only ``promote``: every record through the module's services in one transaction.

    The batch first moves to "promoting" (committed, so pages show it); then one transaction creates
    every record through the type's ``promote`` (the module's services, which audit each record),
    marks the batch promoted and writes ``import.promoted``. The services' events and ``import.promoted``
    are gathered by ``audit_batch`` and appended to the chain with one INSERT at the end. Any refusal
    rolls every record back and returns the batch to "validated" with the reason; a process killed
    half-way leaves it "promoting" with nothing written, to be promoted again or discarded."""
    assert spec.promote is not None
    with transaction.atomic():
        locked = _lock(batch)
        _check_promotable(locked)
        if locked.status == ImportStatus.VALIDATED:
            locked.status = ImportStatus.PROMOTING
            locked.failure = None
            locked.save(update_fields=["status", "failure", "updated_at"])
    rows = _StagedRows(batch, spec)
    try:
        with transaction.atomic():
            locked = _lock(batch)
            if locked.status != ImportStatus.PROMOTING:
                _check_promotable(locked)  # raises: it was promoted or discarded meanwhile
            with audit_batch() as audit:
                rows.checkpoint = audit.checkpoint
                created = spec.promote(actor, iter(rows))
                if rows.count != locked.rows_total:
                    raise RuntimeError(f"import type {spec.code} promoted {rows.count} of {locked.rows_total} rows")
                locked.status = ImportStatus.PROMOTED
                locked.records_created = created
                locked.promoted_at = timezone.now()
                locked.promoted_by_id = actor.ids.user_id
                locked.failure = None
                locked.save(update_fields=["status", "records_created", "promoted_at", "promoted_by", "failure", "updated_at"])
                ImportSource.objects.filter(batch_id=locked.pk).delete()
                audit_record(actor=actor, event="import.promoted", target=locked, after={
                    "import_type": spec.code, "filename": locked.filename, "sha256": locked.file_sha256,
                    "rows": locked.rows_total, "records_created": created,
                })
            return locked
    except (ApplicationError, ValidationError, IntegrityError, DatabaseError) as exc:
        if isinstance(exc, ApplicationError) and exc.code in ("already_final", "not_promotable"):
            raise
        failure = stored("", _failure_message(exc, rows.current))
        _back_to_validated(batch, failure)
        raise ApplicationError(render(failure), code="promotion_failed") from exc
    except Exception:
        _back_to_validated(batch, stored("", Msg(gettext_lazy("Nothing was imported: the import stopped on an error."))))
        raise


def _check_promotable(batch: ImportBatch) -> None:
    if batch.status in FINAL:
        message = _("This import was already imported.") if batch.status == ImportStatus.PROMOTED else _("This import was discarded.")
        raise ApplicationError(message, code="already_final")
    if batch.status in RUNNING:
        raise ApplicationError(_("Wait until every row is validated."), code="not_promotable")
    if batch.status == ImportStatus.INVALID or batch.rows_invalid:
        raise ApplicationError(
            ngettext(
                "%(count)s row has errors, so nothing can be imported. Correct it in the file and upload it again, "
                "or discard this import.",
                "%(count)s rows have errors, so nothing can be imported. Correct them in the file and upload it again, "
                "or discard this import.",
                batch.rows_invalid,
            ) % {"count": batch.rows_invalid},
            code="not_promotable",
        )
    if batch.rows_done != batch.rows_total:
        raise ApplicationError(_("Wait until every row is validated."), code="not_promotable")


def _back_to_validated(batch: ImportBatch, failure: dict[str, Any]) -> None:
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PROMOTING).update(
            status=ImportStatus.VALIDATED, failure=failure, updated_at=timezone.now()
        )


# --- discard --------------------------------------------------------------------------------------------


@transaction.atomic
def import_batch_discard(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Drop a batch that was not promoted: its staged rows and its file are deleted, its history kept."""
    _visible(actor, batch)
    locked = _lock(batch)
    if locked.status in FINAL:
        message = _("This import was already imported.") if locked.status == ImportStatus.PROMOTED else _("This import was discarded.")
        raise ApplicationError(message, code="already_final")
    before = locked.status
    locked.status = ImportStatus.DISCARDED
    locked.discarded_at = timezone.now()
    locked.discarded_by_id = actor.ids.user_id
    locked.lease_token = ""
    locked.heartbeat_at = None
    locked.save(update_fields=["status", "discarded_at", "discarded_by", "lease_token", "heartbeat_at", "updated_at"])
    StagedRow.objects.filter(batch_id=locked.pk).delete()
    ImportSource.objects.filter(batch_id=locked.pk).delete()
    audit_record(actor=actor, event="import.discarded", target=locked, before={"status": before}, after={
        "status": locked.status, "rows": locked.rows_total, "rows_done": locked.rows_done,
        "rows_invalid": locked.rows_invalid,
    })
    return locked


# --- the report -----------------------------------------------------------------------------------------


@transaction.atomic
def import_report_download_record(*, actor: Actor, batch: ImportBatch, outcome: str, rows: int) -> None:
    """Record that the row-by-row report left the platform as a file (before it is streamed)."""
    _visible(actor, batch)
    audit_record(actor=actor, event="import.report_downloaded", target=batch, extra={"outcome": outcome or "all", "rows": rows})
