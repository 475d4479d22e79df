"""Administrators' edits of the reference data (issue #2 point 6).

Rules: the actor needs ``reference.edit``; only the reference models can be edited here; the model
validates the row (``full_clean``: required names, choices, unique codes), and a refusal comes back as
field errors; each write is audited in the same transaction with the changed fields before and after.
The natural key (``code``, or ``number`` for a legal act) is fixed once created, because the seed files
and ``manage.py load_reference_data`` find rows by it. Deactivate a row instead of deleting it.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.models.reference import (
    BorderDirectorate,
    Country,
    CrossingPoint,
    District,
    LegalAct,
    Municipality,
    Offence,
    PoliceRegion,
)
from kssp.core.policy import Actor

EDIT_PERMISSION = "reference.edit"
REFERENCE_MODELS: tuple[type[models.Model], ...] = (
    District,
    PoliceRegion,
    BorderDirectorate,
    Municipality,
    CrossingPoint,
    Country,
    LegalAct,
    Offence,
)
_NOT_EDITABLE = frozenset({"id", "updated_at"})
_KEYS = frozenset({"code", "number"})

M = TypeVar("M", bound=models.Model)


def _require_edit(actor: Actor) -> None:
    if not actor.has_perm(EDIT_PERMISSION):
        raise PermissionDenied(_("You may not edit reference data."))


def _require_reference_model(model: type[models.Model]) -> None:
    if model not in REFERENCE_MODELS:
        raise TypeError(f"{model.__name__} is not reference data")


def _editable(model: type[models.Model]) -> set[str]:
    """Field names an edit may set (a foreign key by its name or its ``_id``)."""
    return {
        name for field in model._meta.concrete_fields if field.name not in _NOT_EDITABLE for name in (field.name, field.attname)
    }


def _check_names(model: type[models.Model], given: dict[str, Any], *, refused: frozenset[str], message: str) -> None:
    editable = _editable(model)
    bad = sorted(name for name in given if name not in editable or name in refused)
    if bad:
        raise ApplicationError(message, fields={name: [_("This field cannot be set here.")] for name in bad})


def _snapshot(obj: models.Model) -> dict[str, Any]:
    return {field.attname: field.value_from_object(obj) for field in obj._meta.concrete_fields if field.name not in _NOT_EDITABLE}


def _validate(obj: models.Model, message: str) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ApplicationError(
            message, fields={name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        ) from exc


@transaction.atomic
def reference_create(*, actor: Actor, model: type[M], **fields: Any) -> M:
    """Add a reference row (a district, municipality, crossing point, country, legal act, offence…)."""
    _require_edit(actor)
    _require_reference_model(model)
    message = _("The reference data was not added.")
    _check_names(model, fields, refused=frozenset(), message=message)
    obj = model(**fields)
    _validate(obj, message)
    obj.save()
    audit_record(actor=actor, event="reference.created", target=obj, after=_snapshot(obj))
    return obj


@transaction.atomic
def reference_update(*, actor: Actor, obj: M, **changes: Any) -> M:
    """Change fields of a reference row; returns the row as stored. Changing nothing writes nothing."""
    _require_edit(actor)
    _require_reference_model(type(obj))
    message = _("The reference data was not changed.")
    _check_names(type(obj), changes, refused=_KEYS, message=message)
    current = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    before = _snapshot(current)
    for name, value in changes.items():
        setattr(current, name, value)
    _validate(current, message)
    after = _snapshot(current)
    changed = sorted(name for name in after if after[name] != before[name])
    if not changed:
        return current
    current.save()
    audit_record(
        actor=actor,
        event="reference.updated",
        target=current,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    return current
