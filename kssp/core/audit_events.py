from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

register("grant.created", _("Record shared by grant"))
register("grant.revoked", _("Grant revoked"), reason_required=True)
register("grant.expired", _("Grant expired"), category="system")
register("identifier.added", _("Number of another institution added to a record"))
register("identifier.removed", _("Number of another institution removed from a record"), reason_required=True)
register("hit_notice.acknowledged", _("Hit notice acknowledged"))
register("hit_notice.created", _("Existence-only hit notice"), category="disclosure")
register("hit_notice.limit_reached", _("The same record checked too often: limit reached"), category="security")
register("hit_check.run", _("Other institutions checked (existence only)"), category="disclosure")
register("hit_check.refused", _("Check of other institutions refused: limit reached"), category="security")
register("stats.aggregate_viewed", _("Cross-institution statistics viewed"), category="disclosure")
register("record.consulted", _("Record with personal data read"), category="consultation")
register("reference.created", _("Reference data added"))
register("reference.updated", _("Reference data changed"))
# The filters typed into the audit search (an actor's name, a record) are free text: encrypted payloads.
register("audit.searched", _("Audit trail searched"), category="consultation", free_text=True)
register("audit.exported", _("Audit trail exported"), category="disclosure", free_text=True)
register("audit.chain_verified", _("Audit chain verified"), category="security")
register("audit.anchor_written", _("Audit anchor signed"), category="system")
register("periodic.run", _("Periodic job ran"), category="system")
register("backup.created", _("Backup taken (database and stored files)"), category="system")
register("backup.restored", _("Backup restored (database and stored files)"), category="system")
