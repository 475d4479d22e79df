"""Work items in the API: tasks on records one may see; create, edit, assign, complete, cancel, reopen."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.serializers import ReasonSerializer
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet, ServiceCreateMixin
from kssp.core.policy import Actor
from kssp.core.worklist import selectors, services
from kssp.core.worklist.api.serializers import (
    AssignSerializer,
    NoteSerializer,
    WorkItemSerializer,
    WorkItemUpdateSerializer,
)
from kssp.core.worklist.choices import WorkItemStatus
from kssp.core.worklist.filters import WorkItemFilterSet
from kssp.core.worklist.models import WorkItem


@extend_schema_view(
    list=extend_schema(summary="Tasks you may see", description=(
        "Tasks on records the acting membership may see. `scope=mine` (assigned to you), `unit` (your unit's "
        "queue), `created` or `all`; overdue tasks first."
    )),
    retrieve=extend_schema(summary="One task"),
    create=extend_schema(summary="Add a task to a record (you must be able to change the record)"),
)
class WorkItemViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, SelectorViewSet):
    """Tasks attached to records of any module, with an assignee, a deadline and an overdue state."""

    model = WorkItem
    serializer_class = WorkItemSerializer
    filterset_class = WorkItemFilterSet

    def select_list(self, actor: Actor) -> QuerySet[WorkItem]:
        return selectors.work_item_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> WorkItem:
        return selectors.work_item_get_visible_to(actor=actor, public_id=key)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> WorkItem:
        record = selectors.record_get_visible_to(actor=actor, record_type=data.pop("record_type"),
                                                 public_id=data.pop("record_id"))
        return services.work_item_create(actor=actor, record=record, **data)

    def _show(self, item: WorkItem, code: int = status.HTTP_200_OK) -> Response:
        return Response(WorkItemSerializer(item, context=self.get_serializer_context()).data, status=code)

    @extend_schema(summary="Edit a task", request=WorkItemUpdateSerializer, responses=WorkItemSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        body = WorkItemUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if body.validated_data:
            item = services.work_item_update(actor=self.actor, item=item, **body.validated_data)
        return self._show(item)

    @extend_schema(summary="Assign a task to a person or a unit", request=AssignSerializer, responses=WorkItemSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        body = AssignSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        item = services.work_item_assign(actor=self.actor, item=item, **body.validated_data)
        return self._show(item)

    @extend_schema(summary="Mark a task done", request=NoteSerializer, responses=WorkItemSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._show(services.work_item_complete(actor=self.actor, item=item, note=body.validated_data["note"]))

    @extend_schema(summary="Cancel a task", request=ReasonSerializer, responses=WorkItemSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._show(services.work_item_cancel(actor=self.actor, item=item, reason=body.validated_data["reason"]))

    @extend_schema(summary="Reopen a done task", request=ReasonSerializer, responses=WorkItemSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._show(services.work_item_transition(
            actor=self.actor, item=item, to=WorkItemStatus.OPEN, reason=body.validated_data["reason"]))
