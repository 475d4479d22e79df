"""The kernel's API resources: the audit trail, grants, and the markings catalogue."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core import selectors as api_selectors
from kssp.core import selectors as core_selectors
from kssp.core.api.permissions import IsActor
from kssp.core.api.schema import ApiSchema
from kssp.core.api.serializers import (
    AuditEventDetailSerializer,
    AuditEventSerializer,
    GrantSerializer,
    MarkingsSerializer,
    ReasonSerializer,
)
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet
from kssp.core.audit import payload_read, reveal_reasons
from kssp.core.filters import AuditEventFilterSet, GrantFilterSet
from kssp.core.markings import PAP, TLP, Classification, HandlingCode
from kssp.core.models.audit import AuditEvent
from kssp.core.models.grants import Grant
from kssp.core.policy import Actor
from kssp.core.services.audit_ui import audit_search_record
from kssp.core.services.grants import grant_revoke


@extend_schema_view(
    list=extend_schema(summary="Search the audit trail", description=(
        "Events the acting membership may inspect: all of them for the external inspector, those by or "
        "about one's institution for an internal auditor, the consultation log for a DPO. Without any of "
        "these permissions the list answers 403. Payloads are only in the single-event answer."
    )),
    retrieve=extend_schema(summary="One audit event, with its payload"),
)
class AuditEventViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
    """The audit trail, read-only. Every search and every event opened is itself audited."""

    model = AuditEvent
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    lookup_field = "seq"
    lookup_value_regex = r"[0-9]{1,18}"

    def may_list(self, actor: Actor) -> bool:
        return core_selectors.can_search_audit(actor)

    def select_list(self, actor: Actor) -> QuerySet[AuditEvent]:
        return core_selectors.audit_event_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> AuditEvent:
        return core_selectors.audit_event_get_visible_to(actor=actor, seq=int(key))

    def get_serializer_class(self) -> Any:
        return AuditEventDetailSerializer if self.action == "retrieve" else AuditEventSerializer

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            reveal_reasons(page)  # typed reasons are sealed in the encrypted payloads
        return page

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # Looking into the trail is itself audited (with the filters and the number of hits).
        response = super().list(request, *args, **kwargs)
        django_page = self.paginator.page  # type: ignore[union-attr]  # the list is always paginated
        audit_search_record(actor=self.actor, filters=request.query_params, results=django_page.paginator.count,
                            page=django_page.number)
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = self.get_object()
        reveal_reasons([event])
        read = payload_read(event)
        context = {**self.get_serializer_context(), "payload": read.payload, "payload_state": read.state}
        data = AuditEventDetailSerializer(event, context=context).data
        audit_search_record(actor=self.actor, filters={}, event_seq=event.seq)
        return Response(data)


@extend_schema_view(
    list=extend_schema(summary="Grants made by you or naming you", description=(
        "Grants the acting membership made, and grants that name it (its institution, unit or the user), "
        "on records it can see now. A record's own grants are under that record (e.g. bulletins/{id}/grants/)."
    )),
    retrieve=extend_schema(summary="One grant"),
)
class GrantViewSet(ListMixin, RetrieveMixin, SelectorViewSet):
    """Grants that share protected records across institutions."""

    model = Grant
    serializer_class = GrantSerializer
    filterset_class = GrantFilterSet

    def select_list(self, actor: Actor) -> QuerySet[Grant]:
        return api_selectors.grant_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Grant:
        return api_selectors.grant_get_visible_to(actor=actor, public_id=key)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        grants = list(page if page is not None else queryset)
        context = {**self.get_serializer_context(), "record_public_ids": api_selectors.record_public_ids(grants)}
        data = GrantSerializer(grants, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        grant = self.get_object()
        context = {**self.get_serializer_context(), "record_public_ids": api_selectors.record_public_ids([grant])}
        return Response(GrantSerializer(grant, context=context).data)

    @extend_schema(summary="Revoke a grant", request=ReasonSerializer, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        grant = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        grant = grant_revoke(actor=self.actor, grant=grant, reason=body.validated_data["reason"])
        context = {**self.get_serializer_context(), "record_public_ids": api_selectors.record_public_ids([grant])}
        return Response(GrantSerializer(grant, context=context).data)


class _SingleObjectSchema(ApiSchema):
    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class MarkingViewSet(viewsets.ViewSet):
    """The markings a record can carry: classification levels (Law 03/L-178), handling codes, and TLP 2.0
    and PAP for cyber sharing. Static reference; not paginated."""

    permission_classes = [IsActor]
    schema = _SingleObjectSchema()

    @extend_schema(summary="Markings catalogue", responses=MarkingsSerializer,
                   description="Labels are in the language of the request (Accept-Language).")
    def list(self, request: Request) -> Response:
        actor = request.actor  # type: ignore[attr-defined]
        data = {
            "classifications": [
                {"value": level.value, "label": str(level.label), "within_clearance": level.value <= actor.clearance}
                for level in Classification
            ],
            "handling_codes": [{"value": code.value, "label": str(code.label)} for code in HandlingCode],
            "tlp": [{"value": tlp.value, "label": str(tlp.label)} for tlp in TLP],
            "pap": [{"value": pap.value, "label": str(pap.label)} for pap in PAP],
        }
        return Response(MarkingsSerializer(data).data)
