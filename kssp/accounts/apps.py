from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kssp.accounts"
    label = "accounts"
    verbose_name = _("Accounts and institutions")

    def ready(self) -> None:
        from kssp.accounts import audit_events, permissions  # noqa: F401
