"""The kernel's half of every write on a protected record (issue #6 point 3).

A module writes only its own field rules and its allowed transitions; the kernel does the rest, once,
the same way for every record type:

* existence before permission: an actor who may not see the record gets ``NotFound`` (the same answer as
  a missing id), one who sees it but may not act gets ``PermissionDenied``;
* the markings (classification within the actor's clearance, a known handling code) are checked by
  ``kssp.core.markings.check_markings``;
* the owner is the actor's unit and institution, never a value from the client; the number comes from
  the declaration's number field and the module's prefix;
* ``append_only`` types refuse edits and changes of status (a correction is a new record);
* before and after snapshots go into the audit event, written in the same transaction as the change;
* refusals are ``ApplicationError`` with the messages per field, so forms and the API show them beside
  the field, and nothing is half-written.

Usage, in a module's ``services.py``::

    class BulletinWrites(RecordWrites[Bulletin]):
        model = Bulletin
        editable = ("title", "body", ...)
        transitions = ALLOWED_TRANSITIONS
        number_prefix = "BUL"
        not_saved = _("The bulletin was not saved.")

        def clean(self, actor, data, record):  # field rules only
            ...

    writes = BulletinWrites()
    bulletin_create = writes.create
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Generic, TypeVar

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kssp.core.audit import AuditEntry, audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import check_markings
from kssp.core.models.grants import Grant
from kssp.core.numbering import next_number, reserve_numbers
from kssp.core.policy import Actor
from kssp.core.records.declaration import RecordType
from kssp.core.records.registry import declaration_for

M = TypeVar("M", bound=models.Model)

MARKINGS = ("classification", "handling_code")


def declaration_of(model: type[models.Model]) -> RecordType:
    declaration = declaration_for(model)
    if declaration is None:
        raise LookupError(f"{model._meta.label} has no record-type declaration")
    return declaration


def require_visible(actor: Actor, obj: Any, action: str = "view", *, message: Any = None) -> RecordType:
    """404 if the actor may not see ``obj``; then 403 if the actor may not do ``action`` on it."""
    declaration = declaration_of(type(obj))
    if not declaration.can(actor, "view", obj):
        raise NotFound()
    if action != "view" and not declaration.can(actor, action, obj):
        raise PermissionDenied(message)
    return declaration


def require_permission(actor: Actor, code: str) -> None:
    if not code or not actor.is_authenticated or not actor.has_perm(code):
        raise PermissionDenied()


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """A model's ``full_clean`` refusal as messages per field (non-field errors under ``__all__``)."""
    if hasattr(exc, "error_dict"):
        return {name: [str(m) for m in ValidationError(errors).messages] for name, errors in exc.error_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


def _plain(value: Any) -> Any:
    """A value for the audit payload: a related record by its public id (never its content)."""
    if isinstance(value, models.Model):
        return str(getattr(value, "public_id", value.pk))
    return value


class RecordWrites(Generic[M]):
    """Create, update, change of status and share for one record type. Subclass per type."""

    model: ClassVar[type[models.Model]]
    editable: ClassVar[tuple[str, ...]] = ()
    transitions: ClassVar[Mapping[str, frozenset[str]]] = {}
    status_field: ClassVar[str] = "status"
    number_prefix: ClassVar[str] = ""
    not_saved: ClassVar[Any] = gettext_lazy("The record was not saved.")
    not_changed: ClassVar[Any] = gettext_lazy("The status was not changed.")
    # Changes of status that need a reason: {status: the message when it is missing}. The service refuses
    # them without one (a field error on ``reason``); the detail page offers them as a form with a reason.
    reasons: ClassVar[Mapping[str, Any]] = {}

    # --- what a module writes ------------------------------------------------------------------
    def clean(self, actor: Actor, data: dict[str, Any], record: M | None) -> dict[str, list[str]]:
        """The type's field rules for ``data`` (only the fields given; ``record`` is None on create).
        Return messages per field; the markings are checked by the kernel."""
        return {}

    def prepare(self, record: M, data: dict[str, Any]) -> None:
        """Derived fields to set before a save (search keys, normalised forms)."""

    def check_transition(self, actor: Actor, record: M, to: str, reason: str) -> dict[str, list[str]]:
        """Rules of a change of status beyond the allowed transitions (e.g. a reason is required)."""
        return {}

    def on_transition(self, record: M, to: str) -> list[str]:
        """Fields to set along with the status (e.g. ``issued_at``); returns their names."""
        return []

    def refuse_update(self, record: M) -> Any:
        """A message if this record may no longer be edited (e.g. withdrawn), else None."""
        return None

    def snapshot(self, record: M) -> dict[str, Any]:
        declaration = declaration_of(self.model)
        names = [*self.editable]
        for extra in (self.status_field if self.transitions else None, declaration.number_field):
            if extra and extra not in names:
                names.append(extra)
        return {name: _plain(getattr(record, name)) for name in names}

    # --- the kernel's part ---------------------------------------------------------------------
    @property
    def declaration(self) -> RecordType:
        return declaration_of(self.model)

    def _event(self, suffix: str) -> str:
        return f"{self.declaration.event_prefix}.{suffix}"

    def _refuse_unknown(self, data: dict[str, Any]) -> None:
        unknown = sorted(set(data) - set(self.editable))
        if unknown:
            raise ApplicationError(self.not_saved, fields={k: [_("This field cannot be changed.")] for k in unknown})

    def check_new(self, *, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        """The values ``create`` would store for ``data``, or ``ApplicationError`` with the messages per
        field: the same rules (fields that cannot be set, the type's ``clean``, the markings), nothing
        written. An import checks each row with it when the file is validated (``kssp.core.imports``)."""
        self._refuse_unknown(data)
        return self._checked(actor, data, None)

    def _checked(self, actor: Actor, data: dict[str, Any], record: M | None) -> dict[str, Any]:
        errors = self.clean(actor, data, record)
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items() if k not in MARKINGS}
        values.update(check_markings(actor, {k: data[k] for k in MARKINGS if k in data}, errors))
        if errors:
            raise ApplicationError(self.not_saved, fields=errors)
        return values

    def _save(self, record: M) -> None:
        try:
            record.full_clean()
        except ValidationError as exc:
            raise ApplicationError(self.not_saved, fields=field_errors(exc)) from None
        record.save()

    @transaction.atomic
    def create(self, *, actor: Actor, **data: Any) -> M:
        """A new record owned by the actor's unit and institution. Its ``public_id`` is always the
        server's: a ``public_id`` in ``data`` is refused like any field that cannot be set (offline
        capture keys a device's UUID by sender in its own table, see kssp.core.offline)."""
        declaration = self.declaration
        self._require_create(actor, data)
        record = self._new(actor, data)
        if declaration.number_field and self.number_prefix:
            number = next_number(prefix=self.number_prefix, institution_code=self._institution_code(actor))
            setattr(record, declaration.number_field, number)
        self._save(record)
        audit_record(actor=actor, event=self._event("created"), target=record, after=self.snapshot(record))
        self._automatic_grants(actor, record)
        return record

    def create_many(
        self, *, actor: Actor, rows: Iterable[dict[str, Any]], import_pending: int | None = None
    ) -> tuple[list[M], list[AuditEntry]]:
        """Many new records at once (an import's chunk), with the same checks as ``create`` row by row
        (permission, field rules, markings, owner, ``full_clean`` but for uniqueness, which the fresh
        public ids, the block of reserved numbers and the database constraints already guarantee), then
        one block of numbers, one ``bulk_create`` and the automatic grants.

        The audit events are returned, not written: the caller appends them with ``audit_record_many``
        in the transaction that makes the records visible (an import's final switch). ``import_pending``
        marks the records as still being written by that import (hidden by the policy until then).
        A refusal raises ``ApplicationError`` while ``rows`` is being iterated, so the caller knows the row."""
        declaration = self.declaration
        # What the kernel itself sets (the actor's own unit, institution and user, the reserved number) is
        # not looked up again for every row; every field from the row is cleaned as ``create`` cleans it.
        kernel_set = [name for name in ("owner_institution", "owner_unit", "created_by", declaration.number_field) if name]
        records: list[M] = []
        for data in rows:
            self._require_create(actor, data)
            record = self._new(actor, data)
            if import_pending is not None:
                record.import_pending = import_pending  # type: ignore[attr-defined]
            try:
                record.full_clean(exclude=kernel_set, validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                raise ApplicationError(self.not_saved, fields=field_errors(exc)) from None
            records.append(record)
        if not records:
            return [], []
        if declaration.number_field and self.number_prefix:
            numbers = reserve_numbers(prefix=self.number_prefix, institution_code=self._institution_code(actor), count=len(records))
            for record, number in zip(records, numbers, strict=True):
                setattr(record, declaration.number_field, number)
        self.model._default_manager.bulk_create(records)  # type: ignore[attr-defined]
        entries = [AuditEntry(event=self._event("created"), target=record, after=self.snapshot(record)) for record in records]
        for record in records:
            entries.extend(self._automatic_grants(actor, record, audit=False))
        return records, entries

    def _require_create(self, actor: Actor, data: dict[str, Any]) -> None:
        declaration = self.declaration
        if declaration.parent is not None:
            # A dependent record is added to a parent the actor may see (else 404) and change (else 403).
            parent = data.get(declaration.parent)
            if parent is None:
                raise ApplicationError(self.not_saved, fields={declaration.parent: [_("This field is required.")]})
            require_visible(actor, parent, "change")
            if declaration.create_perm:
                require_permission(actor, declaration.create_perm)
        else:
            require_permission(actor, declaration.create_perm)
        self._refuse_unknown(data)

    def _new(self, actor: Actor, data: dict[str, Any]) -> M:
        """The unsaved record: checked values, the actor's unit and institution as owner, the creator."""
        values = self._checked(actor, data, None)
        ids = actor.ids
        record: M = self.model(**values)  # type: ignore[assignment]
        columns = {f.attname for f in record._meta.concrete_fields}
        if "owner_institution_id" in columns:  # the owner is the actor's unit, never a value from the client
            record.owner_institution_id, record.owner_unit_id = ids.institution_id, ids.unit_id  # type: ignore[attr-defined]
        if "created_by_id" in columns:
            record.created_by = actor.user  # type: ignore[attr-defined]
        self.prepare(record, values)
        return record

    def _institution_code(self, actor: Actor) -> str:
        return str(apps.get_model("accounts", "Institution").objects.values_list("code", flat=True).get(pk=actor.ids.institution_id))

    def _automatic_grants(self, actor: Actor, record: M, *, audit: bool = True) -> list[AuditEntry]:
        """The declaration's automatic grants of a new record; their events written (or, with
        ``audit=False``, returned for the caller to append)."""
        declaration = self.declaration
        entries: list[AuditEntry] = []
        for auto in declaration.automatic_grants(record):
            grant = Grant.objects.create(
                content_type=ContentType.objects.get_for_model(self.model),
                object_id=record.pk,
                kind=Grant.Kind.SHARE,
                grantee_type=Grant.GranteeType.UNIT if auto.unit_id else Grant.GranteeType.INSTITUTION,
                grantee_institution_id=auto.institution_id,
                grantee_unit_id=auto.unit_id,
                reason=str(auto.reason),
                legal_basis=auto.legal_basis,
                granted_by=actor.user,
                granted_by_institution_id=actor.institution_id,
            )
            entry = AuditEntry(
                event="grant.created", target=record, reason=str(auto.reason),
                after={"grant": str(grant.public_id), "automatic": True, "grantee_institution_id": auto.institution_id,
                       "grantee_unit_id": auto.unit_id},
            )
            if audit:
                audit_record(actor=actor, event=entry.event, target=record, reason=entry.reason, after=entry.after)
            else:
                entries.append(entry)
        return entries

    def _require_changeable(self, actor: Actor, record: M) -> None:
        """404 if not visible; an append-only type says so (a fact of the type, not of the record); then 403."""
        declaration = require_visible(actor, record)
        if declaration.append_only:
            raise ApplicationError(
                _("This record cannot be changed; record a correction as a new entry."), code="append_only"
            )
        if not declaration.can(actor, "change", record):
            raise PermissionDenied()

    @transaction.atomic
    def update(self, *, actor: Actor, record: M, **changes: Any) -> M:
        self._require_changeable(actor, record)
        refusal = self.refuse_update(record)
        if refusal is not None:
            raise ApplicationError(refusal, code="not_editable")
        self._refuse_unknown(changes)
        values = self._checked(actor, changes, record)
        before = self.snapshot(record)
        for key, value in values.items():
            setattr(record, key, value)
        self.prepare(record, values)
        self._save(record)
        audit_record(actor=actor, event=self._event("updated"), target=record, before=before, after=self.snapshot(record))
        return record

    @transaction.atomic
    def transition(self, *, actor: Actor, record: M, to: str, reason: str = "") -> M:
        self._require_changeable(actor, record)
        current = getattr(record, self.status_field)
        if to not in self.transitions.get(current, frozenset()):
            names = dict(record._meta.get_field(self.status_field).flatchoices)  # type: ignore[union-attr]
            raise ApplicationError(
                _("The record cannot go from “%(from)s” to “%(to)s”.")
                % {"from": names.get(current, current), "to": names.get(to, to)},
                fields={self.status_field: [_("This change of status is not allowed.")]},
                code="invalid_transition",
            )
        reason = (reason or "").strip()
        errors = {"reason": [str(self.reasons[to])]} if to in self.reasons and not reason else {}
        errors.update(self.check_transition(actor, record, to, reason))
        if errors:
            raise ApplicationError(self.not_changed, fields=errors)
        setattr(record, self.status_field, to)
        fields = [self.status_field, *self.on_transition(record, to)]
        if any(f.name == "updated_at" for f in record._meta.concrete_fields):
            fields.append("updated_at")
        record.save(update_fields=fields)
        audit_record(
            actor=actor, event=self._event("transitioned"), target=record,
            before={self.status_field: current}, after={self.status_field: to}, reason=reason,
        )
        return record

    def share(self, *, actor: Actor, record: M, **arguments: Any) -> Grant:
        """Share by grant (the kernel's rules in ``kssp.core.services.grants``)."""
        from kssp.core.services.grants import grant_create

        return grant_create(actor=actor, obj=record, **arguments)
