from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "kssp.core.retention"
    label = "retention"
