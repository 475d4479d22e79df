"""How bulletin events read on the record's timeline (kssp.core.worklist.selectors.timeline_formatter)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kssp.bulletins.choices import BulletinStatus
from kssp.core.models.audit import AuditEvent
from kssp.core.worklist.selectors import timeline_formatter


@timeline_formatter("bulletin.transitioned")
def status_changed(event: AuditEvent) -> tuple[str, str]:
    """"Issued" / "Withdrawn" instead of "status changed"; the reason follows the actor."""
    to = ((event.payload or {}).get("after") or {}).get("status", "")
    title = {
        BulletinStatus.ISSUED: _("Bulletin issued"),
        BulletinStatus.WITHDRAWN: _("Bulletin withdrawn"),
    }.get(to, _("Bulletin status changed"))
    detail = event.actor_username
    if event.reason:
        detail = f"{detail} · {event.reason}"
    return title, detail
