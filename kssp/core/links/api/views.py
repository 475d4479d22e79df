"""Record links in the API: reads through the link selectors, writes through the link services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.serializers import ReasonSerializer
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet, ServiceCreateMixin
from kssp.core.exceptions import NotFound
from kssp.core.links import selectors, services
from kssp.core.links.api.serializers import RecordLinkCreateSerializer, RecordLinkSerializer
from kssp.core.links.filters import RecordLinkFilterSet
from kssp.core.links.models import RecordLink
from kssp.core.policy import Actor
from kssp.core.records import access as records


@extend_schema_view(
    list=extend_schema(summary="Record links you may see", description=(
        "Links between records of any modules whose two ends you may see; the others are left out and not "
        "counted. Filter by ?record=<public id> for one record's links (either end)."
    )),
    retrieve=extend_schema(summary="One record link"),
    create=extend_schema(summary="Link two records", request=RecordLinkCreateSerializer, responses=RecordLinkSerializer),
)
class RecordLinkViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, SelectorViewSet):
    """Typed, directed links between records, evidential or not. You must see both ends to link them and
    may change at least one of them."""

    model = RecordLink
    serializer_class = RecordLinkSerializer
    filterset_class = RecordLinkFilterSet

    def get_serializer_class(self) -> Any:
        return RecordLinkCreateSerializer if self.action == "create" else RecordLinkSerializer

    def select_list(self, actor: Actor) -> QuerySet[RecordLink]:
        return selectors.link_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> RecordLink:
        return selectors.link_get_visible_to(actor=actor, public_id=key)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> RecordLink:
        ends = {}
        for name in ("source", "target"):
            end = data[name]
            ends[name] = records.get_visible(actor, end["type"], end["public_id"])
            if ends[name] is None:
                raise NotFound(fields={name: [_("There is no such record, or you may not see it.")]})
        return services.link_create(
            actor=actor, source=ends["source"], target=ends["target"], link_type=data["type"],
            evidential=data.get("evidential"), reason=data.get("reason", ""),
        )

    def created_representation(self, obj: RecordLink) -> Any:
        return RecordLinkSerializer(obj, context=self.get_serializer_context()).data

    @extend_schema(summary="Remove a record link", request=ReasonSerializer, responses=RecordLinkSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        link = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        link = services.link_remove(actor=self.actor, link=link, reason=body.validated_data["reason"])
        return Response(RecordLinkSerializer(link, context=self.get_serializer_context()).data)
