from django.utils.translation import gettext_lazy as _

from kssp.core.permissions import register_permission as reg

VIEW = reg("bulletins.view", _("Read bulletins"), group="bulletins")
CREATE = reg("bulletins.create", _("Draft bulletins"), group="bulletins")
CHANGE = reg("bulletins.change", _("Edit, issue and withdraw bulletins"), group="bulletins")
SHARE = reg("bulletins.share", _("Share bulletins with other institutions"), group="bulletins")
