"""One FilterSet for the review list (page)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kssp.core.retention.models import OPEN_STATUSES, RetentionReview, ReviewStatus
from kssp.core.retention.registry import Action, registered_classes

OPEN = "open"


def _class_choices() -> list[tuple[str, str]]:
    return [(code, str(rc.label)) for code, rc in registered_classes().items()]


class RetentionReviewFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=_("Status"), method="filter_state",
        choices=[(OPEN, _("Open (awaiting a decision or to be carried out)")), *ReviewStatus.choices],
    )
    class_code = django_filters.ChoiceFilter(label=_("Retention class"), choices=_class_choices)
    proposed_action = django_filters.ChoiceFilter(label=_("Proposed action"), choices=Action.choices)
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label=_("Due by"))

    class Meta:
        model = RetentionReview
        fields = ["state", "class_code", "proposed_action", "due_before"]

    def filter_state(self, queryset: QuerySet[RetentionReview], name: str, value: Any) -> QuerySet[RetentionReview]:
        if value == OPEN:
            return queryset.filter(status__in=[*OPEN_STATUSES, ReviewStatus.FAILED])
        return queryset.filter(status=value) if value else queryset
