"""Audit verification with no holes (issue #6 point 6).

* Anchors are no longer one a day: ``manage.py audit_anchor`` signs the head whenever it has moved
  (version 2, signing ``signed_at|seq|hmac``). Existing daily anchors stay as version 1 and still verify.
* A subject's destroyed data key stays destroyed: only one *live* key per subject is unique, and later
  events about the subject get a new key row (before, the shredded row was re-keyed, which made the older
  payloads read as "could not decrypt" instead of "shredded").
* PostgreSQL guards, for every role the owner included (TRUNCATE is left to privileges, see
  ``manage.py audit_harden_db``):
  - ``core_auditevent`` and ``core_auditanchor`` refuse UPDATE and DELETE;
  - ``core_audithead`` refuses DELETE, accepts an INSERT only into an empty table with an empty chain,
    and an UPDATE only forward to the last event present, with every event in between present
    (one append moves it to the next sequence number, a bulk append to the last of the batch);
  - ``core_auditdatakey`` refuses DELETE and accepts only the UPDATE that destroys the wrapped key
    (and records when and why).
"""

from django.db import migrations, models

PG_UP = """
CREATE OR REPLACE FUNCTION kssp_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS kssp_audit_anchor_no_update ON core_auditanchor;
CREATE TRIGGER kssp_audit_anchor_no_update BEFORE UPDATE OR DELETE ON core_auditanchor
    FOR EACH ROW EXECUTE FUNCTION kssp_audit_append_only();

CREATE OR REPLACE FUNCTION kssp_audit_head_guard() RETURNS trigger AS $$
DECLARE
    last_mac varchar;
    present bigint;
    highest bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'core_audithead: DELETE refused' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF EXISTS (SELECT 1 FROM core_audithead) OR NEW.seq <> 0 OR EXISTS (SELECT 1 FROM core_auditevent) THEN
            RAISE EXCEPTION 'core_audithead: the head row exists already (INSERT refused)' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.id <> OLD.id OR NEW.seq <= OLD.seq THEN
        RAISE EXCEPTION 'core_audithead: the head only moves forward (% to % refused)', OLD.seq, NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT count(*), max(seq) INTO present, highest FROM core_auditevent WHERE seq > OLD.seq;
    SELECT hmac INTO last_mac FROM core_auditevent WHERE seq = NEW.seq;
    IF highest IS DISTINCT FROM NEW.seq OR present <> NEW.seq - OLD.seq OR last_mac IS DISTINCT FROM NEW.hmac THEN
        RAISE EXCEPTION 'core_audithead: the head must name the last event, with every event before it present (% refused)', NEW.seq
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS kssp_audit_head_guard ON core_audithead;
CREATE TRIGGER kssp_audit_head_guard BEFORE INSERT OR UPDATE OR DELETE ON core_audithead
    FOR EACH ROW EXECUTE FUNCTION kssp_audit_head_guard();

CREATE OR REPLACE FUNCTION kssp_audit_data_key_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND OLD.wrapped_key IS NOT NULL AND NEW.wrapped_key IS NULL AND NEW.shredded_at IS NOT NULL
        AND NEW.id = OLD.id AND NEW.subject_type = OLD.subject_type AND NEW.subject_id = OLD.subject_id
        AND NEW.created_at = OLD.created_at THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'core_auditdatakey: a data key can only be destroyed (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS kssp_audit_data_key_guard ON core_auditdatakey;
CREATE TRIGGER kssp_audit_data_key_guard BEFORE UPDATE OR DELETE ON core_auditdatakey
    FOR EACH ROW EXECUTE FUNCTION kssp_audit_data_key_guard();
"""

PG_DOWN = """
DROP TRIGGER IF EXISTS kssp_audit_data_key_guard ON core_auditdatakey;
DROP FUNCTION IF EXISTS kssp_audit_data_key_guard();
DROP TRIGGER IF EXISTS kssp_audit_head_guard ON core_audithead;
DROP FUNCTION IF EXISTS kssp_audit_head_guard();
DROP TRIGGER IF EXISTS kssp_audit_anchor_no_update ON core_auditanchor;
"""


def pg_up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP, params=None)


def pg_down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN, params=None)


def signed_at_from_created_at(apps, schema_editor):
    AuditAnchor = apps.get_model("core", "AuditAnchor")
    AuditAnchor.objects.filter(signed_at__isnull=True).update(signed_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("core", "0004_alter_grant_kind")]

    operations = [
        # Existing anchors are version 1; new ones default to version 2.
        migrations.AddField(
            model_name="auditanchor", name="version", field=models.PositiveSmallIntegerField(default=1), preserve_default=False
        ),
        migrations.AlterField(model_name="auditanchor", name="version", field=models.PositiveSmallIntegerField(default=2)),
        migrations.AddField(model_name="auditanchor", name="signed_at", field=models.DateTimeField(null=True)),
        migrations.RunPython(signed_at_from_created_at, migrations.RunPython.noop),
        migrations.AlterField(model_name="auditanchor", name="signed_at", field=models.DateTimeField()),
        migrations.AlterField(model_name="auditanchor", name="day", field=models.DateField()),
        migrations.AlterModelOptions(name="auditanchor", options={"ordering": ["seq", "signed_at"]}),
        migrations.AddConstraint(
            model_name="auditanchor",
            constraint=models.UniqueConstraint(
                condition=models.Q(version__gte=2), fields=("seq",), name="audit_anchor_one_per_head"
            ),
        ),
        migrations.RemoveConstraint(model_name="auditdatakey", name="audit_data_key_subject_unique"),
        migrations.AddConstraint(
            model_name="auditdatakey",
            constraint=models.UniqueConstraint(
                condition=models.Q(shredded_at__isnull=True),
                fields=("subject_type", "subject_id"),
                name="audit_data_key_live_subject_unique",
            ),
        ),
        migrations.RunPython(pg_up, pg_down),
    ]
