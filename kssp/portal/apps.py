from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The public site: no login, no client address, in the citizens' languages."""

    name = "kssp.portal"
    label = "portal"
