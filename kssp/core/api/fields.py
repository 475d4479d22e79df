"""Serializer fields for references to other records, and for markings.

A reference is written as the other record's public id (or code, for reference data) and shown as a
small object (``{"public_id", "code", "name"}``). The id is resolved through a function that sees
only what the actor may see; anything else answers 404 for that field, exactly like a missing record,
so that a body cannot be used to probe another institution's records.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _
from rest_framework import serializers

from kssp.core.api.serializers import CodeRefSerializer, PersonRefSerializer, RefSerializer
from kssp.core.exceptions import NotFound
from kssp.core.markings import validate_pap, validate_tlp

Resolver = Callable[[Any, Any], models.Model | None]


class RefField(serializers.Field):
    """In: a public id. Out: ``{"public_id", "code", "name"}``."""

    ref_serializer: type[serializers.Serializer] = RefSerializer
    key_format = "uuid"

    def __init__(self, *, resolve: Resolver | None = None, **kwargs: Any) -> None:
        self.resolve = resolve
        super().__init__(**kwargs)

    def parse_key(self, data: Any) -> Any:
        try:
            return uuid.UUID(str(data))
        except (TypeError, ValueError, AttributeError):
            raise serializers.ValidationError(_("Give the record's public id (a UUID)."), code="invalid") from None

    def to_internal_value(self, data: Any) -> Any:
        key = self.parse_key(data)
        request = self.context.get("request")
        actor = getattr(request, "actor", None)
        obj = self.resolve(actor, key) if self.resolve is not None and actor is not None else None
        if obj is None:
            raise NotFound(fields={str(self.field_name): [_("There is no such record, or you may not see it.")]})
        return obj

    def to_representation(self, value: Any) -> Any:
        return self.ref_serializer(value, context=self.context).data


class PersonRefField(RefField):
    """In: a user's public id. Out: ``{"public_id", "username", "name"}``."""

    ref_serializer = PersonRefSerializer


class CodeRefField(RefField):
    """In: a code (role, reference data). Out: ``{"code", "name"}``."""

    ref_serializer = CodeRefSerializer
    key_format = "code"

    def parse_key(self, data: Any) -> Any:
        if not isinstance(data, str) or not data.strip() or len(data) > 100:
            raise serializers.ValidationError(_("Give the code."), code="invalid")
        return data.strip()


class TLPField(serializers.CharField):
    """A TLP 2.0 marking; accepts "amber", "TLP:AMBER"…, stores the canonical value."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return validate_tlp(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="invalid_tlp") from None


class PAPField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            return validate_pap(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages, code="invalid_pap") from None
