from importlib.util import find_spec

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfflineCaptureConfig(AppConfig):
    name = "kssp.core.offline_capture"
    label = "offline"
    verbose_name = _("Offline capture")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kssp.core.offline_capture import jobs  # noqa: F401  (registers the daily purge)

        if find_spec("kssp.core.retention.registry") is not None:  # the retention registry (issue #3 point 8)
            from kssp.core.offline_capture import retention  # noqa: F401
