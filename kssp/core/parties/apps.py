from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "kssp.core.parties"
    label = "parties"
