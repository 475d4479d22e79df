from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartiesConfig(AppConfig):
    name = "kssp.core.parties"
    label = "parties"
    verbose_name = _("Persons, organisations and vehicles")

    def ready(self) -> None:
        from kssp.core.parties import audit_events, permissions, policies  # noqa: F401

        try:
            from kssp.core.search import registry  # noqa: F401  (the global search of issue #3 point 7)
        except ImportError:  # pragma: no cover - the search part is not installed yet
            return
        from kssp.core.parties import search  # noqa: F401
