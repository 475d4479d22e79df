"""Permission codes used by the kernel. Roles (data) list them; `docs/security.md` documents them."""

from django.utils.translation import gettext_lazy as _

from kssp.core.permissions import register_permission as reg

DIRECTORY_VIEW = reg("directory.view", _("See institutions, units and colleagues"), group="accounts")
MEMBERSHIPS_MANAGE = reg("memberships.manage", _("Assign and end memberships"), group="accounts")
USERS_MANAGE = reg("users.manage", _("Create users and issue password reset links"), group="accounts")
ROLES_MANAGE = reg("roles.manage", _("Edit the role catalogue"), group="accounts")
CLEARANCES_MANAGE = reg("clearances.manage", _("Record security clearances"), group="accounts")
REFERENCE_EDIT = reg("reference.edit", _("Edit reference data"), group="reference")
AUDIT_INSTITUTION = reg("audit.view_institution", _("Search the audit trail of one's institution"), group="audit")
AUDIT_CONSULTATIONS = reg("audit.view_consultations", _("Search the consultation log of one's institution"), group="audit")
AUDIT_ALL = reg("audit.view_all", _("Inspect the audit trail of every institution (read-only)"), group="audit")
AUDIT_EXPORT = reg("audit.export", _("Export audit search results as CSV"), group="audit")
AUDIT_VERIFY = reg("audit.verify", _("Verify the audit chain"), group="audit")
STATS_AGGREGATE = reg("stats.aggregate", _("See counts across institutions (small cells suppressed)"), group="statistics")
HITS_CHECK = reg("hits.check", _("Check other institutions for a possible match (existence only)"), group="search")
API_TOKENS = reg("api.tokens", _("Create personal API tokens"), group="accounts")
BREAK_GLASS = reg(
    "access.break_glass", _("Open a record outside one's scope in an emergency (time-boxed, audited, auditors alerted)"), group="access"
)
