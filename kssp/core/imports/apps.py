from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "kssp.core.imports"
    label = "imports"
