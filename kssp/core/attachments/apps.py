from django.apps import AppConfig


class AttachmentsConfig(AppConfig):
    name = "kssp.core.attachments"
    label = "attachments"
