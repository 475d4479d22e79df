from django.apps import AppConfig


class RecordKindConfig(AppConfig):
    name = "kssp.core.testing.recordkind"
    label = "recordkind"
    verbose_name = "Kernel test record kind (tests only)"
    default_auto_field = "django.db.models.BigAutoField"
