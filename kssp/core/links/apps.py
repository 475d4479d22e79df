from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "kssp.core.links"
    label = "links"
