"""Sharing a protected record through the API: the ``grants`` actions every such viewset gets.

``GET {record}/grants/`` lists the record's grants (all of them for the owner side, one's own for a
re-sharer), ``POST {record}/grants/`` shares it (grantee by public id), and
``POST {record}/grants/{grant_id}/revoke/`` ends a grant. The rules are the grant service's; this
module only turns public ids into records the actor may name, answering 404 for any other.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.accounts import selectors
from kssp.accounts.models import Institution, Unit, User
from kssp.core.api.serializers import GrantSerializer, ReasonSerializer
from kssp.core.api.views import UUID_REGEX
from kssp.core.exceptions import NotFound
from kssp.core.models.grants import Grant
from kssp.core.policy import Actor
from kssp.core.services.grants import grant_create, grant_revoke, grants_for


def _not_found(field: str) -> NotFound:
    return NotFound(fields={field: [_("There is no such record, or you may not see it.")]})


def resolve_grantee(actor: Actor, data: dict[str, Any]) -> tuple[Institution | None, Unit | None, User | None]:
    """The institution, unit and user a grant body names, each by public id; 404 for the field
    naming something missing or out of the actor's sight."""
    institution = unit = user = None
    if data.get("institution"):
        institution = Institution.objects.filter(public_id=data["institution"], active=True).first()
        if institution is None:
            raise _not_found("institution")
    if data.get("unit"):
        unit = selectors.unit_list_visible_to(actor=actor).filter(public_id=data["unit"], active=True).first()
        if unit is None:
            raise _not_found("unit")
    if data.get("user"):
        user = selectors.user_for_grant(actor=actor, public_id=data["user"], institution=institution)
        if user is None:
            raise _not_found("user")
    return institution, unit, user


class GrantActionsMixin:
    # Add to a ``SelectorViewSet`` whose model is a ``ProtectedRecord`` with a registered policy. (A
    # comment, not a docstring: the schema would take it as the viewset's description.)

    @extend_schema(methods=["GET"], summary="Grants on this record", responses=GrantSerializer(many=True))
    @extend_schema(
        methods=["POST"], summary="Share this record", request=GrantSerializer, responses={201: GrantSerializer},
        description=(
            "grantee_type institution: give institution; unit: give unit (its institution follows); user: give "
            "user and the institution the user acts for. Refused with field errors: a grant to yourself, to "
            "someone whose clearance is too low, beyond your own access, or to the Intelligence Agency other "
            "than by dissemination with a legal basis."
        ),
    )
    @action(detail=True, methods=["get", "post"], url_path="grants", url_name="grants", pagination_class=None,
            filter_backends=[])
    def grants(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = self.get_object()  # type: ignore[attr-defined]
        actor = self.actor  # type: ignore[attr-defined]
        context = {**self.get_serializer_context(), "record": record}  # type: ignore[attr-defined]
        if request.method == "GET":
            return Response(GrantSerializer(grants_for(actor=actor, obj=record), many=True, context=context).data)
        body = GrantSerializer(data=request.data, context=context)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        institution, unit, user = resolve_grantee(actor, data)
        grant = grant_create(
            actor=actor, obj=record, grantee_type=data["grantee_type"], institution=institution, unit=unit, user=user,
            reason=data["reason"], expires_at=data.get("expires_at"), may_reshare=data.get("may_reshare", False),
            kind=data.get("kind", Grant.Kind.SHARE), legal_basis=data.get("legal_basis", ""),
        )
        return Response(GrantSerializer(grant, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a grant on this record", request=ReasonSerializer, responses=GrantSerializer,
        parameters=[OpenApiParameter("grant_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The grant's public id.")],
    )
    @action(detail=True, methods=["post"], url_path=rf"grants/(?P<grant_id>{UUID_REGEX})/revoke", url_name="grant-revoke",
            pagination_class=None, filter_backends=[])
    def revoke_grant(self, request: Request, *args: Any, grant_id: str, **kwargs: Any) -> Response:
        record = self.get_object()  # type: ignore[attr-defined]
        grant = (
            Grant.objects.for_object(record).filter(public_id=grant_id)
            .select_related("grantee_institution", "grantee_unit", "grantee_user", "granted_by").first()
        )
        if grant is None:
            raise NotFound()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        grant = grant_revoke(actor=self.actor, grant=grant, reason=body.validated_data["reason"])  # type: ignore[attr-defined]
        context = {**self.get_serializer_context(), "record": record}  # type: ignore[attr-defined]
        return Response(GrantSerializer(grant, context=context).data)
