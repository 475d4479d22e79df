"""The FilterSet of the record-link list (the API; the panel shows one record's links)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kssp.core.links.link_types import link_types
from kssp.core.links.models import RecordLink


def _type_choices() -> list[tuple[str, str]]:
    return [(code, spec.label()) for code, spec in link_types().items()]


class RecordLinkFilterSet(django_filters.FilterSet):
    record = django_filters.UUIDFilter(method="filter_record", label=_("Record id (either end)"))
    link_type = django_filters.ChoiceFilter(choices=_type_choices, label=_("Type of link"))
    evidential = django_filters.BooleanFilter(label=_("Evidential"))

    class Meta:
        model = RecordLink
        fields = ["record", "link_type", "evidential"]

    def filter_record(self, queryset: QuerySet[RecordLink], name: str, value: Any) -> QuerySet[RecordLink]:
        return queryset.filter(Q(from_public_id=value) | Q(to_public_id=value))
