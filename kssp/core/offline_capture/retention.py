"""Retention of the offline-capture keys (issue #3 point 8's registry; imported from the app's ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kssp.core.offline_capture.jobs import DEFAULT_KEEP_DAYS
from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, declare, register_class

OFFLINE_KEYS = register_class(RetentionClass(
    code="offline-keys",
    label=_("Client ids of records sent from devices"),
    period=Period(days=DEFAULT_KEEP_DAYS),
    trigger=Trigger.CREATED,
    action=Action.DELETE,
    legal_basis="Directive (EU) 2016/680 (LED) Art. 29 (security of processing: integrity)",
    purpose=_("Creating each record sent from a device once, however often the device sends it again"),
    data_subjects=(_("platform users (staff of the institutions)"),),
    data_categories=(_("which user sent which client id for which record, and a keyed digest of the content"),),
    recipients=(_("nobody: used by the platform only"),),
    controller=_("the platform operator, for the institutions using the platform (joint controllers)"),
    note=_("Deleted by the daily job offline.purge_keys (KSSP[\"OFFLINE_KEEP_DAYS\"]); the records themselves stay."),
))

# Not swept by the retention sweeper (no trigger field): the daily purge job deletes these keys.
declare("offline.OfflineSubmission", OFFLINE_KEYS)
# The form tokens of create pages (issue #7 point 2): the same keys for pages, purged by the same job.
declare("offline.FormSubmission", OFFLINE_KEYS)
