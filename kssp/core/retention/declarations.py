"""Retention declarations of the kernel's models, and (by label, until their apps declare them
themselves) of the accounts and bulletins models and of the third-party models that hold personal data.

A module declaring its own model later replaces the declaration made here (``declare`` is keyed by the
model label), so moving a declaration into its app changes nothing else.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kssp.core.retention import classes as c
from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, declare, delete_row, register_class

DELETE = {Action.DELETE: delete_row}
ANONYMISED = "[anonymised]"

# --- the kernel ---------------------------------------------------------------------------------------

declare("core.AuditEvent", c.AUDIT_TRAIL)
for label in ("core.AuditHead", "core.AuditAnchor", "core.AuditDataKey", "core.NumberSequence"):
    declare(label, c.SYSTEM_INTEGRITY)
for label in (
    "core.BorderDirectorate", "core.Country", "core.CrossingPoint", "core.District", "core.LegalAct",
    "core.Municipality", "core.Offence", "core.PoliceRegion",
):
    declare(label, c.REFERENCE_DATA)
declare("core.PeriodicRun", c.SYSTEM_JOBS, trigger_field="started_at", handlers=DELETE)
declare(
    "core.Grant", c.ACCESS_GRANTS, trigger_field="revoked_at", institution_field="granted_by_institution", handlers=DELETE,
)
declare("core.RecordIdentifier", c.RECORD_IDENTIFIERS, institution_field="institution")
declare("core.HitNotice", c.HIT_NOTICES, trigger_field="created_at", institution_field="owner_institution", handlers=DELETE)
declare("retention.RetentionReview", c.RETENTION_DECISIONS, institution_field="owner_institution")

# --- accounts (by label; to move into kssp/accounts/retention.py) ---------------------------------------

for label in ("accounts.Institution", "accounts.Unit", "accounts.Role"):
    declare(label, c.REFERENCE_DATA)
declare("accounts.User", c.STAFF_ACCOUNTS)
declare("accounts.Membership", c.STAFF_ACCOUNTS, institution_field="unit__institution")
# Proposed and decided access changes (#7 point 3): who asked for whose access and who approved it, kept
# with the accounts they concern (the accountability of every access decision).
declare("accounts.AccessChange", c.STAFF_ACCOUNTS, institution_field="institution")
declare("accounts.Clearance", c.SECURITY_CLEARANCES, trigger_field="valid_until", handlers=DELETE)
declare(
    "accounts.ApiToken", c.API_TOKENS, trigger_field="revoked_at", institution_field="membership__unit__institution",
    handlers=DELETE,
)
declare("accounts.ScreenLock", c.AUTHENTICATION)

PASSWORD_RESET_LINKS = register_class(RetentionClass(
    code="password-reset-links",
    label=_("Password reset links"),
    period=Period(years=1),
    trigger=Trigger.ENDED,
    action=Action.DELETE,
    legal_basis=f"{c.LED} Art. 29 (security of processing)",
    purpose=_("Letting an administrator issue a one-time link to set a new password"),
    data_subjects=(c.STAFF,),
    data_categories=(_("for whom, by whom, validity and use (the token itself is stored only as a hash)"),),
    recipients=(_("administrators of the institution"),),
    controller=c.OPERATOR,
))
declare(
    "accounts.PasswordResetLink", PASSWORD_RESET_LINKS, trigger_field="expires_at",
    institution_field="issued_by_institution", handlers=DELETE,
)

BREAK_GLASS = register_class(RetentionClass(
    code="break-glass",
    label=_("Break-glass accesses"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{c.LED} Art. 25 and 29; {c.POLICE}",
    purpose=_("Emergency access to a record outside one's scope, with a reason, a time limit and an alert to the auditors"),
    data_subjects=(c.STAFF, _("persons in the record opened")),
    data_categories=(_("who opened which record, when, for how long and why"),),
    recipients=(_("internal audit and the DPO of the owning institution"),),
    note=_("Kept with the audit trail as evidence of accountability; reviewed with it."),
))
declare("accounts.BreakGlassAccess", BREAK_GLASS, institution_field="target_institution")

# --- third-party models holding personal data ---------------------------------------------------------

for label in (
    "sessions.Session",
    "axes.AccessAttempt", "axes.AccessAttemptExpiration", "axes.AccessFailureLog", "axes.AccessLog",
    "otp_totp.TOTPDevice", "otp_static.StaticDevice", "otp_static.StaticToken",
):
    declare(label, c.AUTHENTICATION, optional=True)
TASK_RESULTS = register_class(RetentionClass(
    code="task-results",
    label=_("Results of background tasks"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{c.LED} Art. 29 (security of processing)",
    purpose=_("Running work in the background (exports, imports, notifications) and keeping its result"),
    data_subjects=(c.STAFF,),
    data_categories=(_("task arguments (record identifiers, not content) and errors"),),
    controller=c.OPERATOR,
    note=_("Pruned by the task backend's own command (prune_db_task_results)."),
))
declare("django_tasks_database.DBTaskResult", TASK_RESULTS, optional=True)
