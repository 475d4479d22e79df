from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "kssp.core.worklist"
    label = "worklist"
