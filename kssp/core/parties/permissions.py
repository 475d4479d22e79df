from django.utils.translation import gettext_lazy as _

from kssp.core.permissions import register_permission as reg

VIEW = reg("parties.view", _("Search and read persons, organisations and vehicles"), group="parties")
CREATE = reg("parties.create", _("Add persons, organisations and vehicles"), group="parties")
CHANGE = reg("parties.change", _("Edit parties, add documents and link parties to records"), group="parties")
MERGE = reg("parties.merge", _("Merge duplicate persons and undo merges"), group="parties")
SHARE = reg("parties.share", _("Share parties with other institutions"), group="parties")
