"""Import batches in the API: upload (multipart), progress, the row-by-row report, promote, discard,
resume. Reads go through the import selectors, writes through the import services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.parsers import BoundedJSONParser
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet
from kssp.core.exceptions import ApplicationError
from kssp.core.imports import selectors, services
from kssp.core.imports.api.serializers import ImportBatchSerializer, ImportUploadSerializer, StagedRowSerializer
from kssp.core.imports.filters import ImportBatchFilterSet, StagedRowFilterSet
from kssp.core.imports.models import ImportBatch
from kssp.core.imports.registry import import_type
from kssp.core.imports.views import UPLOAD_SLACK, SizeLimitUploadHandler
from kssp.core.policy import Actor


class FileTooLarge(ApplicationError):
    status = 413
    code = "payload_too_large"


OUTCOME = OpenApiParameter("outcome", str, enum=["errors", "warnings", "valid"], required=False,
                           description="Only rows with errors, with warnings, or without errors.")


@extend_schema_view(
    list=extend_schema(summary="Your import batches"),
    retrieve=extend_schema(summary="One import batch, with its status and progress"),
)
class ImportBatchViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
    """Staged imports: a file is validated row by row into a staging area, then promoted into live
    records in one transaction (all or nothing), or discarded. Only the uploader sees a batch."""

    model = ImportBatch
    serializer_class = ImportBatchSerializer
    filterset_class = ImportBatchFilterSet
    parser_classes = [BoundedJSONParser, MultiPartParser]

    def may_list(self, actor: Actor) -> bool:
        return selectors.may_import(actor)

    def select_list(self, actor: Actor) -> QuerySet[ImportBatch]:
        return selectors.import_batch_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> ImportBatch:
        return selectors.import_batch_get_visible_to(actor=actor, public_id=key)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication (whose CSRF check may read the body): refuse an oversized upload
        # unread, and stop reading one whose declared length was not truthful.
        self._upload_handler = None
        if self.action == "create":
            limit = services.max_upload_bytes()
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except (TypeError, ValueError):
                declared = 0
            if declared > limit + UPLOAD_SLACK:
                raise FileTooLarge(services.too_large_message(), fields={"file": [services.too_large_message()]})
            self._upload_handler = SizeLimitUploadHandler(request._request, limit)
            django_request = request._request
            django_request.upload_handlers = [self._upload_handler, *django_request.upload_handlers]
        super().initial(request, *args, **kwargs)

    @extend_schema(summary="Upload a CSV or XLSX file", request={"multipart/form-data": ImportUploadSerializer},
                   responses={201: ImportBatchSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ImportUploadSerializer(data=request.data)
        handler = getattr(self, "_upload_handler", None)
        if handler is not None and handler.exceeded:
            raise FileTooLarge(services.too_large_message(), fields={"file": [services.too_large_message()]})
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        batch = services.import_batch_create(
            actor=self.actor, import_type_code=body.validated_data["import_type"], filename=upload.name, content=upload.read()
        )
        return Response(self.get_serializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="The row-by-row report of a batch", parameters=[OUTCOME],
                   responses=StagedRowSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def rows(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = self.get_object()
        filterset = StagedRowFilterSet(request.query_params, queryset=selectors.staged_rows_of(batch=batch))
        if not filterset.is_valid():
            raise ApplicationError(_("Some fields are not valid."), fields={k: list(v) for k, v in filterset.errors.items()})
        page = self.paginate_queryset(filterset.qs.order_by("row_number"))
        context = {**self.get_serializer_context(), "spec": import_type(batch.import_type)}
        data = StagedRowSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)

    @extend_schema(summary="Promote a validated batch into live records (all or nothing)", request=None,
                   responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"])
    def promote(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = services.import_batch_promote(actor=self.actor, batch=self.get_object())
        return Response(self.get_serializer(batch).data)

    @extend_schema(summary="Discard a batch (its staged rows and file are deleted)", request=None,
                   responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = services.import_batch_discard(actor=self.actor, batch=self.get_object())
        return Response(self.get_serializer(batch).data)

    @extend_schema(summary="Resume a validation whose worker stopped", request=None, responses=ImportBatchSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        batch = services.import_batch_resume(actor=self.actor, batch=self.get_object())
        return Response(self.get_serializer(batch).data)
