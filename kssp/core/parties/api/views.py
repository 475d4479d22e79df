"""Persons, organisations, vehicles and party links in the API: reads through the parties selectors
(every person shown is logged as a consultation with its purpose), writes through the services."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.serializers import ReasonSerializer
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet, ServiceCreateMixin, ServiceUpdateMixin
from kssp.core.exceptions import NotFound
from kssp.core.parties import permissions as perms
from kssp.core.parties import selectors, services
from kssp.core.parties.api.serializers import (
    AcquittalSerializer,
    MergeRequestSerializer,
    OrganisationSerializer,
    PartyLinkSerializer,
    PersonDocumentSerializer,
    PersonMergeSerializer,
    PersonSearchResultSerializer,
    PersonSearchSerializer,
    PersonSerializer,
    VehicleSerializer,
)
from kssp.core.parties.filters import OrganisationFilterSet, PartyLinkFilterSet, PersonFilterSet, VehicleFilterSet
from kssp.core.parties.models import Organisation, PartyLink, Person, Vehicle
from kssp.core.parties.policies import linkable_models
from kssp.core.policy import Actor, policy_for

PURPOSE = OpenApiParameter(
    "purpose", OpenApiTypes.STR, required=False, description="Why you read it; logged with the consultation event.",
)
CASE_REF = OpenApiParameter("case_ref", OpenApiTypes.STR, required=False, description="Case reference; logged too.")


def _query(request: Request, name: str, limit: int) -> str:
    return str(request.query_params.get(name, ""))[:limit]


@extend_schema_view(
    list=extend_schema(
        summary="Persons you may see",
        description="Exact filters; the tolerant, ranked search is POST persons/search/. The page returned is logged "
        "as one consultation (with ?purpose= and ?case_ref=).",
        parameters=[PURPOSE, CASE_REF],
    ),
    retrieve=extend_schema(summary="One person (logged as a consultation)", parameters=[PURPOSE, CASE_REF]),
    create=extend_schema(summary="Add a person (owned by your unit)"),
    partial_update=extend_schema(summary="Edit a person"),
)
class PersonViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, ServiceUpdateMixin, SelectorViewSet):
    """The shared person index: names as written (Latin or Cyrillic), date of birth, sex, personal number,
    documents, nationality and addresses. Protected witnesses and juveniles are pseudonymised for every
    reader without a specific grant on the person."""

    model = Person
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    list_permission = perms.VIEW

    def select_list(self, actor: Actor) -> QuerySet[Person]:
        return selectors.person_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> Person:
        return selectors.person_get_visible_to(
            actor=actor, public_id=key, purpose=_query(self.request, "purpose", 300) or "API person read",
            case_ref=_query(self.request, "case_ref", 100),
        )

    def target(self) -> Person:
        """The person an action is about, without a consultation event (nothing of it is shown)."""
        return selectors.person_target(actor=self.actor, public_id=self.kwargs["public_id"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        persons = list(page if page is not None else queryset)
        selectors.person_list_logged(
            actor=self.actor, persons=persons, purpose=_query(request, "purpose", 300) or "API person list",
            case_ref=_query(request, "case_ref", 100),
        )
        data = self.get_serializer(persons, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> Person:
        return services.person_create(actor=actor, **data)

    def created_representation(self, obj: Any) -> Any:
        selectors.apply_protection(actor=self.actor, persons=[obj])
        return self.get_serializer(obj).data

    def service_update(self, actor: Actor, obj: Person, data: dict[str, Any]) -> Person:
        return services.person_update(actor=actor, person=obj, **data)

    @extend_schema(summary="Search persons by any spelling, date of birth or number", request=PersonSearchSerializer,
                   responses=PersonSearchResultSerializer)
    @action(detail=False, methods=["post"])
    def search(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PersonSearchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = selectors.person_search(actor=self.actor, **body.validated_data)
        context = self.get_serializer_context()
        return Response({
            "search": result.search.public_id,
            "results": [
                {
                    "person": PersonSerializer(match.person, context=context).data,
                    "score": match.percent,
                    "reasons": [
                        {"code": reason.code, "rules": list(reason.rules), "text": text}
                        for reason, text in zip(match.reasons, match.reason_texts, strict=True)
                    ],
                }
                for match in result.matches
            ],
        })

    @extend_schema(summary="A person's identity documents (none for a pseudonymised person)",
                   responses=PersonDocumentSerializer(many=True), methods=["GET"], parameters=[PURPOSE, CASE_REF])
    @extend_schema(summary="Add an identity document", request=PersonDocumentSerializer, responses={201: PersonDocumentSerializer},
                   methods=["POST"])
    @action(detail=True, methods=["get", "post"], serializer_class=PersonDocumentSerializer, pagination_class=None,
            filterset_class=None)
    def documents(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.method == "GET":
            person = self.get_object()
            return Response(PersonDocumentSerializer(selectors.person_documents_for(actor=self.actor, person=person), many=True).data)
        person = self.target()
        body = PersonDocumentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = services.person_document_add(actor=self.actor, person=person, **body.validated_data)
        return Response(PersonDocumentSerializer(document).data, status=201)

    @extend_schema(summary="Merge a duplicate into this person", request=MergeRequestSerializer, responses=PersonMergeSerializer)
    @action(detail=True, methods=["post"], serializer_class=MergeRequestSerializer, filterset_class=None)
    def merge(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        survivor = self.target()
        body = MergeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            duplicate = selectors.person_target(actor=self.actor, public_id=body.validated_data["duplicate"])
        except NotFound:
            raise NotFound(fields={"duplicate": [_("There is no such person, or you may not see it.")]}) from None
        merge = services.person_merge(actor=self.actor, survivor=survivor, duplicate=duplicate, reason=body.validated_data["reason"])
        return Response(PersonMergeSerializer(merge).data)

    @extend_schema(summary="Undo the merge of this person into another", request=ReasonSerializer, responses=PersonMergeSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReasonSerializer, filterset_class=None)
    def unmerge(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        duplicate = self.target()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        merge = services.person_unmerge(actor=self.actor, duplicate=duplicate, reason=body.validated_data["reason"])
        return Response(PersonMergeSerializer(merge).data)


@extend_schema_view(
    list=extend_schema(summary="Organisations you may see"),
    retrieve=extend_schema(summary="One organisation", parameters=[PURPOSE, CASE_REF]),
    create=extend_schema(summary="Add an organisation (owned by your unit)"),
    partial_update=extend_schema(summary="Edit an organisation"),
)
class OrganisationViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, ServiceUpdateMixin, SelectorViewSet):
    """Companies, associations, public bodies, private security companies and licensed dealers."""

    model = Organisation
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilterSet
    list_permission = perms.VIEW

    def select_list(self, actor: Actor) -> QuerySet[Organisation]:
        return selectors.organisation_list_visible_to(
            actor=actor, purpose=_query(self.request, "purpose", 300) or "API organisation list")

    def select_one(self, actor: Actor, key: Any) -> Organisation:
        return selectors.organisation_get_visible_to(
            actor=actor, public_id=key, purpose=_query(self.request, "purpose", 300), case_ref=_query(self.request, "case_ref", 100)
        )

    def service_create(self, actor: Actor, data: dict[str, Any]) -> Organisation:
        return services.organisation_create(actor=actor, **data)

    def service_update(self, actor: Actor, obj: Organisation, data: dict[str, Any]) -> Organisation:
        return services.organisation_update(actor=actor, organisation=obj, **data)


@extend_schema_view(
    list=extend_schema(summary="Vehicles you may see"),
    retrieve=extend_schema(summary="One vehicle", parameters=[PURPOSE, CASE_REF]),
    create=extend_schema(summary="Add a vehicle (owned by your unit)"),
    partial_update=extend_schema(summary="Edit a vehicle"),
)
class VehicleViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, ServiceUpdateMixin, SelectorViewSet):
    """Vehicles: the plate as read with its plate format (neutral reference data), VIN, make and model."""

    model = Vehicle
    serializer_class = VehicleSerializer
    filterset_class = VehicleFilterSet
    list_permission = perms.VIEW

    def select_list(self, actor: Actor) -> QuerySet[Vehicle]:
        return selectors.vehicle_list_visible_to(actor=actor, purpose=_query(self.request, "purpose", 300) or "API vehicle list")

    def select_one(self, actor: Actor, key: Any) -> Vehicle:
        return selectors.vehicle_get_visible_to(
            actor=actor, public_id=key, purpose=_query(self.request, "purpose", 300), case_ref=_query(self.request, "case_ref", 100)
        )

    def service_create(self, actor: Actor, data: dict[str, Any]) -> Vehicle:
        return services.vehicle_create(actor=actor, **data)

    def service_update(self, actor: Actor, obj: Vehicle, data: dict[str, Any]) -> Vehicle:
        return services.vehicle_update(actor=actor, vehicle=obj, **data)


def _record_public_ids(actor: Actor, links: list[PartyLink]) -> dict[tuple[int, int], Any]:
    """(content type, object id) → the record's public id, one query per kind of record."""
    out: dict[tuple[int, int], Any] = {}
    by_type: dict[int, set[int]] = {}
    for link in links:
        by_type.setdefault(link.content_type_id, set()).add(link.object_id)
    for content_type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None or not hasattr(model, "public_id"):
            continue
        for pk, public_id in policy_for(model).visible(actor).filter(pk__in=ids).values_list("pk", "public_id"):
            out[(content_type_id, pk)] = public_id
    return out


