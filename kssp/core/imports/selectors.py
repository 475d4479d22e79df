"""Reads on import batches and their staged rows, always through the batch policy."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet

from kssp.core.exceptions import NotFound
from kssp.core.imports.models import ImportBatch, StagedRow
from kssp.core.imports.policies import import_batch_policy
from kssp.core.imports.registry import import_types_for
from kssp.core.policy import Actor


def may_import(actor: Actor) -> bool:
    """Whether ``actor`` may use at least one registered import type."""
    return bool(import_types_for(actor))


def import_batch_list_visible_to(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[ImportBatch]:
    qs = ImportBatch.objects.filter(import_batch_policy.visible_q(actor)).select_related(
        "owner_institution", "owner_unit", "created_by"
    )
    if filters:
        from kssp.core.imports.filters import ImportBatchFilterSet

        qs = ImportBatchFilterSet(filters, queryset=qs).qs
    return qs.order_by("-created_at", "-pk")


def import_batch_get_visible_to(*, actor: Actor, public_id: Any) -> ImportBatch:
    """One batch, or NotFound for a missing and a forbidden one alike."""
    try:
        return import_batch_list_visible_to(actor=actor).get(public_id=public_id)
    except (ImportBatch.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None


def staged_rows_of(*, batch: ImportBatch, filters: dict[str, Any] | None = None) -> QuerySet[StagedRow]:
    """The report's rows of a batch the caller obtained through ``import_batch_get_visible_to``, in
    row order; ``filters`` go through the report's FilterSet (``outcome``: errors, warnings, valid)."""
    qs = StagedRow.objects.filter(batch=batch)
    if filters:
        from kssp.core.imports.filters import StagedRowFilterSet

        qs = StagedRowFilterSet(filters, queryset=qs).qs
    return qs.order_by("row_number")
