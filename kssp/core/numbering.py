"""User-facing numbers, unique per institution and year (ARCHITECTURE rule 7)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kssp.core.models.notices import NumberSequence


def next_number(*, prefix: str, institution_code: str, width: int = 6) -> str:
    """``BUL-KP-2026-000123``; the counter row is locked, so numbers are never handed out twice."""
    year = timezone.localdate().year
    key = f"{prefix}-{institution_code}"
    with transaction.atomic():
        seq, _ = NumberSequence.objects.select_for_update().get_or_create(key=key, year=year)
        seq.last += 1
        seq.save(update_fields=["last"])
    return f"{key}-{year}-{seq.last:0{width}d}"


def reserve_numbers(*, prefix: str, institution_code: str, count: int, width: int = 6) -> list[str]:
    """``count`` consecutive numbers in one step (a bulk import): the counter moves once, by ``count``.
    Numbers of a batch that is later rolled back are not handed out again (a gap, never a duplicate)."""
    if count <= 0:
        return []
    year = timezone.localdate().year
    key = f"{prefix}-{institution_code}"
    with transaction.atomic():
        seq, _ = NumberSequence.objects.select_for_update().get_or_create(key=key, year=year)
        first = seq.last + 1
        seq.last += count
        seq.save(update_fields=["last"])
    return [f"{key}-{year}-{n:0{width}d}" for n in range(first, first + count)]
