from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "kssp.core.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Kinds, audit event types, the policy, the periodic e-mail job and retention register themselves.
        from kssp.core.notifications import audit_events, jobs, kinds, policies, retention  # noqa: F401
