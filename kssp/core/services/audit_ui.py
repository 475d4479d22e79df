"""Writes made by the audit pages: searching and exporting the trail are themselves audited.

Looking into the audit trail is a consultation of it (LED Art. 25): every search, every event opened
and every export is written to the same chain, with the purpose and the filters used, so that the
external inspector can see who inspected what. An export is a disclosure and names its recipient.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.models.audit import AuditEvent
from kssp.core.policy import Actor
from kssp.core.selectors import AUDIT_ALL, AUDIT_CONSULTATIONS, AUDIT_INSTITUTION, can_search_audit

AUDIT_EXPORT = "audit.export"
FILTER_NAMES = ("event_type", "category", "actor", "record", "purpose", "case_ref", "source", "after", "before")
PURPOSE_MAX = 300
RECIPIENT_MAX = 200

# The purpose of a search is filled in from the role that allows it (it costs no click): a stable code,
# not a translated sentence, so that the stored event reads the same in every language.
SEARCH_PURPOSES = (
    (AUDIT_ALL, "audit:external_inspection"),
    (AUDIT_INSTITUTION, "audit:internal_audit"),
    (AUDIT_CONSULTATIONS, "audit:data_protection_review"),
)


def audit_search_purpose(actor: Actor) -> str:
    for permission, purpose in SEARCH_PURPOSES:
        if actor.has_perm(permission):
            return purpose
    return ""


def _clean_filters(filters: Mapping[str, Any]) -> dict[str, str]:
    """The filters as stored in the event: known names only, non-empty, each value bounded."""
    cleaned = {}
    for name in FILTER_NAMES:
        value = filters.get(name)
        if value is None:
            continue
        text = str(value).strip()
        if text:
            cleaned[name] = text[:200]
    return cleaned


@transaction.atomic
def audit_search_record(
    *, actor: Actor, filters: Mapping[str, Any], results: int | None = None, page: int | None = None, event_seq: int | None = None
) -> AuditEvent:
    """Log one look into the trail: a search (with its filters and hit count) or one event opened."""
    if not can_search_audit(actor):
        raise PermissionDenied()
    purpose = audit_search_purpose(actor)
    extra: dict[str, Any] = {"purpose": purpose, "filters": _clean_filters(filters)}
    if results is not None:
        extra["results"] = results
    if page is not None and page > 1:
        extra["page"] = page
    if event_seq is not None:
        extra["event"] = event_seq
    return audit_record(actor=actor, event="audit.searched", purpose=purpose, extra=extra)


@transaction.atomic
def audit_export_record(
    *, actor: Actor, filters: Mapping[str, Any], purpose: str, recipient: str, rows: int, up_to_seq: int | None
) -> AuditEvent:
    """Record the disclosure of an export before it is streamed: purpose, recipient, filters, size.

    ``up_to_seq`` is the last event the export contains; the caller streams no later event, so the
    recorded row count is exactly what leaves the system.
    """
    if not can_search_audit(actor) or not actor.has_perm(AUDIT_EXPORT):
        raise PermissionDenied()
    purpose = (purpose or "").strip()
    recipient = (recipient or "").strip()
    errors: dict[str, list[str]] = {}
    if not purpose:
        errors["purpose"] = [_("Give the purpose of the export.")]
    elif len(purpose) > PURPOSE_MAX:
        errors["purpose"] = [_("Keep the purpose under %(n)s characters.") % {"n": PURPOSE_MAX}]
    if not recipient:
        errors["recipient"] = [_("Name who receives the export.")]
    elif len(recipient) > RECIPIENT_MAX:
        errors["recipient"] = [_("Keep the recipient under %(n)s characters.") % {"n": RECIPIENT_MAX}]
    if errors:
        raise ApplicationError(_("The export was not made."), fields=errors)
    extra = {"filters": _clean_filters(filters), "recipient": recipient, "rows": rows, "up_to_seq": up_to_seq}
    return audit_record(actor=actor, event="audit.exported", purpose=purpose, extra=extra)


def audit_chain_verify(*, actor: Actor) -> Any:
    """Run the chain check for an auditor and log who ran it and what it found."""
    from kssp.core.audit import verify_chain

    if not actor.is_authenticated or not actor.has_perm("audit.verify"):
        raise PermissionDenied()
    result = verify_chain()
    with transaction.atomic():
        audit_record(
            actor=actor, event="audit.chain_verified",
            extra={"ok": result.ok, "checked": result.checked, "kind": result.kind, "seq": result.seq},
        )
    return result
