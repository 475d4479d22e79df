"""Retention classes and the declarations that bind every model to one (issue #3 point 8; LED Art. 5).

A **retention class** says how long a kind of data is kept and what happens then: a period counted
from a trigger ("created", "closed", "destroyed", "acquittal"…), an action (delete, anonymise, or a
review by the DPO), the legal basis, and, for the record of processing activities (``docs/ropa.md``),
the purpose, the categories of data subjects and of data, the recipients and the controller.

A **declaration** binds one model (by label, ``"bulletins.Bulletin"``) to a class, and says how the
sweeper finds what is due and how an approved action is carried out::

    from kssp.core.retention import classes
    from kssp.core.retention.registry import declare, delete_row, anonymise

    declare(
        "bulletins.Bulletin", classes.BULLETINS,
        trigger_field="created_at",            # a date/datetime field holding the trigger moment;
                                               # None: not swept (kept while in use, reviewed)
        institution_field="owner_institution", # whose DPO reviews it (a path to the institution FK)
        label_field="number",                  # what the DPO sees instead of the content
        handlers={"delete": delete_row, "anonymise": anonymise(title="[anonymised]", body="[anonymised]")},
    )

Every concrete model of a ``kssp`` app must be declared (a meta-test fails otherwise). Each app declares
its models from its ``AppConfig.ready()`` (a ``retention.py`` module of the app; the kernel's models are
declared in ``kssp/core/retention/declarations.py``). Handlers are called by the retention service,
only for an action a DPO approved, inside its transaction: ``handler(*, actor, obj, review) -> dict``
(a summary without personal data). After the handler, the service crypto-shreds the record's audit
payloads (``kssp.core.audit.service.shred_subject``); a handler that erases other records too returns
them as ``{"shred": [(label, pk), …]}``.

**Checks** are rules that flag records for review from stored state across models, such as "a person
linked only as an acquitted suspect" (``kssp/core/retention/rules.py``); they are registered with
``register_check`` and run by the sweeper.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kssp.core.models.scoping import every_row


class Action(models.TextChoices):
    DELETE = "delete", _("delete")
    ANONYMISE = "anonymise", _("anonymise")
    REVIEW = "review", _("review by the DPO")


class Trigger(models.TextChoices):
    CREATED = "created", _("creation")
    CLOSED = "closed", _("closure")
    DESTROYED = "destroyed", _("destruction")
    ACQUITTAL = "acquittal", _("final acquittal")
    ENDED = "ended", _("end of validity")
    REVOKED = "revoked", _("revocation")
    LAST_USE = "last_use", _("last use")
    NONE = "none", _("no end: kept while in use")


@dataclass(frozen=True)
class Period:
    years: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if self.years < 0 or self.days < 0:
            raise ValueError("a retention period cannot be negative")

    def after(self, day: dt.date) -> dt.date:
        """``day`` plus the period (29 February plus a year is 28 February)."""
        year = day.year + self.years
        shifted = day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))
        return shifted + dt.timedelta(days=self.days)

    def before(self, day: dt.date) -> dt.date:
        """The latest trigger date whose period has run by ``day``."""
        day = day - dt.timedelta(days=self.days)
        year = day.year - self.years
        return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))

    def __str__(self) -> str:
        parts = []
        if self.years:
            parts.append(ngettext("%(n)s year", "%(n)s years", self.years) % {"n": self.years})
        if self.days or not parts:
            parts.append(ngettext("%(n)s day", "%(n)s days", self.days) % {"n": self.days})
        return " ".join(parts)


Text = str | Promise


@dataclass(frozen=True)
class RetentionClass:
    code: str
    label: Text
    period: Period
    trigger: str
    action: str
    legal_basis: Text
    purpose: Text
    data_subjects: tuple[Text, ...] = ()
    data_categories: tuple[Text, ...] = ()
    recipients: tuple[Text, ...] = ()
    controller: Text = _("the institution that owns the record")
    personal_data: bool = True
    #: After a DPO decides to keep the data, when the sweeper asks again.
    review_interval: Period = Period(years=1)
    note: Text = ""

    @property
    def retention_text(self) -> str:
        if self.trigger == Trigger.NONE:
            return str(_("kept while in use; %(action)s") % {"action": Action(self.action).label})
        if not self.period.years and not self.period.days:
            return str(_("at %(trigger)s, %(action)s") % {"trigger": Trigger(self.trigger).label, "action": Action(self.action).label})
        return str(
            _("%(period)s after %(trigger)s, then %(action)s")
            % {"period": self.period, "trigger": Trigger(self.trigger).label, "action": Action(self.action).label}
        )


Handler = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Declaration:
    model_label: str  # "app_label.ModelName"
    retention_class: RetentionClass
    trigger_field: str | None = None
    institution_field: str | None = None
    label_field: str | None = None
    handlers: dict[str, Handler] = field(default_factory=dict)
    #: Only rows matching this are swept (e.g. rows already anonymised are left alone).
    sweep_filter: Q | None = None
    #: Declarations of third-party models skip silently when the app is not installed.
    optional: bool = False

    @property
    def key(self) -> str:
        return self.model_label.lower()

    @property
    def swept(self) -> bool:
        return self.trigger_field is not None and self.retention_class.trigger != Trigger.NONE

    def model(self) -> type[models.Model] | None:
        from django.apps import apps

        try:
            return apps.get_model(self.model_label)
        except (LookupError, ValueError):
            return None


@dataclass(frozen=True)
class Candidate:
    """A record a check flags: its model and key, when its period ran out, and the owning institution."""

    model: type[models.Model]
    pk: int
    due_on: dt.date
    institution_id: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Check:
    code: str
    label: Text
    retention_class: RetentionClass
    run: Callable[[dt.date], Iterable[Candidate] | str]  # a str: why the check cannot run here
    description: Text = ""


_classes: dict[str, RetentionClass] = {}
_declarations: dict[str, Declaration] = {}
_checks: dict[str, Check] = {}
_erasure_hooks: dict[str, Callable[[models.Model], int]] = {}


def register_class(retention_class: RetentionClass) -> RetentionClass:
    existing = _classes.get(retention_class.code)
    if existing is not None and existing != retention_class:
        raise ValueError(f"retention class {retention_class.code!r} registered twice with different terms")
    if retention_class.action not in Action.values or retention_class.trigger not in Trigger.values:
        raise ValueError(f"retention class {retention_class.code!r}: unknown action or trigger")
    _classes[retention_class.code] = retention_class
    return retention_class


def declare(
    model_label: str,
    retention_class: RetentionClass,
    *,
    trigger_field: str | None = None,
    institution_field: str | None = None,
    label_field: str | None = None,
    handlers: Mapping[Any, Handler] | None = None,
    sweep_filter: Q | None = None,
    optional: bool = False,
) -> Declaration:
    """Bind ``model_label`` to ``retention_class`` (re-declaring replaces, so a module may refine the
    kernel's declaration of its model). See the module docstring."""
    if "." not in model_label:
        raise ValueError(f"declare models as 'app_label.ModelName', not {model_label!r}")
    register_class(retention_class)
    unknown = set(handlers or {}) - {Action.DELETE, Action.ANONYMISE}
    if unknown:
        raise ValueError(f"{model_label}: handlers are for delete and anonymise, not {sorted(unknown)}")
    declaration = Declaration(
        model_label, retention_class, trigger_field, institution_field, label_field, dict(handlers or {}), sweep_filter, optional
    )
    _declarations[declaration.key] = declaration
    return declaration


def register_check(check: Check) -> Check:
    register_class(check.retention_class)
    _checks[check.code] = check
    return check


def register_erasure_hook(name: str, hook: Callable[[models.Model], int]) -> None:
    """A kernel part that points at records of any module (attachments, links, party links, work items)
    registers how to erase what it holds about one record: ``hook(record) -> how many rows``. ``delete_row``
    runs every hook before it deletes the record, in the same transaction."""
    _erasure_hooks[name] = hook


def erasure_hooks() -> dict[str, Callable[[models.Model], int]]:
    return dict(sorted(_erasure_hooks.items()))


def registered_classes() -> dict[str, RetentionClass]:
    return dict(sorted(_classes.items()))


def declarations() -> list[Declaration]:
    return [d for _key, d in sorted(_declarations.items()) if not d.optional or d.model() is not None]


def declaration_for(model: type[models.Model] | str) -> Declaration | None:
    label = model if isinstance(model, str) else model._meta.label
    return _declarations.get(label.lower())


def registered_checks() -> list[Check]:
    return [c for _code, c in sorted(_checks.items())]


# --- handlers modules may use for simple models -------------------------------------------------------


def delete_row(*, actor: Any, obj: models.Model, review: Any) -> dict[str, Any]:
    """Delete the record, with the kernel's rows that point at it by content type: its grants, hit
    notices and other institutions' numbers (sharing ends with the record; the audit trail keeps the history) and whatever the registered
    erasure hooks hold (attachments, links…). A record other records still protect is refused with a
    translated message, and nothing is deleted (the caller's savepoint rolls the hooks back too)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import ProtectedError, RestrictedError
    from django.utils.translation import gettext

    from kssp.core.exceptions import ApplicationError
    from kssp.core.models.grants import Grant
    from kssp.core.models.identifiers import RecordIdentifier
    from kssp.core.models.notices import HitNotice

    model = type(obj)
    ct = ContentType.objects.get_for_model(model)
    removed: dict[str, int] = {}
    for related in (Grant, HitNotice, RecordIdentifier):
        if related is model:
            continue
        count, _detail = related.objects.filter(content_type=ct, object_id=obj.pk).delete()
        if count:
            removed[related._meta.label_lower] = count
    for name, hook in erasure_hooks().items():
        count = hook(obj)
        if count:
            removed[name] = count
    try:
        count, _detail = every_row(model, reason="an approved retention deletion").filter(pk=obj.pk).delete()
    except (ProtectedError, RestrictedError):
        raise ApplicationError(
            gettext("The record is still referenced by other records, which must be dealt with first. Nothing was deleted.")
        ) from None
    return {"deleted": count, "related_deleted": removed}


def anonymise(**replacements: Any) -> Handler:
    """A handler that overwrites the named fields (a value, or a callable of the record) and saves."""

    def handler(*, actor: Any, obj: models.Model, review: Any) -> dict[str, Any]:
        for name, value in replacements.items():
            setattr(obj, name, value(obj) if callable(value) else value)
        obj.save(update_fields=list(replacements))
        return {"anonymised": sorted(replacements)}

    return handler
