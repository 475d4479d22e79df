from django.utils.translation import gettext_lazy as _

from kssp.core.permissions import register_permission as reg

REVIEW = reg("portal.review", _("Read messages from the public"), group="portal")
RESPOND = reg("portal.respond", _("Answer and close messages from the public"), group="portal")
