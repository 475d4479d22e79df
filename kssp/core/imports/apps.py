from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "kssp.core.imports"
    label = "imports"
    verbose_name = _("Staged imports")

    def ready(self) -> None:
        # Audit event types, the sweeper job, the policy and the retention declarations.
        from kssp.core.imports import audit_events, jobs, policies, retention  # noqa: F401
