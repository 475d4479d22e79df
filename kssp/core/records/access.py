"""Records of any module, addressed generically: which record types exist, how to find one the actor
may see, its number, name and page, and a database filter for "the record this row points to is
visible".

Every declared record type (``kssp/<module>/records.py``, see ``kssp.core.records.declaration``) is a
record type here: it is addressed as ``"<app_label>.<model_name>"`` (for example ``"bulletins.bulletin"``)
plus its ``public_id``, found by its number, named by its display rule and linked to its detail URL.
Attachments, record links, tasks, notifications and the timeline all build on this module; the kernel
imports no module to do so.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse

from kssp.core.exceptions import NotFound
from kssp.core.models.scoping import set_reading_logger
from kssp.core.notifications import targets as notification_targets
from kssp.core.policy import NOTHING, Actor
from kssp.core.records.declaration import RecordType
from kssp.core.records.registry import declaration_for, declarations


def record_label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def record_types() -> dict[str, RecordType]:
    """``{"app.model": declaration}`` for every declared record type that records can point at
    (dependent records are reached through their parent)."""
    return {label: d for label, d in declarations().items() if not d.is_dependent}


def record_type_for(model_or_obj: Any) -> RecordType | None:
    declaration = declaration_for(model_or_obj)
    return declaration if declaration is not None and not declaration.is_dependent else None


def record_type_by_label(label: str) -> RecordType | None:
    return record_types().get(str(label or "").strip().lower())


def record_type_by_content_type_id(content_type_id: int) -> RecordType | None:
    model = ContentType.objects.get_for_id(content_type_id).model_class()
    return record_type_for(model) if model is not None else None


# --- the database face --------------------------------------------------------------------------


def visible_records_q(
    actor: Actor, type_field: str = "content_type", id_field: str = "object_id", *, of: Any = None,
) -> Q:
    """Rows whose (``type_field``, ``id_field``) point at a record the actor may see now: one subquery
    per record type, each through that type's own ``visible_q`` (so grants, clearance and scope apply).

    ``of`` (a model or a record) limits it to the rows of that one type, for a caller that already
    filters on it (the attachments of one record): one subquery instead of one per declared type."""
    model: Any = None if of is None else (of if isinstance(of, type) else type(of))
    key = ("visible_records_q", type_field, id_field, model._meta.label if model is not None else "")
    return actor.remembered(key, lambda: _visible_records_q(actor, type_field, id_field, model))


def _visible_records_q(actor: Actor, type_field: str, id_field: str, model: Any) -> Q:
    types = [t for t in record_types().values() if model is None or t.model is model]
    # One query for every content type not cached yet (the policies' grant filters look them up too),
    # instead of one per record type on a process's first request.
    content_types = ContentType.objects.get_for_models(*(t.model for t in types))
    q = NOTHING
    for record_type in types:
        visible = _visible(record_type, actor).values("pk")
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
    return _visible(record_type, actor).filter(public_id=key).first()


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
    visible = _visible(record_type, actor)
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
    visible = _visible(record_type, actor)
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


def visible_records_by_key(actor: Actor, keys: set[tuple[int, int]]) -> dict[tuple[int, int], Any]:
    """``{(content_type_id, pk): record}`` for those of the given keys the actor may see now, one query
    per record type among them, each through the type's own ``visible_to``. For a panel that has already
    narrowed its rows to one record (its links, its parties): asking only about the few records they
    name costs a query per type present, where ``visible_records_q`` compiles one per declared type."""

    def rows(model: Any) -> Any:
        record_type = record_type_for(model)
        return _visible(record_type, actor) if record_type is not None else None

    return _by_key(keys, rows)


def records_by_key(keys: set[tuple[int, int]]) -> dict[tuple[int, int], Any]:
    """``{(content_type_id, pk): record}`` for the given keys, one query per record type."""
    return _by_key(keys, lambda model: model._base_manager.all())


def _by_key(keys: set[tuple[int, int]], rows: Any) -> dict[tuple[int, int], Any]:
    """The records of ``keys`` read from ``rows(model)`` (None: none of that model), one query per type."""
    wanted: dict[int, set[int]] = {}
    for ct_id, pk in keys:
        wanted.setdefault(ct_id, set()).add(pk)
    out: dict[tuple[int, int], Any] = {}
    for ct_id, pks in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        queryset = rows(model) if model is not None else None
        if queryset is None:
            continue
        for record in queryset.filter(pk__in=pks):
            out[(ct_id, record.pk)] = record
    return out


def policy_of(model: type[models.Model]) -> Any:
    """The policy derived from a declared type's declaration."""
    declaration = declaration_for(model)
    if declaration is None:
        raise LookupError(f"{model._meta.label} is not a declared record type")
    return declaration.policy


