"""Records that notifications and tasks point at: their page, their type's name, and whether a
reader may see them.

A record's page is its ``get_absolute_url()`` or, by convention, the URL named
``<app_label>:<model_name>_detail`` taking its ``public_id`` (``bulletins:bulletin_detail``). A model
may register another resolver with ``register_record_url``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import NoReverseMatch, reverse

from kssp.core.policy import Actor, registered_policies

_url_resolvers: dict[str, Callable[[Any], str]] = {}


def register_record_url(model_label: str, resolver: Callable[[Any], str]) -> None:
    """``model_label`` is "app_label.model_name" (lower case)."""
    _url_resolvers[model_label.lower()] = resolver


def model_label(model: type[models.Model] | models.Model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def record_url(obj: Any) -> str | None:
    """The page of ``obj``, or None if it has none."""
    resolver = _url_resolvers.get(model_label(obj))
    if resolver is not None:
        return resolver(obj)
    getter = getattr(obj, "get_absolute_url", None)
    if callable(getter):
        return str(getter())
    public_id = getattr(obj, "public_id", None)
    if public_id is None:
        return None
    try:
        return reverse(f"{obj._meta.app_label}:{obj._meta.model_name}_detail", args=[public_id])
    except NoReverseMatch:
        return None


def record_label(obj: Any) -> str:
    """How a record the reader may see is named in a notification or a task list."""
    label = getattr(obj, "notification_label", None)
    if callable(label):
        return str(label())
    return str(obj)


def type_name(model: type[models.Model]) -> str:
    return str(model._meta.verbose_name)


def policy_of(model: type[models.Model]) -> Any:
    return registered_policies().get(model)


def visible_objects(actor: Actor, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], Any]:
    """``{(content_type_id, object_id): record}`` for the records among ``keys`` that ``actor`` may
    see now (one query per record type). A type without a registered policy is never shown."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for ct_id, object_id in keys:
        wanted[ct_id].add(object_id)
    found: dict[tuple[int, int], Any] = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        policy = policy_of(model) if model is not None else None
        if model is None or policy is None:
            continue
        for obj in policy.visible(actor).filter(pk__in=ids):
            found[(ct_id, obj.pk)] = obj
    return found
