"""Notifications in the API: list one's own, read one, mark one or all read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet
from kssp.core.notifications import selectors, services
from kssp.core.notifications.api.serializers import (
    MarkAllReadResultSerializer,
    MarkAllReadSerializer,
    NotificationSerializer,
)
from kssp.core.notifications.filters import NotificationFilterSet
from kssp.core.notifications.models import Notification
from kssp.core.policy import Actor


@extend_schema_view(
    list=extend_schema(summary="Your notifications", description=(
        "The signed-in person's notifications, newest first. A record is named and linked only while the "
        "acting membership may see it; otherwise `record` is null and `record_hidden` true."
    )),
    retrieve=extend_schema(summary="One of your notifications"),
)
class NotificationViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
    """Your in-app notifications (hit notices, deadlines, approvals, tasks, grant changes)."""

    model = Notification
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet

    def select_list(self, actor: Actor) -> QuerySet[Notification]:
        return selectors.notification_list_for(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Notification:
        return selectors.notification_get_for(actor=actor, public_id=key)

    def _items(self, notifications: list[Notification]) -> list[selectors.InboxItem]:
        return selectors.inbox_items(actor=self.actor, notifications=notifications)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        items = self._items(list(page if page is not None else queryset))
        data = NotificationSerializer(items, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(NotificationSerializer(self._items([self.get_object()])[0]).data)

    @extend_schema(summary="Mark a notification read", request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        notification = services.notification_mark_read(actor=self.actor, public_id=self.kwargs["public_id"])
        return Response(NotificationSerializer(self._items([notification])[0]).data)

    @extend_schema(summary="Mark all your notifications read", request=MarkAllReadSerializer,
                   responses=MarkAllReadResultSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = MarkAllReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = services.notification_mark_all_read(actor=self.actor, kind=body.validated_data["kind"])
        return Response({"marked": count})
