from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "kssp.core.parties"
    label = "parties"
    verbose_name = _("Persons, organisations and vehicles")

    def ready(self) -> None:
        # Event types, permissions, policies, retention classes and the global search's person types.
        from kssp.core.parties import audit_events, permissions, policies, retention, search  # noqa: F401
