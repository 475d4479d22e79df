from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

# Payloads are encrypted under the record's key (a task's title may name a person), so that
# retention's crypto-shredding of the record also erases its tasks' history.
register("work_item.created", _("Task created"), personal_data=True)
register("work_item.updated", _("Task edited"), personal_data=True)
register("work_item.assigned", _("Task assigned"), personal_data=True)
register("work_item.transitioned", _("Task status changed"), personal_data=True)
