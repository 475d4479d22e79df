"""Base viewsets: reads through the app's selectors, writes through its services.

A resource viewset subclasses ``SelectorViewSet`` and the mixins it needs, and implements:

* ``select_list(actor)`` — the selector's queryset (``<entity>_list_visible_to``); the FilterSet and
  the paginator run on it;
* ``select_one(actor, key)`` — the selector's single read (``<entity>_get_visible_to``), raising
  ``NotFound`` for a missing and a forbidden record alike (defaults to ``select_list`` + key);
* ``service_create(actor, data)`` / ``service_update(actor, obj, data)`` /
  ``service_destroy(actor, obj)`` — the service call.

Service errors (``ApplicationError`` and subclasses, Django's ``ValidationError``) are not caught here:
the exception handler (``kssp.core.api.errors``) turns them into the error shape with their status.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from kssp.core.api.permissions import IsActor, MayList
from kssp.core.api.schema import ApiSchema
from kssp.core.exceptions import NotFound
from kssp.core.policy import Actor

UUID_REGEX = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class SelectorViewSet(GenericViewSet):
    # Reads go through selectors (ARCHITECTURE rule 2); records are addressed by ``public_id``. Each
    # resource's docstring is its description in the schema.

    model: ClassVar[type[models.Model]]
    lookup_field = "public_id"
    lookup_value_regex = UUID_REGEX
    permission_classes = [IsActor, MayList]
    schema = ApiSchema()
    #: Permission code the list needs (403 without it); ``None``: every actor may list.
    list_permission: ClassVar[str | None] = None

    # --- what subclasses provide ---------------------------------------------------------------
    def select_list(self, actor: Actor) -> models.QuerySet[Any]:
        raise NotImplementedError

    def select_one(self, actor: Actor, key: Any) -> Any:
        obj = self.select_list(actor).filter(**{self.lookup_field: key}).first()
        if obj is None:
            raise NotFound()
        return obj

    def may_list(self, actor: Actor) -> bool:
        return self.list_permission is None or actor.has_perm(self.list_permission)

    # --- plumbing --------------------------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        return self.request.actor  # type: ignore[attr-defined,no-any-return]

    def get_queryset(self) -> models.QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no actor
            return self.model._default_manager.none()
        return self.select_list(self.actor)

    def get_object(self) -> Any:
        key = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        obj = self.select_one(self.actor, key)
        self.check_object_permissions(self.request, obj)
        return obj


# DRF's own list and retrieve already go through get_queryset/filter/paginate and get_object above.
ListMixin = mixins.ListModelMixin
RetrieveMixin = mixins.RetrieveModelMixin


class ServiceCreateMixin:
    """``POST`` on the collection: validate with the serializer, then call the service."""

    def service_create(self, actor: Actor, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        obj = self.service_create(self.actor, dict(serializer.validated_data))  # type: ignore[attr-defined]
        return Response(self.created_representation(obj), status=status.HTTP_201_CREATED)

    def created_representation(self, obj: Any) -> Any:
        return self.get_serializer(obj).data  # type: ignore[attr-defined]


class ServiceUpdateMixin:
    """``PATCH`` on a record: the changed fields only, handed to the service."""

    def service_update(self, actor: Actor, obj: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        serializer = self.get_serializer(obj, data=request.data, partial=True)  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data:  # an empty PATCH changes nothing and writes no event
            obj = self.service_update(self.actor, obj, dict(serializer.validated_data))  # type: ignore[attr-defined]
        return Response(self.get_serializer(obj).data)  # type: ignore[attr-defined]


class ServiceDestroyMixin:
    """``DELETE`` on a record, for the resources whose service removes or ends one (none in v1 yet:
    records are ended by a transition, not deleted)."""

    def service_destroy(self, actor: Actor, obj: Any) -> None:
        raise NotImplementedError

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.service_destroy(self.actor, self.get_object())  # type: ignore[attr-defined]
        return Response(status=status.HTTP_204_NO_CONTENT)
