"""Bulletins in the API: the kernel's record resource (kssp.core.api.records) with the bulletin's
serializers and filters, sharing through the grant actions."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view

from kssp.accounts.api.grants import GrantActionsMixin
from kssp.bulletins import services
from kssp.bulletins.api.serializers import BulletinSerializer
from kssp.bulletins.filters import BulletinFilterSet
from kssp.core.api.records import RecordViewSetMixin, SelectorViewSet, transition_action

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
class BulletinViewSet(GrantActionsMixin, RecordViewSetMixin, SelectorViewSet):
    """Inter-agency bulletins (lookouts, notices, alerts): visible beyond the owner only by grant."""

    writes = services.writes
    serializer_class = BulletinSerializer
    filterset_class = BulletinFilterSet
    transition = transition_action("Issue or withdraw a bulletin", services.writes, BulletinSerializer)