def _resolve_party(actor: Actor, model: type[Any], key: Any, field: str) -> Any:
    obj = policy_for(model).visible(actor).filter(public_id=key).first() if key else None
    if key and obj is None:
        raise NotFound(fields={field: [_("There is no such record, or you may not see it.")]})
    return obj


def _resolve_record(actor: Actor, data: dict[str, Any]) -> Any:
    app_label, _dot, model_name = str(data["type"]).strip().lower().partition(".")
    content_type = ContentType.objects.filter(app_label=app_label, model=model_name).first()
    model = content_type.model_class() if content_type else None
    if model is None or model not in linkable_models():
        raise serializers.ValidationError({"record": {"type": [_("Parties cannot be linked to this kind of record.")]}})
    record = policy_for(model).visible(actor).filter(public_id=data["public_id"]).first()
    if record is None:
        raise NotFound(fields={"record": [_("There is no such record, or you may not see it.")]})
    return record


@extend_schema_view(
    list=extend_schema(summary="Party links you may see"),
    retrieve=extend_schema(summary="One party link"),
    create=extend_schema(summary="Link a record to a person, organisation or vehicle"),
)
class PartyLinkViewSet(ListMixin, RetrieveMixin, ServiceCreateMixin, SelectorViewSet):
    """Links from any record to a party, with the role, the data-subject category (Directive 2016/680
    Art. 6), fact or assessment (Art. 7) and the protected-witness and juvenile flags. A link is visible
    when both its record and its party are."""

    model = PartyLink
    serializer_class = PartyLinkSerializer
    filterset_class = PartyLinkFilterSet
    list_permission = perms.VIEW

    def select_list(self, actor: Actor) -> QuerySet[PartyLink]:
        return selectors.party_link_list_visible_to(actor=actor)

    def select_one(self, actor: Actor, key: Any) -> PartyLink:
        return selectors.party_link_get_visible_to(actor=actor, public_id=key)

    def _render(self, links: list[PartyLink]) -> Any:
        context = {**self.get_serializer_context(), "record_public_ids": _record_public_ids(self.actor, links)}
        return PartyLinkSerializer(links, many=True, context=context).data

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        links = list(page if page is not None else queryset)
        data = self._render(links)
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._render([self.get_object()])[0])

    def created_representation(self, obj: Any) -> Any:
        return self._render([obj])[0]

    def service_create(self, actor: Actor, data: dict[str, Any]) -> PartyLink:
        record = _resolve_record(actor, data.pop("record"))
        parties = {
            "person": _resolve_party(actor, Person, data.pop("person", None), "person"),
            "organisation": _resolve_party(actor, Organisation, data.pop("organisation", None), "organisation"),
            "vehicle": _resolve_party(actor, Vehicle, data.pop("vehicle", None), "vehicle"),
        }
        return services.party_link_create(actor=actor, record=record, **parties, **data)

    @extend_schema(summary="Remove a party link (kept, marked removed)", request=ReasonSerializer, responses=PartyLinkSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReasonSerializer, filterset_class=None)
    def remove(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        link = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        link = services.party_link_remove(actor=self.actor, link=link, reason=body.validated_data["reason"])
        return Response(self._render([link])[0])

    @extend_schema(summary="Record that a suspect's acquittal became final", request=AcquittalSerializer,
                   responses=PartyLinkSerializer)
    @action(detail=True, methods=["post"], serializer_class=AcquittalSerializer, filterset_class=None)
    def acquittal(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        link = self.get_object()
        body = AcquittalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        link = services.party_link_record_acquittal(actor=self.actor, link=link, acquitted_on=body.validated_data["acquitted_at"])
        return Response(self._render([link])[0])