def _visible(record_type: RecordType, actor: Actor) -> Any:
    return record_type.model._default_manager.visible_to(actor)  # type: ignore[attr-defined]


def record_number(record: Any) -> str:
    """What people call the record: its number, or the start of its public id."""
    declaration = declaration_for(record)
    if declaration is not None:
        return declaration.number(record)
    return str(record.public_id)[:8]


def record_title(record: Any) -> str:
    """A one-line name safe in any panel (the declaration's display rule: no personal data)."""
    declaration = declaration_for(record)
    if declaration is not None:
        return declaration.display(record)
    return record_number(record)


def record_url(record: Any) -> str | None:
    """The page of a record (its declaration's detail URL; a dependent record's parent page)."""
    declaration = declaration_for(record)
    if declaration is None:
        getter = getattr(record, "get_absolute_url", None)
        return str(getter()) if callable(getter) else None
    if declaration.is_dependent and not declaration.detail_url:
        return record_url(getattr(record, str(declaration.parent)))
    if not declaration.detail_url or not declaration.pages:
        return None
    try:
        return reverse(declaration.detail_url, args=[record.public_id])
    except NoReverseMatch:
        return None


# --- generic selectors -------------------------------------------------------------------------


def record_list_visible_to(*, actor: Actor, model: type[models.Model], purpose: str = "") -> Any:
    """The records of a declared type that ``actor`` may see now. Reading them is a consultation when
    they hold personal data: when the list is read (a page, an API page, an export), one event names the
    records returned, with the purpose (LED Art. 25); counting is not a reading."""
    declaration = declaration_for(model)
    if declaration is None:
        raise LookupError(f"{model._meta.label} is not a declared record type")
    qs = declaration.list_queryset(model._default_manager.visible_to(actor))  # type: ignore[attr-defined]
    if actor.is_authenticated:
        qs = qs.logged_for(actor, purpose or f"{declaration.code} list")  # type: ignore[attr-defined]
    return qs


def log_list_reading(actor: Actor, model: type[models.Model], rows: list[Any], purpose: str) -> None:
    """One consultation event for the rows of a list read by ``actor`` that hold personal data, naming
    them by number only (the chain never carries their content)."""
    declaration = declaration_for(model)
    if declaration is None:
        return
    personal = [row for row in rows if declaration.holds_personal_data(row)]
    if not personal:
        return
    from django.db import transaction

    from kssp.core.audit import audit_record

    with transaction.atomic():
        audit_record(
            actor=actor, event=f"{declaration.event_prefix}.listed", purpose=purpose,
            extra={"count": len(personal), "records": [declaration.number(row) for row in personal[:500]]},
        )


set_reading_logger(log_list_reading)
# Notifications and tasks name records and link to their pages through the declarations too.
notification_targets.use_declarations(url=record_url, label=record_title, declared=lambda obj: declaration_for(obj) is not None)


def record_get_visible_to(*, actor: Actor, model: type[models.Model], public_id: Any, purpose: str = "") -> Any:
    """One record, or ``NotFound`` for a missing and a forbidden one alike. Reading a record that holds
    personal data writes a consultation event with the purpose."""
    declaration = declaration_for(model)
    if declaration is None:
        raise LookupError(f"{model._meta.label} is not a declared record type")
    try:
        record = declaration.list_queryset(model._default_manager.visible_to(actor)).get(public_id=public_id)  # type: ignore[attr-defined]
    except (model.DoesNotExist, ValueError, TypeError, DjangoValidationError):  # type: ignore[attr-defined]
        raise NotFound() from None
    if declaration.holds_personal_data(record):
        from kssp.core.audit import consultation_record

        consultation_record(
            actor=actor, target=record, purpose=purpose or f"{declaration.code} reading",
            event=f"{declaration.event_prefix}.consulted",
        )
    return record


def identifiers_of(*, actor: Actor, record: Any) -> list[Any]:
    """The numbers other institutions (and the actor's) gave ``record``, if the actor may see it."""
    from kssp.core.models.identifiers import RecordIdentifier

    declaration = declaration_for(record)
    if declaration is None or not declaration.can(actor, "view", record):
        return []
    return list(
        RecordIdentifier.objects.filter(content_type=declaration.content_type, object_id=record.pk)
        .select_related("institution").order_by("institution__code", "scheme")
    )
