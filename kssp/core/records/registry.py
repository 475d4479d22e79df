"""The registry of record-type declarations, and the kernel registries derived from it.

``@register`` records a declaration; ``autodiscover()`` (called once from ``CoreConfig.ready()``) imports
every installed app's ``records`` module and then wires each declaration into the policy registry,
search, exports, imports, timeline, retention and audit event types. No module calls those registries
itself for a record type: what is not declared does not exist.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.utils.module_loading import autodiscover_modules

from kssp.core.records.declaration import RecordType

_T = TypeVar("_T", bound=type[RecordType])

_declarations: dict[type[models.Model], RecordType] = {}
_wired = False


def register(cls: _T) -> _T:
    """Class decorator: register a ``RecordType`` subclass (one per model)."""
    model = getattr(cls, "model", None)
    if model is None:
        raise TypeError(f"{cls.__name__} declares no model")
    existing = _declarations.get(model)
    if existing is not None and type(existing).__qualname__ != cls.__qualname__:
        raise ValueError(f"{model._meta.label} is declared twice ({type(existing).__name__} and {cls.__name__})")
    declaration = cls()
    _declarations[model] = declaration
    if _wired:
        _wire(declaration)
    return cls


def unregister(model: type[models.Model]) -> None:
    """For tests that declare a throw-away record type."""
    _declarations.pop(model, None)
    from kssp.core.policy import unregister_policy

    unregister_policy(model)


def declarations() -> dict[str, RecordType]:
    """``{"app.model": declaration}``, sorted by label."""
    return dict(sorted((d.label, d) for d in _declarations.values()))


def declaration_for(model_or_obj: Any) -> RecordType | None:
    model: Any = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    model = getattr(model._meta, "concrete_model", None) or model
    return _declarations.get(model)


def declaration_by_label(label: str) -> RecordType | None:
    return declarations().get(str(label or "").strip().lower())


def autodiscover() -> None:
    """Import every app's ``records`` module, then derive the kernel registries (once)."""
    global _wired
    # A module's own wording of its audit events comes first; the declaration fills in the rest.
    autodiscover_modules("audit_events")
    autodiscover_modules("records")
    if _wired:
        return
    _wired = True
    from kssp.core.audit.service import set_target_namer

    set_target_namer(_audit_label)
    for declaration in list(_declarations.values()):
        _wire(declaration)


def _audit_label(obj: models.Model) -> str | None:
    """A declared record's name in the audit chain (its number or public id), None for anything else."""
    declaration = declaration_for(obj)
    return declaration.audit_label(obj) if declaration is not None else None


def _wire(declaration: RecordType) -> None:
    from kssp.core.records import wiring

    wiring.wire(declaration)
