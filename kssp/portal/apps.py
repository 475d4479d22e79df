from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public site: no login, no client address, in the citizens' languages."""

    name = "kssp.portal"
    label = "portal"
    verbose_name = _("Public site")

    def ready(self) -> None:
        from kssp.portal import audit_events, permissions, policies  # noqa: F401

        if find_spec("kssp.core.retention.registry") is not None:  # the retention registry (issue #3 point 8)
            from kssp.portal import retention  # noqa: F401
