"""``public_id`` is always made by the server (issue #7 point 3): no API serializer of a declared record
type lets a client set it. Found by walking every model serializer the URL configuration loads, so a
module's new serializer is checked without being named here."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import get_resolver
from rest_framework import serializers

from kssp.core.records.registry import declaration_for


def _all_subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    pending: list[type] = [cls]
    while pending:
        subclasses: list[type] = pending.pop().__subclasses__()
        for sub in subclasses:
            if sub not in found:
                found.add(sub)
                pending.append(sub)
    return found


def record_serializers() -> list[type[serializers.ModelSerializer[Any]]]:
    get_resolver().url_patterns  # noqa: B018 - loads every app's URLs, hence their API serializers
    out = []
    for cls in _all_subclasses(serializers.ModelSerializer):
        meta = getattr(cls, "Meta", None)
        model = getattr(meta, "model", None)
        if cls.__module__.startswith("kssp.") and model is not None and declaration_for(model) is not None:
            out.append(cls)
    return sorted(out, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_the_walk_finds_the_record_serializers():
    names = {c.__qualname__ for c in record_serializers()}
    assert {"BulletinSerializer", "PersonSerializer", "VehicleSerializer", "OrganisationSerializer"} <= names, names


@pytest.mark.parametrize("serializer_class", record_serializers(), ids=lambda c: c.__qualname__)
def test_no_record_serializer_lets_a_client_set_the_public_id(serializer_class):
    fields = serializer_class().fields
    if "public_id" in fields:
        assert fields["public_id"].read_only, f"{serializer_class.__qualname__}.public_id is writable"
