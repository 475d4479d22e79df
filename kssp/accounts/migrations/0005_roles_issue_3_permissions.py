"""Issue #3 adds permissions to the role catalogue (parties, retention, public messages, break-glass).
Re-run the idempotent role seed so that existing deployments get them too."""

from django.db import migrations


def reseed(apps, schema_editor):
    from kssp.accounts.seed import seed_roles

    seed_roles(apps.get_model("accounts", "Role"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_security_operations")]

    operations = [migrations.RunPython(reseed, migrations.RunPython.noop)]
