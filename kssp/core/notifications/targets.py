"""Records that notifications and tasks point at: their page, their type's name, and whether a
reader may see them.

A record's page and name come from its record-type declaration (``kssp.core.records``); other models
(tasks, reviews) use their ``get_absolute_url()`` and ``notification_label()``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from kssp.core.policy import Actor, registered_policies


def model_label(model: type[models.Model] | models.Model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


# The record-type declarations name a record's page and its safe one-line name; the records layer
# (which sits above notifications) hands its two functions over when it wires the declarations.
_declared: dict[str, Callable[[Any], Any]] = {}


def use_declarations(*, url: Callable[[Any], str | None], label: Callable[[Any], str], declared: Callable[[Any], bool]) -> None:
    _declared.update(url=url, label=label, declared=declared)


def _is_declared(obj: Any) -> bool:
    return bool(_declared) and bool(_declared["declared"](obj))


def record_url(obj: Any) -> str | None:
    """The page of ``obj``: its record-type declaration's, or ``get_absolute_url()`` for other models."""
    if _is_declared(obj):
        return _declared["url"](obj)  # type: ignore[no-any-return]
    getter = getattr(obj, "get_absolute_url", None)
    return str(getter()) if callable(getter) else None


def record_label(obj: Any) -> str:
    """How a record the reader may see is named in a notification or a task list (its declaration's
    display rule: the number, and the title only where it holds no personal data)."""
    if _is_declared(obj):
        return str(_declared["label"](obj))
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
