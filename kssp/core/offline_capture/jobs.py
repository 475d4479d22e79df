"""Idempotency keys are kept for a while, then purged (data minimisation): the daily sweeper job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from kssp.core.schedule import periodic

#: Days a client id is remembered. A tablet that retries later than this creates a second record.
DEFAULT_KEEP_DAYS = 90


def keep_days() -> int:
    return int(getattr(settings, "KSSP", {}).get("OFFLINE_KEEP_DAYS", DEFAULT_KEEP_DAYS))


@periodic("offline.purge_keys", every="day")
def purge_old_keys(now: dt.datetime) -> dict[str, Any]:
    from kssp.core.offline_capture.models import FormSubmission, OfflineSubmission

    cutoff = now - dt.timedelta(days=keep_days())
    deleted, _ = OfflineSubmission.objects.filter(created_at__lt=cutoff).delete()
    forms_deleted, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return {"deleted": deleted, "form_tokens_deleted": forms_deleted, "before": cutoff.isoformat()}
