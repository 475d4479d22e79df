"""The chain's head row, and on PostgreSQL a trigger that makes the audit table append-only.

The trigger refuses UPDATE and DELETE on ``core_auditevent`` for every role, the owner included.
TRUNCATE is left to privileges (the test runner's flush needs it): ``manage.py audit_harden_db``
revokes UPDATE, DELETE and TRUNCATE from the application's role in production.
SQLite has no roles; there the protection is the chain itself (``manage.py audit_verify``).
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION kssp_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditevent is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER kssp_audit_no_update BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION kssp_audit_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS kssp_audit_no_truncate ON core_auditevent;
DROP TRIGGER IF EXISTS kssp_audit_no_update ON core_auditevent;
DROP FUNCTION IF EXISTS kssp_audit_append_only();
"""


def create_head(apps, schema_editor):
    AuditHead = apps.get_model("core", "AuditHead")
    AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hmac": "0" * 64})


def pg_up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)


def pg_down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(pg_up, pg_down),
    ]
