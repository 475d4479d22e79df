"""The directory and API tokens in the API. Reads go through ``kssp.accounts.api.selectors``, writes
through ``kssp.accounts.services``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.accounts import permissions as perms
from kssp.accounts import selectors, services
from kssp.accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    InstitutionSerializer,
    MembershipSerializer,
    RoleSerializer,
    UnitSerializer,
    UserSerializer,
)
from kssp.accounts.filters import (
    ApiTokenFilterSet,
    InstitutionFilterSet,
    MembershipFilterSet,
    RoleFilterSet,
    UnitFilterSet,
    UserFilterSet,
)
from kssp.accounts.models import ApiToken, Institution, Membership, Role, Unit, User
from kssp.core.api.serializers import ReasonSerializer
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet, ServiceCreateMixin, ServiceUpdateMixin
from kssp.core.policy import Actor


@extend_schema_view(
    list=extend_schema(summary="Institutions"),
    retrieve=extend_schema(summary="One institution"),
    partial_update=extend_schema(summary="Change an institution's names or flags (reference.edit)"),
)
class InstitutionViewSet(ListMixin, RetrieveMixin, ServiceUpdateMixin, SelectorViewSet):
    """Institutions (reference data, seen by every signed-in actor)."""

    model = Institution
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilterSet

    def select_list(self, actor: Actor) -> QuerySet[Institution]:
        return selectors.institution_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Institution:
        return selectors.institution_get_visible_to(actor=actor, public_id=key)

    def service_update(self, actor: Actor, obj: Institution, data: dict[str, Any]) -> Institution:
        return services.institution_update(actor=actor, institution=obj, **data)


@extend_schema_view(
    list=extend_schema(
        summary="Units", description="Needs directory.view. The Intelligence Agency's units are seen only from inside it."
    ),
    retrieve=extend_schema(summary="One unit"),
    create=extend_schema(summary="Add a unit (memberships.manage)"),
)
class UnitViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, SelectorViewSet):
    """Units of the institutions' trees."""

    model = Unit
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet
    list_permission = perms.DIRECTORY_VIEW

    def select_list(self, actor: Actor) -> QuerySet[Unit]:
        return selectors.unit_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Unit:
        return selectors.unit_get_visible_to(actor=actor, public_id=key)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> Unit:
        parent = data.pop("parent", None)
        institution = data.pop("institution", None) or (parent.institution if parent is not None else None)
        if institution is None:
            institution = Institution.objects.get(pk=int(actor.institution_id or 0))
        return services.unit_create(actor=actor, institution=institution, parent=parent, **data)


@extend_schema_view(
    list=extend_schema(summary="Roles"),
    retrieve=extend_schema(summary="One role"),
    partial_update=extend_schema(summary="Change a role's permissions, scope or privilege (roles.manage)"),
)
class RoleViewSet(ListMixin, RetrieveMixin, ServiceUpdateMixin, SelectorViewSet):
    """The role catalogue: permissions, scope and privilege are data."""

    model = Role
    serializer_class = RoleSerializer
    filterset_class = RoleFilterSet
    lookup_field = "code"
    lookup_value_regex = r"[a-z0-9_]{1,40}"

    def select_list(self, actor: Actor) -> QuerySet[Role]:
        return selectors.role_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Role:
        return selectors.role_get_visible_to(actor=actor, code=key)

    def service_update(self, actor: Actor, obj: Role, data: dict[str, Any]) -> Role:
        return services.role_update(actor=actor, role=obj, **data)


@extend_schema_view(
    list=extend_schema(summary="Users in your directory", description="Needs directory.view (or users.manage)."),
    retrieve=extend_schema(summary="One user"),
    create=extend_schema(summary="Create a user account (users.manage)"),
)
class UserViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, SelectorViewSet):
    """User accounts in your directory."""

    model = User
    serializer_class = UserSerializer
    filterset_class = UserFilterSet

    def may_list(self, actor: Actor) -> bool:
        return actor.has_perm(perms.DIRECTORY_VIEW) or selectors.is_administrator(actor)

    def select_list(self, actor: Actor) -> QuerySet[User]:
        return selectors.user_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> User:
        return selectors.user_get_visible_to(actor=actor, public_id=key)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> User:
        user = services.user_create(actor=actor, **data)
        user.memberships_in_sight = []  # type: ignore[attr-defined]  # a new account holds none yet
        return user


@extend_schema_view(
    list=extend_schema(summary="Memberships", description="Your own, and those in the institutions you administer."),
    retrieve=extend_schema(summary="One membership"),
    create=extend_schema(summary="Give a user a role in a unit (memberships.manage)"),
)
class MembershipViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, SelectorViewSet):
    """Memberships: a role in a unit for a period, the only source of permissions."""

    model = Membership
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet

    def select_list(self, actor: Actor) -> QuerySet[Membership]:
        return selectors.membership_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Membership:
        return selectors.membership_get_visible_to(actor=actor, public_id=key)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> Membership:
        return services.membership_create(actor=actor, **data)

    @extend_schema(summary="End a membership (memberships.manage)", request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.membership_end(actor=self.actor, membership=membership, reason=body.validated_data["reason"])
        return Response(self.get_serializer(membership).data)


@extend_schema_view(
    list=extend_schema(summary="Your API tokens"),
    retrieve=extend_schema(summary="One of your API tokens"),
    create=extend_schema(
        summary="Create an API token (api.tokens)", responses={201: ApiTokenCreatedSerializer},
        description="The token acts as your current membership. The key is in this answer only; it is stored hashed.",
    ),
)
class ApiTokenViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, SelectorViewSet):
    """Your personal API tokens, each bound to the membership that created it."""

    model = ApiToken
    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilterSet

    def select_list(self, actor: Actor) -> QuerySet[ApiToken]:
        return selectors.api_token_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> ApiToken:
        return selectors.api_token_get_visible_to(actor=actor, public_id=key)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> ApiToken:
        token, key = services.api_token_create(actor=actor, **data)
        token.plain_key = key  # type: ignore[attr-defined]
        return token

    def created_representation(self, obj: Any) -> Any:
        return ApiTokenCreatedSerializer(obj, context=self.get_serializer_context()).data

    @extend_schema(summary="Revoke one of your API tokens", request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        token = services.api_token_revoke(actor=self.actor, token=self.get_object())
        return Response(self.get_serializer(token).data, status=status.HTTP_200_OK)
