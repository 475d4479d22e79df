"""Reads on messages from the public: the staff inbox (scoped by the policy) and the citizen's
look-up by tracking code (the code is the only key; nothing else is shown)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet

from kssp.core.audit import consultation_record
from kssp.core.exceptions import NotFound
from kssp.core.markings import Classification
from kssp.core.policy import Actor
from kssp.core.records.access import policy_of
from kssp.portal import conf, tracking
from kssp.portal import permissions as perms
from kssp.portal.models import PublicSubmission


def receiving_unit() -> Any:
    """The active unit that receives messages from the public (the ``RECEIVING_UNIT`` setting), or None."""
    from kssp.accounts.models import Unit

    codes = conf.receiving_unit_codes()
    if codes is None:
        return None
    return (
        Unit.objects.select_related("institution")
        .filter(institution__code=codes[0], code=codes[1], active=True, institution__active=True)
        .first()
    )


def reads_new_messages(*, actor: Actor, unit: Any) -> bool:
    """Whether a message the public site sends to ``unit`` now would be in the actor's inbox (asked of the
    policy with the owner and marking every received message gets; nothing is read)."""
    if unit is None:
        return False
    policy = policy_of(PublicSubmission)
    if not actor.is_authenticated or not actor.has_perm(perms.REVIEW) or actor.clearance < Classification.RESTRICTED:
        return False
    probe = PublicSubmission(owner_institution=unit.institution, owner_unit=unit, classification=Classification.RESTRICTED)
    return bool(policy.in_scope(actor, probe) and policy.declaration.narrow(actor, probe))  # type: ignore[attr-defined]


def public_submission_list_visible_to(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[PublicSubmission]:
    qs = PublicSubmission.objects.visible_to(actor).select_related("owner_institution", "owner_unit")
    if filters:
        from kssp.portal.filters import PublicSubmissionFilterSet

        qs = PublicSubmissionFilterSet(filters, queryset=qs).qs
    return qs.order_by("-created_at")


def public_submission_get_visible_to(*, actor: Actor, public_id: Any, purpose: str = "") -> PublicSubmission:
    """One message, or NotFound for a missing and a forbidden one alike; every reading is logged."""
    try:
        submission = public_submission_list_visible_to(actor=actor).get(public_id=public_id)
    except (PublicSubmission.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None
    if submission.contains_personal_data:
        consultation_record(
            actor=actor, target=submission, purpose=purpose or "message from the public", event="portal.submission_consulted"
        )
    return submission


# The name the architecture meta-test looks for (``<model_name>_get_visible_to``).
publicsubmission_get_visible_to = public_submission_get_visible_to


def public_submission_for_code(*, code: str) -> PublicSubmission | None:
    """The message a tracking code belongs to, or None (also for a code that cannot be one)."""
    digest = tracking.code_hash(code)
    if digest is None:
        return None
    # The code is the key: whoever holds it is the sender (nothing else is shown to them).
    return PublicSubmission.objects.unscoped(reason="the sender's tracking code").filter(tracking_code_hash=digest).first()


def public_submission_message_exists(*, message: str) -> bool:
    """Whether a message with exactly this text was received (seed_demo's idempotency; no row is read)."""
    return PublicSubmission.objects.unscoped(reason="seed_demo: is the demo tip already there").filter(message=message).exists()
