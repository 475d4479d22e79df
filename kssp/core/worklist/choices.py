from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class WorkItemStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("task status", "Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


#: The workflow (ARCHITECTURE rule 4): a done task may be reopened; a cancelled one is final.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    WorkItemStatus.OPEN: frozenset({WorkItemStatus.DONE, WorkItemStatus.CANCELLED}),
    WorkItemStatus.DONE: frozenset({WorkItemStatus.OPEN}),
    WorkItemStatus.CANCELLED: frozenset(),
}
