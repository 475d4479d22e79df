from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistConfig(AppConfig):
    name = "kssp.core.worklist"
    label = "worklist"
    verbose_name = _("Tasks")

    def ready(self) -> None:
        # Audit event types, the policy, the overdue sweeper and retention register themselves.
        from kssp.core.worklist import audit_events, jobs, policies, retention  # noqa: F401
