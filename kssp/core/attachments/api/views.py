"""Attachments in the API: list and read metadata, add a file (multipart), download it, remove it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.parsers import BoundedJSONParser
from kssp.core.api.serializers import ErrorSerializer, ReasonSerializer
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet, ServiceCreateMixin
from kssp.core.attachments import selectors, services
from kssp.core.attachments.api.parsers import BoundedMultiPartParser
from kssp.core.attachments.api.serializers import AttachmentCreateSerializer, AttachmentSerializer
from kssp.core.attachments.models import Attachment
from kssp.core.attachments.responses import download_response
from kssp.core.exceptions import NotFound
from kssp.core.policy import Actor
from kssp.core.records import access as records


class AttachmentFilterSet(django_filters.FilterSet):
    record = django_filters.UUIDFilter(field_name="record_public_id", label=gettext_lazy("Record id"))
    evidential = django_filters.BooleanFilter(label=gettext_lazy("Evidential"))

    class Meta:
        model = Attachment
        fields = ["record", "evidential"]


PURPOSE = OpenApiParameter(
    "purpose", OpenApiTypes.STR, required=False,
    description="Why you read it; logged with the consultation event of a record holding personal data.",
)


@extend_schema_view(
    list=extend_schema(summary="Attachments you may see", description=(
        "Files attached to records you may see (filter by ?record=<public id>). The file itself is served "
        "by the download action only."
    )),
    retrieve=extend_schema(summary="One attachment (metadata)"),
    create=extend_schema(
        summary="Attach a file to a record", request={"multipart/form-data": AttachmentCreateSerializer},
        responses={201: AttachmentSerializer, 413: OpenApiResponse(ErrorSerializer, description="The file is too large.")},
    ),
)
class AttachmentViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, SelectorViewSet):
    """Files on protected records: visible to whoever may see the record, added and removed by whoever
    may change it. Size is checked before the body is read, the type by the content."""

    model = Attachment
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilterSet

    def get_parsers(self) -> list[Any]:
        # Called before ``self.action`` is set: find the action from the route's map.
        method = str(getattr(self.request, "method", "") or "").lower()
        if (getattr(self, "action_map", None) or {}).get(method) == "create" or getattr(self, "action", None) == "create":
            return [BoundedMultiPartParser()]
        return [BoundedJSONParser()]

    def get_serializer_class(self) -> Any:
        return AttachmentCreateSerializer if self.action == "create" else AttachmentSerializer

    def select_list(self, actor: Actor) -> QuerySet[Attachment]:
        return selectors.attachment_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Attachment:
        return selectors.attachment_get_visible_to(actor=actor, public_id=key)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> Attachment:
        record = records.get_visible(actor, data["record_type"], data["record"])
        if record is None:
            raise NotFound(fields={"record": [_("There is no such record, or you may not see it.")]})
        return services.attachment_add(
            actor=actor, record=record, upload=data["file"], description=data.get("description", ""),
            evidential=data.get("evidential", False),
        )

    def created_representation(self, obj: Attachment) -> Any:
        return AttachmentSerializer(obj, context=self.get_serializer_context()).data

    @extend_schema(summary="Download the file", parameters=[PURPOSE],
                   responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        purpose = str(request.query_params.get("purpose", ""))[:300]
        attachment, handle = selectors.attachment_open_visible_to(actor=self.actor, public_id=kwargs["public_id"], purpose=purpose)
        return download_response(attachment, handle)

    @extend_schema(summary="Remove an attachment", request=ReasonSerializer, responses=AttachmentSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        attachment = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        attachment = services.attachment_remove(actor=self.actor, attachment=attachment, reason=body.validated_data["reason"])
        return Response(AttachmentSerializer(attachment, context=self.get_serializer_context()).data)
