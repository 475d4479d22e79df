"""Offline capture keyed by (user, client UUID) (issue #7 point 3): the client's UUID is no longer the
record's public id, only the sender's idempotency key."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('offline', '0002_form_submission'),
    ]

    operations = [
        migrations.RemoveConstraint(model_name='offlinesubmission', name='offline_submission_once'),
        migrations.RenameField(model_name='offlinesubmission', old_name='public_id', new_name='client_uuid'),
        migrations.RenameField(model_name='offlinesubmission', old_name='submitted_by', new_name='user'),
        migrations.AlterField(
            model_name='offlinesubmission',
            name='user',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+',
                                    to=settings.AUTH_USER_MODEL, verbose_name='sent by'),
        ),
        migrations.AddConstraint(
            model_name='offlinesubmission',
            constraint=models.UniqueConstraint(condition=models.Q(('user__isnull', False)), fields=('user', 'client_uuid'),
                                               name='offline_capture_once_per_user'),
        ),
        migrations.AddConstraint(
            model_name='offlinesubmission',
            constraint=models.UniqueConstraint(condition=models.Q(('user__isnull', True)), fields=('client_uuid',),
                                               name='offline_capture_once_public'),
        ),
    ]
