from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "kssp.core.search"
    label = "search"
