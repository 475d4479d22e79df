from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

register("retention.swept", _("Retention sweep flagged records for review"), category="system")
register("retention.proposed", _("Retention action proposed"), reason_required=True)
register("retention.approved", _("Retention action approved by the DPO"), reason_required=True)
register("retention.rejected", _("Retention action rejected: data kept"), reason_required=True)
register("retention.executed", _("Retention action carried out"))
register("retention.failed", _("Retention action failed"), category="system")
register("retention.obsolete", _("Retention review closed: the record no longer exists"), category="system")
