from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kssp.accounts"
    label = "accounts"
    verbose_name = _("Accounts and institutions")

    def ready(self) -> None:
        from kssp.accounts import audit_events, imports, jobs, notification_kinds, permissions  # noqa: F401
        from kssp.accounts.actor import actor_for
        from kssp.core.notifications.recipients import register_actor_factory

        # The kernel asks "could this person see that record?" with the real Actor builder.
        register_actor_factory(actor_for)
