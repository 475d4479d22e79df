"""One FilterSet for the task list page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kssp.core.worklist.choices import WorkItemStatus
from kssp.core.worklist.models import WorkItem

SCOPE_CHOICES = (
    ("mine", _("Assigned to me")),
    ("unit", _("My unit's queue")),
    ("created", _("Created by me")),
    ("all", _("All I may see")),
)

OVERDUE_CHOICES = (("true", _("Overdue")), ("false", _("Not overdue")))


class WorkItemFilterSet(django_filters.FilterSet):
    scope = django_filters.ChoiceFilter(choices=SCOPE_CHOICES, method="filter_scope", label=_("Whose"))
    status = django_filters.ChoiceFilter(choices=WorkItemStatus.choices, label=_("Status"))
    overdue = django_filters.ChoiceFilter(choices=OVERDUE_CHOICES, method="filter_overdue", label=_("Overdue"))
    record = django_filters.UUIDFilter(field_name="record_public_id", label=_("Record id"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = WorkItem
        fields = ["scope", "status", "overdue", "q", "record"]

    def filter_scope(self, queryset: QuerySet[WorkItem], name: str, value: str) -> QuerySet[WorkItem]:
        actor: Any = getattr(self.request, "actor", None)
        if actor is None or value == "all":
            return queryset
        if value == "mine":
            return queryset.filter(assignee_id=actor.user_id)
        if value == "unit":
            return queryset.filter(assignee__isnull=True, assigned_unit_id=actor.unit_id)
        if value == "created":
            return queryset.filter(created_by_id=actor.user_id)
        return queryset

    def filter_overdue(self, queryset: QuerySet[WorkItem], name: str, value: str) -> QuerySet[WorkItem]:
        if value in ("true", "false"):
            return queryset.filter(overdue=value == "true")
        return queryset

    def search(self, queryset: QuerySet[WorkItem], name: str, value: str) -> QuerySet[WorkItem]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))
