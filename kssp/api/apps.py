from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kssp.api"
    label = "api"
    verbose_name = "API"
