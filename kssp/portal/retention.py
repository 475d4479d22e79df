"""Retention of messages from the public (issue #3 point 8's registry; imported from PortalConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, declare, delete_row, register_class

PUBLIC_MESSAGES = register_class(RetentionClass(
    code="public-messages",
    label=_("Messages from the public"),
    period=Period(years=2),
    trigger=Trigger.CREATED,
    action=Action.REVIEW,
    legal_basis="Directive (EU) 2016/680 (LED) Art. 8; Law 04/L-076 on Police",
    purpose=_("Receiving messages, concerns and information from the public through the public site, and answering them"),
    data_subjects=(_("senders who give contact details"), _("persons mentioned in messages")),
    data_categories=(
        _("topic, message, language and date; contact details only if the sender gave them"),
        _("a hash of the tracking code (no address, browser or account is recorded)"),
    ),
    recipients=(_("the receiving unit"), _("institutions the message is shared with by grant")),
    note=_("Reviewed by the DPO: deleted, or kept when it became part of a case."),
))

declare(
    "portal.PublicSubmission", PUBLIC_MESSAGES, trigger_field="created_at", institution_field="owner_institution",
    handlers={Action.DELETE: delete_row},
)
