"""One FilterSet for the bulletin list page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kssp.bulletins.choices import BulletinKind, BulletinStatus
from kssp.bulletins.models import Bulletin
from kssp.core.markings import Classification


class BulletinFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=BulletinKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=BulletinStatus.choices, label=_("Status"))
    classification = django_filters.TypedChoiceFilter(choices=Classification.choices, coerce=int, label=_("Classification"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("Created from"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("Created to"))

    class Meta:
        model = Bulletin
        fields = ["q", "kind", "status", "classification", "created_after", "created_before"]

    def search(self, queryset: QuerySet[Bulletin], name: str, value: str) -> QuerySet[Bulletin]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(number__icontains=value) | Q(body__icontains=value))
