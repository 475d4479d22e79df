from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public site: no login, no client address, in the citizens' languages."""

    name = "kssp.portal"
    label = "portal"
    verbose_name = _("Public site")

    def ready(self) -> None:
        from kssp.portal import audit_events, checks, permissions  # noqa: F401  (the record type is in records.py)
