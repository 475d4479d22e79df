from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kssp.core"
    label = "core"
    verbose_name = _("Platform kernel")

    def ready(self) -> None:
        from kssp.core import audit_events, jobs  # noqa: F401  (registers event types and periodic jobs)
        from kssp.core.records import access, checks  # noqa: F401  (the system check; readings logged, records named)
        from kssp.core.records.registry import autodiscover

        # Every app's records.py: the one declaration of each record type, wired into the kernel.
        autodiscover()
