"""Writes on attachments: add (checked, hashed, stored, audited) and remove (soft, audited)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.attachments import content
from kssp.core.attachments.models import Attachment
from kssp.core.attachments.policies import attachment_policy
from kssp.core.attachments.uploads import FileTooLarge, max_bytes
from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.policy import Actor
from kssp.core.records import access as records

DESCRIPTION_MAX = 2000
NAME_MAX = 255
REASON_MAX = 2000


def clean_file_name(name: str) -> str:
    """The last path component, without control characters (browsers and clients send all sorts)."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()


def _read_bounded(upload: Any) -> bytes:
    """The upload's bytes, never more than the limit (a size that lied is caught here too)."""
    limit = max_bytes()
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise FileTooLarge()
    chunks: list[bytes] = []
    total = 0
    source = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(64 * 1024), b"")
    for chunk in source:
        total += len(chunk)
        if total > limit:
            raise FileTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _new_stored_name() -> str:
    # Opaque: nothing of the record, the file name or the type; sharded by month for the file system.
    return f"attachments/{timezone.now():%Y/%m}/{secrets.token_hex(20)}"


def _snapshot(attachment: Attachment) -> dict[str, Any]:
    return {
        "attachment": str(attachment.public_id),
        "record": {"type": f"{attachment.content_type.app_label}.{attachment.content_type.model}",
                   "public_id": str(attachment.record_public_id)},
        "file_name": attachment.original_name,
        "media_type": attachment.media_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "original_sha256": attachment.original_sha256,
        "gps_removed": attachment.gps_removed,
        "evidential": attachment.evidential,
        "description": attachment.description,
    }


@transaction.atomic
def attachment_add(*, actor: Actor, record: Any, upload: Any, description: str = "", evidential: bool = False) -> Attachment:
    """Attach ``upload`` (an uploaded file) to ``record``.

    Refused with a field error on ``file``: past the size limit (``FileTooLarge``, 413), an empty file, a
    kind not accepted or a name that does not fit the content, a damaged image or document. The GPS
    position is removed from JPEG and PNG images unless the file is evidential (or the record says its
    attachments are, with ``attachments_are_evidential``); evidential files are stored byte for byte.
    On any refusal nothing is stored: no row, no file.
    """
    record_type = records.record_type_for(record)
    if record_type is None or not record_type.policy.can(actor, "view", record):
        raise NotFound()
    if not record_type.policy.can(actor, "change", record):
        raise PermissionDenied(_("You may not add files to this record."))

    errors: dict[str, list[str]] = {}
    name = clean_file_name(getattr(upload, "name", "") or "")
    description = (description or "").strip()
    if not name:
        errors["file"] = [_("Choose a file.")]
    elif len(name) > NAME_MAX:
        errors["file"] = [_("The file name is too long: at most %(max)s characters.") % {"max": NAME_MAX}]
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = [_("Keep the description under %(max)s characters.") % {"max": DESCRIPTION_MAX}]
    if errors:
        raise ApplicationError(_("The file was not attached."), fields=errors)

    data = _read_bounded(upload)
    evidential = bool(evidential or getattr(record, "attachments_are_evidential", False))
    try:
        examined = content.examine(data, name, evidential=evidential)
    except content.ContentRefused as exc:
        raise ApplicationError(_("The file was not attached."), fields={"file": [exc.message]}) from None

    storage = storages["default"]
    stored_name = storage.save(_new_stored_name(), ContentFile(examined.data))
    try:
        attachment = Attachment.objects.create(
            content_type=record_type.content_type,
            object_id=record.pk,
            record_public_id=record.public_id,
            owner_institution_id=record.owner_institution_id,
            owner_unit_id=record.owner_unit_id,
            stored_name=stored_name,
            original_name=name,
            media_type=examined.media_type,
            kind=examined.kind.code,
            size=len(examined.data),
            sha256=hashlib.sha256(examined.data).hexdigest(),
            original_sha256=hashlib.sha256(data).hexdigest(),
            gps_removed=examined.gps_removed,
            evidential=evidential,
            description=description,
            uploaded_by=actor.user,
            uploaded_by_institution_id=actor.ids.institution_id,
        )
        audit_record(actor=actor, event="attachment.added", target=attachment, data_subject=record, after=_snapshot(attachment))
    except BaseException:
        storage.delete(stored_name)  # nothing half-written (a later outer rollback is left to the daily sweep)
        raise
    return attachment


@transaction.atomic
def attachment_remove(*, actor: Actor, attachment: Attachment, reason: str) -> Attachment:
    """Remove an attachment from its record. The row and the file stay (for the audit trail and
    retention); the attachment is no longer listed nor downloadable."""
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.removed_at is not None or not attachment_policy.can(actor, "view", attachment):
        raise NotFound()
    if not attachment_policy.can(actor, "remove", attachment):
        raise PermissionDenied(_("You may not remove files of this record."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("The attachment was not removed."), fields={"reason": [_("Give the reason for removing it.")]})
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            _("The attachment was not removed."), fields={"reason": [_("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}]}
        )
    attachment.removed_at = timezone.now()
    attachment.removed_by = actor.user
    attachment.removal_reason = reason
    attachment.save(update_fields=["removed_at", "removed_by", "removal_reason", "updated_at"])
    audit_record(
        actor=actor, event="attachment.removed", target=attachment, data_subject=attachment_policy.record_of(attachment),
        before=_snapshot(attachment), reason=reason,
    )
    return attachment
