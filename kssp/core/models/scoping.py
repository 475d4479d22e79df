"""Scoped by default (issue #6 point 2): a protected model's ``objects`` refuses to answer until the
query says for whom it is read.

``Bulletin.objects.filter(...)`` builds a query as usual, but evaluating it (iterating, ``get``,
``count``, ``exists``, ``update``, ``delete``, or using it as a subquery) raises ``UnscopedQuery`` unless
the chain contains one of:

* ``.visible_to(actor)``: the record type's policy filter (scope, clearance, grants and the type's own
  narrowing filter), the way every page, list, count, search and export reads;
* ``.unscoped(reason="...")``: the kernel's own bookkeeping (sweeper, retention, services re-reading a
  row they hold, exports already filtered). A test over the source allows it only in ``selectors.py``,
  ``services.py``, ``tasks.py``, ``jobs.py`` and ``kssp/core/retention/``.

Creating rows (``create``, ``bulk_create``) needs neither. The base manager stays Django's plain one, so
foreign keys, the deletion collector and migrations work as usual; related managers of a declared
dependent record (``exhibit.custody_events``) are scoped through the parent the caller already holds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models

if TYPE_CHECKING:
    from kssp.core.actor import Actor

_M = TypeVar("_M", bound=models.Model)


class UnscopedQuery(RuntimeError):
    """A protected model was read without ``.visible_to(actor)`` or ``.unscoped(reason=...)``."""


_integrity_checks: ContextVar[str | None] = ContextVar("kssp_integrity_checks", default=None)


@contextlib.contextmanager
def integrity_checks(reason: str) -> Iterator[None]:
    """Django's own uniqueness and constraint validation reads every row through the default manager;
    only ``ProtectedRecord.validate_unique``/``validate_constraints`` open this block (no caller sees
    the rows: a clash is a field error, worded so that it names no hidden record)."""
    token = _integrity_checks.set(reason)
    try:
        yield
    finally:
        _integrity_checks.reset(token)


# Who writes the consultation event when a logged list is read (kssp.core.records.access sets it: the
# models layer does not import the records layer).
_reading_logger: Callable[[Any, type[models.Model], list[Any], str], None] | None = None


def set_reading_logger(logger: Callable[[Any, type[models.Model], list[Any], str], None]) -> None:
    global _reading_logger
    _reading_logger = logger


class ProtectedQuerySet(models.QuerySet[_M]):
    _kssp_scope: str | None = None
    _kssp_reading: tuple[Any, str] | None = None  # (actor, purpose): log the rows when they are read

    # --- saying for whom ------------------------------------------------------------------------
    def visible_to(self, actor: Actor) -> ProtectedQuerySet[_M]:
        """Only the rows ``actor`` may see now, through the record type's declaration."""
        from kssp.core.records.registry import declaration_for

        declaration = declaration_for(self.model)
        if declaration is None:
            raise UnscopedQuery(f"{self.model._meta.label} has no record-type declaration")
        # One page asks for the same type's filter many times (list, counts, panels): built once per actor.
        clone = self.filter(actor.remembered(("visible_q", declaration.label), lambda: declaration.visible_q(actor)))
        clone._kssp_scope = "actor"
        return clone

    def logged_for(self, actor: Actor, purpose: str) -> ProtectedQuerySet[_M]:
        """Rows read from this query set are a consultation: when it is evaluated (a page of a list, an
        API page, an export), one audit event names the records returned that hold personal data, with
        the purpose. Counting them is not a reading. Only whole records are logged: a ``values()``
        query of a personal-data type is for kernel bookkeeping, not for display."""
        clone = self._chain()  # type: ignore[attr-defined]
        clone._kssp_reading = (actor, purpose)
        return clone

    def unscoped(self, *, reason: str) -> ProtectedQuerySet[_M]:
        """Every row, for kernel bookkeeping that says why (the reason is for the reader of the code)."""
        if not str(reason or "").strip():
            raise ValueError("unscoped() needs a reason")
        clone = self._chain()  # type: ignore[attr-defined]
        clone._kssp_scope = f"unscoped: {reason}"
        return clone

    @property
    def is_scoped(self) -> bool:
        return self._kssp_scope is not None

    # --- carrying the mark along a chain ----------------------------------------------------------
    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._kssp_scope = self._kssp_scope
        clone._kssp_reading = self._kssp_reading
        return clone

    def none(self) -> Any:
        clone = super().none()
        clone._kssp_scope = "none"
        return clone

    def _require_scope(self) -> None:
        if self._kssp_scope is None and _integrity_checks.get() is None:
            raise UnscopedQuery(
                f"{self.model._meta.label} read without .visible_to(actor) or .unscoped(reason=...)"
            )

    # --- every way a query set reaches the database ----------------------------------------------
    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        if fresh:
            self._require_scope()
        super()._fetch_all()  # type: ignore[misc]
        if fresh and self._kssp_reading is not None and self._result_cache and _reading_logger is not None:
            rows = [row for row in self._result_cache if isinstance(row, models.Model)]
            if rows:
                actor, purpose = self._kssp_reading
                _reading_logger(actor, self.model, rows, purpose)

    def iterator(self, chunk_size: int | None = None) -> Any:
        self._require_scope()
        return super().iterator(chunk_size=chunk_size)

    def count(self) -> int:
        if self._result_cache is None:
            self._require_scope()
        return super().count()

    def exists(self) -> bool:
        if self._result_cache is None:
            self._require_scope()
        return super().exists()

    def contains(self, obj: Any) -> bool:
        self._require_scope()
        return super().contains(obj)

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def update(self, **kwargs: Any) -> int:
        self._require_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._require_scope()
        return super().delete()

    def explain(self, *, format: Any = None, **options: Any) -> str:  # noqa: A002 (Django's signature)
        self._require_scope()
        return super().explain(format=format, **options)

    def resolve_expression(self, *args: Any, **kwargs: Any) -> Any:
        # Used as a subquery (``pk__in=Bulletin.objects.values("pk")``): the same rule.
        self._require_scope()
        return super().resolve_expression(*args, **kwargs)  # type: ignore[misc]


class ProtectedManager(models.Manager[_M]):
    """The default manager of protected and dependent records."""

    _queryset_class = ProtectedQuerySet

    def get_queryset(self) -> ProtectedQuerySet[_M]:
        qs: ProtectedQuerySet[_M] = ProtectedQuerySet(model=self.model, using=self._db, hints=self._hints)  # type: ignore[attr-defined]
        # A related manager (``parent.children``) of a declared dependent record is reached through
        # a parent the caller already holds: scoped through it.
        field = getattr(self, "field", None)
        if getattr(self, "instance", None) is not None and field is not None:
            from kssp.core.records.registry import declaration_for

            declaration = declaration_for(self.model)
            if declaration is not None and declaration.parent == field.name:
                qs._kssp_scope = "parent"
        return qs

    def visible_to(self, actor: Actor) -> ProtectedQuerySet[_M]:
        return self.get_queryset().visible_to(actor)

    def unscoped(self, *, reason: str) -> ProtectedQuerySet[_M]:
        return self.get_queryset().unscoped(reason=reason)


def every_row(model: type[models.Model], *, reason: str) -> models.QuerySet[Any]:
    """Every row of any model, protected or not: ``.unscoped(reason=...)`` where the manager is scoped.
    For kernel code that resolves a generic (content type, id) reference the caller has already been
    allowed to follow (a visible task, grant or notice) or that must see every row (retention)."""
    manager = model._default_manager
    if isinstance(manager, ProtectedManager):
        return manager.unscoped(reason=reason)
    return manager.all()
