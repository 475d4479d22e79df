from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "kssp.core.retention"
    label = "retention"
    verbose_name = _("Retention")

    def ready(self) -> None:
        # Event types, permissions, the class catalogue, the kernel's declarations, the rules and the
        # sweeper job. Other apps declare their models from their own ready() (registry docstring).
        from kssp.core.retention import audit_events, classes, declarations, jobs, permissions, policies, rules  # noqa: F401
