from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "kssp.core.search"
    label = "search"
    verbose_name = _("Global search")
