from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttachmentsConfig(AppConfig):
    name = "kssp.core.attachments"
    label = "attachments"
    verbose_name = _("Attachments")

    def ready(self) -> None:
        from kssp.core.attachments import audit_events, jobs, policies, retention  # noqa: F401  (registers them)
