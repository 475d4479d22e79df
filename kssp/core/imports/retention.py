"""Retention of staged imports (issue #3 point 8): how long the staging area keeps a file and its rows.

A batch, with its file and its staged rows (deleted with it), goes 90 days after the upload, once the
DPO approves; discarding deletes the rows and the file at once, and promotion the file. Rows that were
promoted live on as the module's own records, under their own retention class.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kssp.core.retention.classes import LED, STAFF
from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, declare, delete_row

STAGED_IMPORTS = RetentionClass(
    code="staged-imports",
    label=_("Staged imports"),
    period=Period(days=90),
    trigger=Trigger.CREATED,
    action=Action.DELETE,
    legal_basis=f"{LED} Art. 4(1)(e) (storage limitation) and Art. 29 (security of processing)",
    purpose=_("Checking an uploaded file row by row before its rows become records of a module"),
    data_subjects=(STAFF, _("persons named in the rows of the file")),
    data_categories=(
        _("who uploaded which file, when, its digest and counts"),
        _("the cells of each row as read, and the messages about them"),
    ),
    recipients=(_("the person who uploaded the file"),),
    note=_("Discarding an import deletes its rows and its file at once; promoting it deletes the file."),
)

STAGED_IMPORT_CONTENT = RetentionClass(
    code="staged-import-content",
    label=_("Files and rows of staged imports"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.DELETE,
    legal_basis=f"{LED} Art. 4(1)(e) (storage limitation)",
    purpose=_("Checking an uploaded file row by row before its rows become records of a module"),
    data_subjects=(_("persons named in the rows of the file"),),
    data_categories=(_("the uploaded file"), _("the cells of each row as read")),
    recipients=(_("the person who uploaded the file"),),
    note=_("Deleted with their import (see “Staged imports”), or earlier when the import is discarded."),
)

declare(
    "imports.ImportBatch", STAGED_IMPORTS, trigger_field="created_at", institution_field="owner_institution",
    label_field="filename", handlers={Action.DELETE: delete_row},
)
declare("imports.ImportSource", STAGED_IMPORT_CONTENT)
declare("imports.StagedRow", STAGED_IMPORT_CONTENT)
