"""FilterSets for the directory and API tokens, shared by the pages and the API.

Related records are filtered by their public id (institution, unit, user) or code (role), never by
an integer key.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.accounts.choices import InstitutionKind, UnitKind
from kssp.accounts.models import ApiToken, Institution, Membership, Role, Unit, User
from kssp.core.policy import Scope


def _search(queryset: QuerySet, value: str, *fields: str) -> QuerySet:  # type: ignore[type-arg]
    value = value.strip()
    if not value:
        return queryset
    q = Q()
    for name in fields:
        q |= Q(**{f"{name}__icontains": value})
    return queryset.filter(q)


class InstitutionFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=InstitutionKind.choices, label=_("Kind"))
    active = django_filters.BooleanFilter(label=_("Active"))
    uses_platform = django_filters.BooleanFilter(label=_("Has platform users"))

    class Meta:
        model = Institution
        fields = ["q", "kind", "active", "uses_platform"]

    def search(self, queryset: QuerySet[Institution], name: str, value: str) -> QuerySet[Institution]:
        return _search(queryset, value, "code", "name_sq", "name_sr", "name_en", "abbreviation_sq", "abbreviation_en")


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    institution = django_filters.UUIDFilter(field_name="institution__public_id", label=_("Institution"))
    parent = django_filters.UUIDFilter(field_name="parent__public_id", label=_("Parent unit"))
    kind = django_filters.ChoiceFilter(choices=UnitKind.choices, label=_("Kind"))
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = Unit
        fields = ["q", "institution", "parent", "kind", "active"]

    def search(self, queryset: QuerySet[Unit], name: str, value: str) -> QuerySet[Unit]:
        return _search(queryset, value, "code", "name_sq", "name_sr", "name_en")


class RoleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    scope = django_filters.ChoiceFilter(choices=Scope.choices, label=_("Scope"))
    privileged = django_filters.BooleanFilter(label=_("Privileged"))

    class Meta:
        model = Role
        fields = ["q", "scope", "privileged"]

    def search(self, queryset: QuerySet[Role], name: str, value: str) -> QuerySet[Role]:
        return _search(queryset, value, "code", "name_sq", "name_sr", "name_en")


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    institution = django_filters.UUIDFilter(method="filter_institution", label=_("Institution"))
    unit = django_filters.UUIDFilter(method="filter_unit", label=_("Unit"))

    class Meta:
        model = User
        fields = ["q", "institution", "unit"]

    def search(self, queryset: QuerySet[User], name: str, value: str) -> QuerySet[User]:
        return _search(queryset, value, "username", "first_name", "last_name")

    def _with_valid_membership(self, queryset: QuerySet[User], **lookup: object) -> QuerySet[User]:
        users = Membership.objects.valid().filter(**lookup).values("user_id")
        return queryset.filter(pk__in=users)

    def filter_institution(self, queryset: QuerySet[User], name: str, value: object) -> QuerySet[User]:
        return self._with_valid_membership(queryset, unit__institution__public_id=value)

    def filter_unit(self, queryset: QuerySet[User], name: str, value: object) -> QuerySet[User]:
        return self._with_valid_membership(queryset, unit__public_id=value)


class MembershipFilterSet(django_filters.FilterSet):
    user = django_filters.UUIDFilter(field_name="user__public_id", label=_("User"))
    institution = django_filters.UUIDFilter(field_name="unit__institution__public_id", label=_("Institution"))
    unit = django_filters.UUIDFilter(field_name="unit__public_id", label=_("Unit"))
    role = django_filters.CharFilter(field_name="role__code", label=_("Role"))
    valid = django_filters.BooleanFilter(method="filter_valid", label=_("Valid today"))

    class Meta:
        model = Membership
        fields = ["user", "institution", "unit", "role", "valid"]

    def filter_valid(self, queryset: QuerySet[Membership], name: str, value: bool | None) -> QuerySet[Membership]:
        if value is None:
            return queryset
        valid = Membership.objects.valid().values("pk")
        return queryset.filter(pk__in=valid) if value else queryset.exclude(pk__in=valid)


class ApiTokenFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(method="filter_active", label=_("Active"))

    class Meta:
        model = ApiToken
        fields = ["active"]

    def filter_active(self, queryset: QuerySet[ApiToken], name: str, value: bool | None) -> QuerySet[ApiToken]:
        if value is None:
            return queryset
        active = Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))
        return queryset.filter(active) if value else queryset.exclude(active)
