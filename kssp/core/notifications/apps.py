from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "kssp.core.notifications"
    label = "notifications"
