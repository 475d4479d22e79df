"""Messages from the public as a record type (issue #6 point 1): owned by the receiving unit, always
personal data (people write about people), so every staff reading is a consultation."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kssp.core.records import RecordType, Retention, register
from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, delete_row
from kssp.portal import permissions as perms
from kssp.portal.models import PublicSubmission

PUBLIC_MESSAGES = RetentionClass(
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
)


@register
class PublicSubmissionRecord(RecordType):
    model = PublicSubmission
    view_perm, change_perm, share_perm = perms.REVIEW, perms.RESPOND, perms.RESPOND
    personal_data = True
    personal_fields = ("message", "contact", "public_reply")
    audit_prefix = "portal.submission"
    detail_url = "portal_staff:submission_detail"
    list_url = "portal_staff:submission_list"
    searchable = False  # read from the inbox, with its purpose, not from the global search box
    retention = Retention(PUBLIC_MESSAGES, handlers={Action.DELETE: delete_row})
