"""Issue #7 point 2: border police and customs officers may "check other institutions" (the existence-only
check, ``hits.check``). Existing deployments get the permission on the two roles; nothing else changes."""

from django.db import migrations

ROLES = ("border_officer", "customs_officer")
PERMISSION = "hits.check"


def grant(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=ROLES):
        if PERMISSION not in role.permissions:
            role.permissions = sorted([*role.permissions, PERMISSION])
            role.save(update_fields=["permissions"])


def withdraw(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=ROLES):
        if PERMISSION in role.permissions:
            role.permissions = [code for code in role.permissions if code != PERMISSION]
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_access_changes_issue_7")]

    operations = [migrations.RunPython(grant, withdraw)]
