"""Record links in the API: reads through the link selectors, writes through the link services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.serializers import ReasonSerializer
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet, ServiceCreateMixin
from kssp.core.exceptions import NotFound
from kssp.core.links import selectors, services
from kssp.core.links.api.serializers import ConnectionSerializer, RecordLinkCreateSerializer, RecordLinkSerializer
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

    @extend_schema(
        summary="Every link of one record: parties' roles and record links",
        description=(
            "What the record's links panel shows, in one list: the roles parties have in the record (or, for a "
            "person, organisation or vehicle, the records it has a role in) and its typed record links, both "
            "directions, newest first. Links whose other end you may not see are left out and not counted. "
            "A record you may not see answers 404."
        ),
        parameters=[
            OpenApiParameter("record_type", str, required=True, description="app_label.model, e.g. bulletins.bulletin"),
            OpenApiParameter("record", str, required=True, description="The record's public id."),
        ],
        responses=ConnectionSerializer(many=True),
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def connections(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        record = records.get_visible(self.actor, request.query_params.get("record_type", ""),
                                     request.query_params.get("record", ""))
        if record is None:
            raise NotFound()
        rows = selectors.link_rows_for(actor=self.actor, record=record)
        return Response(ConnectionSerializer([_connection(row) for row in rows], many=True).data)


def _connection(row: selectors.LinkRow) -> dict[str, Any]:
    link: Any = row.link
    declaration = records.record_type_for(row.other)
    return {
        "kind": "role" if row.party_role else "record_link",
        "public_id": link.public_id,
        "label": row.label,
        "other": {"type": declaration.label if declaration else "", "public_id": row.other.public_id,
                  "title": row.other_title, "number": row.other_number},
        "role": link.role if row.party_role else "",
        "subject_category": link.subject_category if row.party_role else "",
        "nature": link.nature if row.party_role else "",
        "protected_witness": bool(row.party_role and link.protected_witness),
        "juvenile": bool(row.party_role and link.juvenile),
        "link_type": "" if row.party_role else link.link_type,
        "evidential": row.evidential,
        "reason": row.reason,
        "can_remove": row.can_remove,
        "created_at": link.created_at,
    }
