"""Reads on attachments, always scoped by the actor (ARCHITECTURE rule 2)."""

from __future__ import annotations

import logging
from typing import IO, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import storages
from django.db.models import QuerySet

from kssp.core.attachments.models import Attachment
from kssp.core.attachments.policies import attachment_policy
from kssp.core.audit import consultation_record
from kssp.core.exceptions import NotFound
from kssp.core.policy import Actor

logger = logging.getLogger(__name__)
PURPOSE_DOWNLOAD = "attachment download"


def attachment_list_visible_to(*, actor: Actor, record: Any = None, include_removed: bool = False) -> QuerySet[Attachment]:
    """Attachments of records the actor may see (of ``record`` only, when given), newest first."""
    if record is None:
        qs = Attachment.objects.filter(attachment_policy.visible_q(actor))
    else:  # the same rule, asked only of this record's type
        qs = Attachment.objects.filter(attachment_policy.visible_q(actor, of=record)).of(record)
    if not include_removed:
        qs = qs.active()
    return qs.select_related("uploaded_by", "content_type").order_by("-created_at", "-pk")


def attachment_get_visible_to(*, actor: Actor, public_id: Any) -> Attachment:
    try:
        attachment = attachment_list_visible_to(actor=actor).filter(public_id=public_id).first()
    except (ValueError, TypeError, DjangoValidationError):
        attachment = None
    if attachment is None:
        raise NotFound()
    return attachment


def attachment_open_visible_to(*, actor: Actor, public_id: Any, purpose: str = "") -> tuple[Attachment, IO[bytes]]:
    """The attachment and its open file, for a download. Reading the file of a record that holds personal
    data writes a consultation event with the purpose. A missing and a forbidden file answer alike."""
    attachment = attachment_get_visible_to(actor=actor, public_id=public_id)
    record = attachment_policy.record_of(attachment)
    try:
        handle = storages["default"].open(attachment.stored_name, "rb")
    except OSError:
        logger.error("attachment %s: stored file %s is missing", attachment.public_id, attachment.stored_name)
        raise NotFound() from None
    if getattr(record, "contains_personal_data", False):
        try:
            consultation_record(actor=actor, target=attachment, purpose=purpose or PURPOSE_DOWNLOAD, event="attachment.consulted")
        except BaseException:
            handle.close()
            raise
    return attachment, handle
