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
from kssp.accounts import selectors, services, services_access
from kssp.accounts.api.serializers import (
    AccessChangeSerializer,
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    ClearanceProposalSerializer,
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
from kssp.accounts.models import AccessChange, ApiToken, Institution, Membership, Role, Unit, User
from kssp.core.api.serializers import ReasonSerializer
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet, ServiceCreateMixin, ServiceUpdateMixin
from kssp.core.exceptions import PermissionDenied
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
    partial_update=extend_schema(
        summary="Propose a change to a role's permissions, scope or privilege",
        description="Roles are platform-wide: only platform administrators of the operating institution propose a "
        "change (403 for anyone else), and it takes effect when a second one approves it "
        "(/api/v1/access-changes/{public_id}/approve/). Answers 202 with the proposal.",
        responses={202: AccessChangeSerializer},
    ),
)
class RoleViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
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

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        role = self.get_object()
        if not services_access.is_platform_administrator(self.actor):
            raise PermissionDenied()
        serializer = self.get_serializer(role, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        change = services_access.role_change_propose(actor=self.actor, role=role, **dict(serializer.validated_data))
        return Response(AccessChangeSerializer(change, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)


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
    create=extend_schema(
        summary="Propose a membership for a user (memberships.manage)",
        description="Never for yourself. Takes effect when a second administrator of the institution approves it "
        "(/api/v1/access-changes/{public_id}/approve/). Answers 202 with the proposal.",
        responses={202: AccessChangeSerializer},
    ),
)
class MembershipViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
    """Memberships: a role in a unit for a period, the only source of permissions."""

    model = Membership
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet

    def select_list(self, actor: Actor) -> QuerySet[Membership]:
        return selectors.membership_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Membership:
        return selectors.membership_get_visible_to(actor=actor, public_id=key)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services_access.membership_propose(actor=self.actor, **dict(serializer.validated_data))
        return Response(AccessChangeSerializer(change, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="End a membership (memberships.manage)", request=ReasonSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        membership = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        membership = services.membership_end(actor=self.actor, membership=membership, reason=body.validated_data["reason"])
        return Response(self.get_serializer(membership).data)


@extend_schema_view(
    list=extend_schema(summary="Access changes", description="Proposed, approved and rejected changes to memberships, "
                       "clearances and roles that you proposed, may decide or audit."),
    retrieve=extend_schema(summary="One access change"),
)
class AccessChangeViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
    """Changes to access that need a second person: proposed, then approved or rejected (issue #7 point 3)."""

    model = AccessChange
    serializer_class = AccessChangeSerializer

    def select_list(self, actor: Actor) -> QuerySet[AccessChange]:
        return services_access.access_change_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> AccessChange:
        return services_access.access_change_get_visible_to(actor=actor, public_id=key)

    @extend_schema(summary="Approve and apply a change (a second person: not its proposer, not the person concerned)",
                   request=None, responses=AccessChangeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = services_access.access_change_approve(actor=self.actor, change=self.get_object())
        return Response(self.get_serializer(change).data)

    @extend_schema(summary="Reject a change (or withdraw one's own proposal)", request=ReasonSerializer,
                   responses=AccessChangeSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        change = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = services_access.access_change_reject(actor=self.actor, change=change, reason=body.validated_data["reason"])
        return Response(self.get_serializer(change).data)

    @extend_schema(summary="Propose recording a security clearance decision (clearances.manage; never your own)",
                   request=ClearanceProposalSerializer, responses={202: AccessChangeSerializer})
    @action(detail=False, methods=["post"], url_path="clearance")
    def clearance(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.actor.has_perm(perms.CLEARANCES_MANAGE):
            raise PermissionDenied()
        body = ClearanceProposalSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        change = services_access.clearance_propose(actor=self.actor, **dict(body.validated_data))
        return Response(self.get_serializer(change).data, status=status.HTTP_202_ACCEPTED)


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
