from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

register("notification.preferences_changed", _("Notification preferences changed"))
