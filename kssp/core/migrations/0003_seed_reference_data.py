"""Seed the reference data of issue #2 point 6 from kssp/core/data/*.csv and pycountry.

The loader is idempotent; `manage.py load_reference_data` re-runs it after the files change.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from kssp.core.reference_data import ReferenceModels, load_all

    load_all(ReferenceModels.from_apps(apps))


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_head_and_append_only")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
