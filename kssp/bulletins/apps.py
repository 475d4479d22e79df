from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    name = "kssp.bulletins"
    label = "bulletins"
    verbose_name = _("Inter-agency bulletins")

    def ready(self) -> None:
        from kssp.bulletins import audit_events  # noqa: F401  (the record type itself is in records.py)
