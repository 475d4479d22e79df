from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

register("bulletin.created", _("Bulletin drafted"))
register("bulletin.updated", _("Bulletin edited"))
register("bulletin.transitioned", _("Bulletin status changed"))
register("bulletin.consulted", _("Bulletin with personal data read"), category="consultation")
