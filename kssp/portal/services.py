"""Writes on messages from the public: receive (from the public site), answer / move on (staff)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.policy import Actor
from kssp.core.records.access import policy_of
from kssp.portal import conf, tracking
from kssp.portal.choices import ALLOWED_TRANSITIONS, CONTACT_MAX, MESSAGE_MAX, REPLY_MAX, SubmissionStatus, SubmissionTopic
from kssp.portal.models import PublicSubmission


class PortalUnavailable(ApplicationError):
    """No receiving unit is configured (or it no longer exists): nothing can be received."""

    code = "unavailable"
    status = 503
    default_message = gettext_lazy(
        "Messages cannot be received at the moment. Please try again later. In an emergency call 192 (police) or 112."
    )


def public_actor(*, request_id: str | None = None) -> Actor:
    """The actor of a public-site request: nobody, from the web, with no address."""
    return Actor(user=None, label="public", source="web", request_id=request_id or str(uuid.uuid4()), ip=None)


def _receiving_unit() -> Any:
    from kssp.portal.selectors import receiving_unit

    unit = receiving_unit()
    if unit is None:
        raise PortalUnavailable()
    return unit


def _validate(*, topic: str, message: str, contact: str, language: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if topic not in SubmissionTopic.values:
        errors["topic"] = [_("Choose what your message is about.")]
    if not message.strip():
        errors["message"] = [_("Write your message.")]
    elif len(message) > MESSAGE_MAX:
        errors["message"] = [_("The message is too long: at most %(max)s characters.") % {"max": MESSAGE_MAX}]
    if len(contact) > CONTACT_MAX:
        errors["contact"] = [_("At most %(max)s characters.") % {"max": CONTACT_MAX}]
    if language not in conf.languages():
        errors["language"] = [_("Choose one of the languages offered.")]
    return errors


@transaction.atomic
def public_submission_create(
    *,
    actor: Actor,
    topic: str,
    message: str,
    language: str,
    contact: str = "",
) -> tuple[PublicSubmission, str]:
    """Receive a message from the public site. Returns the record and its tracking code, which is
    shown once to the sender and stored only as a hash. Audited with source "web" and no address."""
    if actor.user is not None or actor.ip is not None:
        # Staff do not write public messages, and no address may come this way.
        raise PermissionDenied()
    errors = _validate(topic=topic, message=message, contact=contact, language=language)
    if errors:
        raise ApplicationError(_("The message was not sent."), fields=errors)
    unit = _receiving_unit()
    code = tracking.new_code()
    code_hash = tracking.code_hash(code)
    if code_hash is None:  # pragma: no cover - new_code() always makes a valid code
        raise RuntimeError("tracking code generator produced an invalid code")
    submission = PublicSubmission(
        owner_institution=unit.institution,
        owner_unit=unit,
        classification=Classification.RESTRICTED,
        contains_personal_data=True,
        topic=topic,
        message=message.strip(),
        contact=contact.strip(),
        language=language,
        tracking_code_hash=code_hash,
    )
    submission.full_clean()
    submission.save()
    audit_record(
        actor=actor, event="portal.submission_received", target=submission,
        after={"topic": topic, "language": language, "status": submission.status, "contact_given": bool(submission.contact)},
    )
    return submission, code


@transaction.atomic
def public_submission_transition(
    *, actor: Actor, submission: PublicSubmission, to: str, public_reply: str = ""
) -> PublicSubmission:
    """Move a message on (being reviewed, answered, closed). Answering needs the text the sender will
    read on the status page."""
    if not policy_of(PublicSubmission).can(actor, "view", submission):
        raise NotFound()
    if not policy_of(PublicSubmission).can(actor, "change", submission):
        raise PermissionDenied()
    if to not in ALLOWED_TRANSITIONS.get(submission.status, frozenset()):
        raise ApplicationError(
            _("The message cannot go from “%(from)s” to “%(to)s”.") % {"from": submission.get_status_display(), "to": to},
            fields={"to": [_("This change of status is not allowed.")]},
            code="invalid_transition",
        )
    reply = public_reply.strip()
    if to == SubmissionStatus.ANSWERED and not reply:
        raise ApplicationError(_("The message was not answered."), fields={"public_reply": [_("Write the answer the sender will read.")]})
    if len(reply) > REPLY_MAX:
        raise ApplicationError(
            _("The message was not answered."),
            fields={"public_reply": [_("The answer is too long: at most %(max)s characters.") % {"max": REPLY_MAX}]},
        )
    before = {"status": submission.status, "public_reply": submission.public_reply}
    submission.status = to
    if reply:
        submission.public_reply = reply
    if to == SubmissionStatus.ANSWERED:
        submission.answered_at = timezone.now()
    submission.save(update_fields=["status", "public_reply", "answered_at", "updated_at"])
    audit_record(
        actor=actor, event="portal.submission_transitioned", target=submission, before=before,
        after={"status": submission.status, "public_reply": submission.public_reply},
    )
    return submission
