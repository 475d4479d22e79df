"""Records of any module, addressed generically: which record types exist, how to find one the actor
may see, and a database filter for "the record this row points to is visible".

Every model built on ``ProtectedRecord`` whose policy is registered (``register_policy``) is a record
type here, without further work: it is addressed as ``"<app_label>.<model_name>"`` (for example
``"bulletins.bulletin"``) plus its ``public_id``, found by its ``number`` field when it has one, and
shown with a link to ``<app_label>:<model_name>_detail`` when that URL exists. A module whose record
differs says so once, from its AppConfig.ready()::

    register_record_type(Exhibit, number_field="exhibit_number", url_name="evidence:exhibit_page")

Attachments and record links both build on this module; the kernel imports no module to do so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from kssp.core.models.grants import ProtectedRecord
from kssp.core.policy import NOTHING, Actor, Policy, registered_policies


@dataclass(frozen=True)
class RecordType:
    model: type[ProtectedRecord]
    policy: Policy
    number_field: str | None
    url_name: str | None

    @property
    def label(self) -> str:
        return record_label(self.model)

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)


_overrides: dict[type[models.Model], dict[str, Any]] = {}


def register_record_type(model: type[ProtectedRecord], *, number_field: str | None = None, url_name: str | None = None) -> None:
    """Say how a record type is numbered and where its page is, when the conventions do not fit."""
    _overrides[model] = {"number_field": number_field, "url_name": url_name}


def record_label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _default_number_field(model: type[models.Model]) -> str | None:
    try:
        model._meta.get_field("number")
    except FieldDoesNotExist:
        return None
    return "number"


def record_types() -> dict[str, RecordType]:
    """``{"app.model": RecordType}`` for every protected record with a registered policy."""
    out: dict[str, RecordType] = {}
    for model, policy in registered_policies().items():
        if not (isinstance(model, type) and issubclass(model, ProtectedRecord)):
            continue
        override = _overrides.get(model, {})
        out[record_label(model)] = RecordType(
            model=model,
            policy=policy,
            number_field=override.get("number_field") or _default_number_field(model),
            url_name=override.get("url_name") or f"{model._meta.app_label}:{model._meta.model_name}_detail",
        )
    return dict(sorted(out.items()))


def record_type_for(model_or_obj: Any) -> RecordType | None:
    model: Any = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    return record_types().get(record_label(model._meta.concrete_model or model))


def record_type_by_label(label: str) -> RecordType | None:
    return record_types().get(str(label or "").strip().lower())


def record_type_by_content_type_id(content_type_id: int) -> RecordType | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return record_type_for(model) if model is not None else None


# --- the database face --------------------------------------------------------------------------


def visible_records_q(actor: Actor, type_field: str = "content_type", id_field: str = "object_id") -> Q:
    """Rows whose (``type_field``, ``id_field``) point at a record the actor may see now: one subquery
    per record type, each through that type's own ``visible_q`` (so grants, clearance and scope apply)."""
    types = list(record_types().values())
    # One query for every content type not cached yet (the policies' grant filters look them up too),
    # instead of one per record type on a process's first request.
    content_types = ContentType.objects.get_for_models(*(t.model for t in types))
    q = NOTHING
    for record_type in types:
        visible = record_type.model._default_manager.filter(record_type.policy.visible_q(actor)).values("pk")
        q |= Q(**{type_field: content_types[record_type.model], f"{id_field}__in": visible})
    return q


# --- one record -----------------------------------------------------------------------------------


def can(actor: Actor, action: str, record: Any) -> bool:
    record_type = record_type_for(record)
    return record_type is not None and record_type.policy.can(actor, action, record)


def _as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip())
    except (TypeError, ValueError, AttributeError):
        return None


def get_visible(actor: Actor, label: str, public_id: Any) -> Any | None:
    """The record of type ``label`` with ``public_id`` if the actor may see it; None for a missing, an
    unknown and a forbidden one alike."""
    record_type = record_type_by_label(label)
    key = _as_uuid(public_id)
    if record_type is None or key is None:
        return None
    return record_type.model._default_manager.filter(record_type.policy.visible_q(actor), public_id=key).first()


def find_visible(actor: Actor, label: str, reference: str) -> tuple[Any | None, int]:
    """A visible record of type ``label`` by its public id or its number (case-insensitive).

    Returns ``(record, matches)``: ``matches`` is 0 (nothing the actor may see), 1, or more than 1 when
    a number is shared by records of several institutions (then the record is None and the caller
    asks for the public id).
    """
    record_type = record_type_by_label(label)
    reference = str(reference or "").strip()
    if record_type is None or not reference:
        return None, 0
    visible = record_type.model._default_manager.filter(record_type.policy.visible_q(actor))
    key = _as_uuid(reference)
    if key is not None:
        record = visible.filter(public_id=key).first()
        return record, int(record is not None)
    if not record_type.number_field:
        return None, 0
    found = list(visible.filter(**{f"{record_type.number_field}__iexact": reference})[:2])
    if len(found) == 1:
        return found[0], 1
    return None, len(found)


def search_visible(actor: Actor, label: str, term: str, *, limit: int = 10, exclude: Any = None) -> list[Any]:
    """Records of type ``label`` the actor may see whose number contains ``term`` (for a picker)."""
    record_type = record_type_by_label(label)
    term = str(term or "").strip()
    if record_type is None or len(term) < 2:
        return []
    visible = record_type.model._default_manager.filter(record_type.policy.visible_q(actor))
    key = _as_uuid(term)
    if key is not None:
        qs = visible.filter(public_id=key)
    elif record_type.number_field:
        qs = visible.filter(**{f"{record_type.number_field}__icontains": term})
    else:
        return []
    if exclude is not None and isinstance(exclude, record_type.model):
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.order_by("-pk")[:limit])


def records_by_key(keys: set[tuple[int, int]]) -> dict[tuple[int, int], Any]:
    """``{(content_type_id, pk): record}`` for the given keys, one query per record type."""
    wanted: dict[int, set[int]] = {}
    for ct_id, pk in keys:
        wanted.setdefault(ct_id, set()).add(pk)
    out: dict[tuple[int, int], Any] = {}
    for ct_id, pks in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        for record in model._default_manager.filter(pk__in=pks):
            out[(ct_id, record.pk)] = record
    return out


def record_number(record: Any) -> str:
    """What people call the record: its number, or the start of its public id."""
    record_type = record_type_for(record)
    if record_type is not None and record_type.number_field:
        value = getattr(record, record_type.number_field, "")
        if value:
            return str(value)
    return str(record.public_id)[:8]


def record_title(record: Any) -> str:
    """A one-line description safe to show in a panel: the number, plus the record's own text unless
    the record holds personal data (a panel is not a reading of the record)."""
    number = record_number(record)
    if getattr(record, "contains_personal_data", False):
        return number
    text = str(record)
    return text if number in text else f"{number} {text}"


def record_url(record: Any) -> str | None:
    get_absolute_url = getattr(record, "get_absolute_url", None)
    if callable(get_absolute_url):
        return str(get_absolute_url())
    record_type = record_type_for(record)
    if record_type is None or not record_type.url_name:
        return None
    try:
        return reverse(record_type.url_name, args=[record.public_id])
    except NoReverseMatch:
        return None
