from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data and the demo server (top layer: it may use every module's services)."""

    name = "kssp.demo"
    label = "demo"
