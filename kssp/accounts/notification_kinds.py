"""Notification kinds of the accounts app (the break-glass alert is the kernel's ``break_glass_alert``)."""

from django.utils.translation import gettext_lazy as _

from kssp.core.notifications.kinds import register_kind

ACCESS_REVIEW_DUE = register_kind(
    "access_review_due",
    _("Access review due"),
    _("%(count)s memberships of %(institution)s have not been reviewed for %(days)s days. Confirm or end each."),
    default_email=True,
    fallback_url="accounts:access_review",
    severity="warning",
)

ACCESS_CHANGE = register_kind(
    "access_change",
    _("Access change"),
    _("%(who)s (%(institution)s): %(what)s — %(status)s"),
    default_email=True,
    fallback_url="directory:access_change_list",
    severity="warning",
)
