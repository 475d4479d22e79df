"""Reads of retention: the review list (scoped by ``RetentionReviewPolicy``) and the table of classes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import capfirst

from kssp.core.exceptions import NotFound
from kssp.core.policy import Actor
from kssp.core.retention.models import RetentionReview
from kssp.core.retention.policies import retention_review_policy
from kssp.core.retention.registry import Check, Declaration, RetentionClass, declarations, registered_checks, registered_classes


def review_list_visible_to(*, actor: Actor, filters: dict[str, Any] | None = None) -> QuerySet[RetentionReview]:
    qs = RetentionReview.objects.filter(retention_review_policy.visible_q(actor)).select_related(
        "owner_institution", "proposed_by", "decided_by", "content_type"
    )
    if filters:
        from kssp.core.retention.filters import RetentionReviewFilterSet

        qs = RetentionReviewFilterSet(filters, queryset=qs).qs
    return qs.order_by("due_on", "pk")


def review_get_visible_to(*, actor: Actor, public_id: Any) -> RetentionReview:
    try:
        review = review_list_visible_to(actor=actor).get(public_id=public_id)
    except (RetentionReview.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound() from None
    return review


@dataclass(frozen=True)
class ClassRow:
    retention_class: RetentionClass
    declarations: list[Declaration]
    checks: list[Check]

    @property
    def models(self) -> list[str]:
        names = []
        for declaration in self.declarations:
            model = declaration.model()
            names.append(capfirst(str(model._meta.verbose_name_plural)) if model is not None else declaration.model_label)
        return names


def retention_class_table() -> list[ClassRow]:
    """Every registered class with the models declared under it and the checks that use it."""
    rows = []
    all_declarations = declarations()
    checks = registered_checks()
    for code, rc in registered_classes().items():
        rows.append(ClassRow(
            rc,
            [d for d in all_declarations if d.retention_class.code == code],
            [c for c in checks if c.retention_class.code == code],
        ))
    return rows
