"""Bulletins in the API: reads through the bulletin selectors, writes through the bulletin services,
sharing through the grant actions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.accounts.api.grants import GrantActionsMixin
from kssp.bulletins import permissions as perms
from kssp.bulletins import selectors, services
from kssp.bulletins.api.serializers import BulletinSerializer, BulletinTransitionSerializer
from kssp.bulletins.filters import BulletinFilterSet
from kssp.bulletins.models import Bulletin
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet, ServiceCreateMixin, ServiceUpdateMixin
from kssp.core.offline import IdempotentCreateMixin
from kssp.core.policy import Actor

PURPOSE = OpenApiParameter(
    "purpose", OpenApiTypes.STR, required=False,
    description="Why you read it; logged with the consultation event of a bulletin holding personal data.",
)


@extend_schema_view(
    list=extend_schema(summary="Bulletins you may see"),
    retrieve=extend_schema(summary="One bulletin", parameters=[PURPOSE]),
    create=extend_schema(
        summary="Draft a bulletin (owned by your unit)",
        description="With a client-generated public_id the request may be repeated safely: 201 the first time, "
        "200 with the same bulletin for the same content, 409 offline_conflict for other content.",
    ),
    partial_update=extend_schema(summary="Edit a bulletin"),
)
class BulletinViewSet(
    GrantActionsMixin, IdempotentCreateMixin, ListMixin, RetrieveMixin, ServiceCreateMixin, ServiceUpdateMixin, SelectorViewSet
):
    """Inter-agency bulletins (lookouts, notices, alerts): visible beyond the owner only by grant."""

    model = Bulletin
    serializer_class = BulletinSerializer
    filterset_class = BulletinFilterSet
    list_permission = perms.VIEW

    def select_list(self, actor: Actor) -> QuerySet[Bulletin]:
        return selectors.bulletin_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Bulletin:
        purpose = str(self.request.query_params.get("purpose", ""))[:300]
        return selectors.bulletin_get_visible_to(actor=actor, public_id=key, purpose=purpose)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> Bulletin:
        return services.bulletin_create(actor=actor, **data)

    def service_update(self, actor: Actor, obj: Bulletin, data: dict[str, Any]) -> Bulletin:
        return services.bulletin_update(actor=actor, bulletin=obj, **data)

    @extend_schema(summary="Issue or withdraw a bulletin", request=BulletinTransitionSerializer, responses=BulletinSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        bulletin = self.get_object()
        body = BulletinTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        bulletin = services.bulletin_transition(
            actor=self.actor, bulletin=bulletin, to=body.validated_data["status"], reason=body.validated_data["reason"]
        )
        return Response(self.get_serializer(bulletin).data)
