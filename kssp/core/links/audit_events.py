from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

register("link.created", _("Records linked"))
register("link.removed", _("Record link removed"), reason_required=True)
