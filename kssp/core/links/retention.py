"""Retention of record links (issue #3 point 8): a link lives as long as the records it joins; it is
reviewed with them (a link says that two records belong together, which matters to the evidential file
and the disclosure log), never swept on its own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kssp.core.retention import classes as c
from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, declare, register_class

RECORD_LINKS = register_class(RetentionClass(
    code="record-links",
    label=_("Links between records"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{c.LED} Art. 4 and 7; {c.CPC}",
    purpose=_("Saying which records of the modules belong together, and which links are evidential"),
    data_subjects=(_("persons in the linked records, through those records"), c.STAFF),
    data_categories=(_("which records are linked, how, and why"), _("who linked or unlinked them and when")),
    recipients=(_("whoever may see both linked records"), _("the defence, for evidential links, through the court file")),
    note=_("Kept while both records are kept; erased with the first of them to go."),
))

declare("links.RecordLink", RECORD_LINKS, institution_field="created_by_institution")
