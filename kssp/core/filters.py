"""FilterSets shared by the kernel's pages and API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from kssp.core.models.audit import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    event_type = django_filters.CharFilter(lookup_expr="startswith", label=_("Event type"))
    category = django_filters.ChoiceFilter(choices=AuditEvent.Category.choices, label=_("Category"))
    actor = django_filters.CharFilter(field_name="actor_label", lookup_expr="icontains", label=_("Actor"))
    record = django_filters.UUIDFilter(field_name="target_public_id", label=_("Record id"))
    purpose = django_filters.CharFilter(lookup_expr="icontains", label=_("Purpose"))
    case_ref = django_filters.CharFilter(lookup_expr="icontains", label=_("Case reference"))
    source = django_filters.ChoiceFilter(choices=AuditEvent.Source.choices, label=_("Source"))
    after = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label=_("From"))
    before = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEvent
        fields = ["event_type", "category", "actor", "record", "purpose", "case_ref", "source", "after", "before"]
