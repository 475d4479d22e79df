"""Background validation of an uploaded batch (django-tasks). The sweeper job ``imports.resume``
re-enqueues any batch whose worker went silent, so a lost task or a killed worker only delays it."""

from __future__ import annotations

from django_tasks import task

from kssp.core.imports.models import ImportBatch
from kssp.core.imports.validation import validate_batch


@task()
def validate_import_batch(batch_public_id: str) -> str:
    batch_id = ImportBatch.objects.filter(public_id=batch_public_id).values_list("pk", flat=True).first()
    if batch_id is None:
        return "skipped"
    return validate_batch(batch_id)
