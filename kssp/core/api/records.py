"""The API resource every record type gets from its declaration and its writes (issue #6 point 4):
list (filters, pagination; reading a page of personal-data records is one consultation event), one
record (``?purpose=`` logged with the consultation), create (idempotent with a client ``public_id``),
edit, change of status, and sharing through the grant actions."""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.api.serializers import StrictSerializer
from kssp.core.api.views import ListMixin, RetrieveMixin, SelectorViewSet, ServiceCreateMixin, ServiceUpdateMixin
from kssp.core.offline import IdempotentCreateMixin
from kssp.core.policy import Actor
from kssp.core.records.access import record_get_visible_to, record_list_visible_to
from kssp.core.services.records import RecordWrites


class TransitionSerializer(serializers.Serializer):
    status = serializers.CharField(max_length=40)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


@cache
def transition_serializer(writes: RecordWrites[Any]) -> type[serializers.Serializer]:
    """The body of a type's change of status, from its writes: one of the statuses of its status field,
    and a reason, said to be required for the statuses the writes name in ``reasons`` (the service
    refuses them without one). One class per type (``<Model>TransitionSerializer``, named so in the schema)."""
    status_field: Any = writes.model._meta.get_field(writes.status_field)
    needs = ", ".join(str(status) for status in writes.reasons)
    return type(f"{writes.model.__name__}TransitionSerializer", (StrictSerializer,), {
        "status": serializers.ChoiceField(choices=status_field.choices, help_text="The status to move to."),
        "reason": serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                        help_text=f"Required to move to: {needs}." if needs else "Kept in the audit trail."),
    })


class RecordViewSetMixin(IdempotentCreateMixin, ListMixin, RetrieveMixin, ServiceCreateMixin, ServiceUpdateMixin):
    """Mix into a ``SelectorViewSet`` (after the grant actions, if the type is shared by grant)."""

    writes: ClassVar[RecordWrites[Any]]
    transition_serializer_class: ClassVar[type[serializers.Serializer]] = TransitionSerializer

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        writes = cls.__dict__.get("writes")
        if writes is not None:
            cls.model = writes.model  # type: ignore[attr-defined]
            if writes.transitions and "transition_serializer_class" not in cls.__dict__:
                cls.transition_serializer_class = transition_serializer(writes)

    def may_list(self, actor: Actor) -> bool:
        return actor.has_perm(self.writes.declaration.view_perm)

    def select_list(self, actor: Actor) -> QuerySet[Any]:
        return record_list_visible_to(actor=actor, model=self.writes.model, purpose=f"{self.writes.declaration.code} API list")

    def select_one(self, actor: Actor, key: Any) -> Any:
        purpose = str(self.request.query_params.get("purpose", ""))[:300]  # type: ignore[attr-defined]
        return record_get_visible_to(actor=actor, model=self.writes.model, public_id=key, purpose=purpose)

    def service_create(self, actor: Actor, data: dict[str, Any]) -> Any:
        return self.writes.create(actor=actor, **data)

    def service_update(self, actor: Actor, obj: Any, data: dict[str, Any]) -> Any:
        return self.writes.update(actor=actor, record=obj, **data)

    def change_status(self, request: Request) -> Response:
        """The body of a ``transition`` action (a type with allowed transitions declares the action)."""
        record = self.get_object()  # type: ignore[attr-defined]
        body = self.transition_serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        record = self.writes.transition(
            actor=self.actor, record=record, to=body.validated_data["status"],  # type: ignore[attr-defined]
            reason=body.validated_data.get("reason", ""),
        )
        return Response(self.get_serializer(record).data)  # type: ignore[attr-defined]


def transition_action(summary: str, serializer: type[serializers.Serializer] | RecordWrites[Any], response: Any) -> Any:
    """The ``POST <record>/transition/`` action with its schema; given the type's writes, its body is
    ``transition_serializer(writes)``, the one the resource parses."""
    if isinstance(serializer, RecordWrites):
        serializer = transition_serializer(serializer)

    @extend_schema(summary=summary, request=serializer, responses=response)
    @action(detail=True, methods=["post"])
    def transition(self: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.change_status(request)  # type: ignore[no-any-return]

    return transition


__all__ = ["RecordViewSetMixin", "SelectorViewSet", "TransitionSerializer", "transition_action", "transition_serializer"]
