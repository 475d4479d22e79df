from django.db import migrations


def seed(apps, schema_editor):
    from kssp.accounts.seed import seed_institutions, seed_roles

    seed_institutions(apps.get_model("accounts", "Institution"), apps.get_model("accounts", "Unit"))
    seed_roles(apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
