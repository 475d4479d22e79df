"""One FilterSet for the inbox page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kssp.core.notifications.kinds import kind_choices
from kssp.core.notifications.models import Notification

STATE_CHOICES = (("unread", _("Unread")), ("read", _("Read")))


class NotificationFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, method="filter_state", label=_("State"))
    kind = django_filters.ChoiceFilter(choices=kind_choices, label=_("Kind"))
    after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("From"))
    before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = Notification
        fields = ["state", "kind", "after", "before"]

    def filter_state(self, queryset: QuerySet[Notification], name: str, value: str) -> QuerySet[Notification]:
        if value == "unread":
            return queryset.filter(read_at__isnull=True)
        if value == "read":
            return queryset.filter(read_at__isnull=False)
        return queryset
