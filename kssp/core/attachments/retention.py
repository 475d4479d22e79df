"""Retention of attachments (issue #3 point 8): an attachment lives as long as its record; one removed
from its record is kept a year for the audit trail, then deleted with its file. An evidential file is
never swept on its own: it goes with its record (whose module's handler erases its attachments)."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kssp.core.attachments.models import Attachment
from kssp.core.retention import classes as c
from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, declare, register_class

ATTACHMENTS = register_class(RetentionClass(
    code="attachments",
    label=_("Files attached to records"),
    period=Period(years=1),
    trigger=Trigger.ENDED,
    action=Action.DELETE,
    legal_basis=f"{c.LED} Art. 4(1)(e) and 5; {c.POLICE}; {c.CPC}",
    purpose=_("Documents, photographs and tables that support a record (statements, scans, photographs of a scene)"),
    data_subjects=(_("persons named or shown in the files"), c.STAFF),
    data_categories=(_("file content, name and description"), _("SHA-256 of the file"), _("who attached it and when")),
    recipients=(_("whoever may see the record, including by grant"),),
    note=_("Kept as long as the record. A file removed from its record is deleted a year after its removal; "
           "evidential files go only with their record. The GPS position is removed from photographs unless evidential."),
))


def delete_attachment(*, actor: Any, obj: Attachment, review: Any) -> dict[str, Any]:
    """Delete the row, then the file once the deletion is committed (a rollback keeps both)."""
    stored_name, size = obj.stored_name, obj.size
    obj.delete()
    transaction.on_commit(lambda: storages["default"].delete(stored_name))
    return {"deleted": "attachment", "size": size}


def delete_attachments_of(record: Any) -> int:
    """For a module's retention handler erasing a record: delete its attachments and, after the commit,
    their files. Returns how many there were."""
    rows = list(Attachment.objects.of(record).values_list("pk", "stored_name"))
    Attachment.objects.filter(pk__in=[pk for pk, _name in rows]).delete()
    names = [name for _pk, name in rows]

    def delete_files() -> None:
        for name in names:
            storages["default"].delete(name)

    transaction.on_commit(delete_files)
    return len(rows)


declare(
    "attachments.Attachment", ATTACHMENTS, trigger_field="removed_at", institution_field="owner_institution",
    label_field="sha256", handlers={Action.DELETE: delete_attachment},
    sweep_filter=Q(removed_at__isnull=False, evidential=False),
)
