from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "kssp.core.exports"
    label = "exports"
