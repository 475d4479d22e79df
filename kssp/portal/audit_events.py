from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

register("portal.submission_received", _("Message from the public received"))
register("portal.submission_transitioned", _("Message from the public answered or moved on"), personal_data=True)
register("portal.submission_consulted", _("Message from the public read"), category="consultation")
