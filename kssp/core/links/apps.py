from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinksConfig(AppConfig):
    name = "kssp.core.links"
    label = "links"
    verbose_name = _("Record links")

    def ready(self) -> None:
        from kssp.core.links import audit_events, link_types, policies, retention  # noqa: F401  (registers them)
