from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "kssp.core.exports"
    label = "exports"
    verbose_name = _("Exports and statistics")

    def ready(self) -> None:
        from kssp.core.exports import audit_events  # noqa: F401  (registers the disclosure event)

        # Each module registers what it may export in its own ``exports.py`` (as the admin finds
        # ``admin.py``): the kernel imports no module, it only finds them.
        autodiscover_modules("exports")
