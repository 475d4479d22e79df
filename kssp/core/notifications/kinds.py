"""The registry of notification kinds: a stable code, a label, the message template, and defaults.

A kind's ``message`` is a translated %-format string filled from the notification's ``context`` at
display time, in the reader's language. The context never carries a record's title or content (the
record is shown, linked and named only if the reader may see it *now*, see ``selectors``); it holds
names of people, units and institutions, counts and purposes. A value may be a trilingual mapping
``{"sq": …, "sr": …, "en": …}`` (see ``names``), rendered in the reader's language.

Modules register their own kinds in their ``AppConfig.ready()``::

    from kssp.core.notifications.kinds import register_kind
    register_kind("case.deadline", _("Statutory deadline"), _("A deadline of %(what)s ends on %(when)s."))
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kssp.core.translit import latin_to_cyrillic


@dataclass(frozen=True)
class NotificationKind:
    code: str
    label: str | Promise
    message: str | Promise
    #: Whether a user who never chose gets it by e-mail as well.
    default_email: bool = False
    #: URL name shown when the notification has no target the reader may open (no arguments).
    fallback_url: str = "notifications:inbox"
    #: "info", "warning" or "danger": the badge colour class (text is always there too).
    severity: str = "info"


_kinds: dict[str, NotificationKind] = {}


def register_kind(
    code: str,
    label: str | Promise,
    message: str | Promise,
    *,
    default_email: bool = False,
    fallback_url: str = "notifications:inbox",
    severity: str = "info",
) -> NotificationKind:
    if code in _kinds and _kinds[code].label != label:
        raise ValueError(f"notification kind {code!r} registered twice")
    if severity not in {"info", "warning", "danger"}:
        raise ValueError(severity)
    kind = NotificationKind(code, label, message, default_email, fallback_url, severity)
    _kinds[code] = kind
    return kind


def kind_for(code: str) -> NotificationKind:
    try:
        return _kinds[code]
    except KeyError:
        raise LookupError(f"unregistered notification kind {code!r}") from None


def registered_kinds() -> dict[str, NotificationKind]:
    return dict(sorted(_kinds.items()))


def kind_choices() -> list[tuple[str, str]]:
    return [(code, str(kind.label)) for code, kind in registered_kinds().items()]


# --- context values --------------------------------------------------------------------------------


def names(obj: Any) -> dict[str, str] | str:
    """A trilingual name of ``obj`` (an institution, a unit) for a notification's context."""
    if obj is None:
        return ""
    if all(hasattr(obj, f"name_{lang}") for lang in ("sq", "sr", "en")):
        return {"sq": obj.name_sq, "sr": obj.name_sr, "en": obj.name_en}
    return str(obj)


def record_type(model: Any) -> dict[str, str]:
    """A record type for a notification's context, named in the reader's language when shown."""
    return {"model": f"{model._meta.app_label}.{model._meta.model_name}"}


def moment(value: dt.datetime | dt.date | None) -> dict[str, str] | str:
    """A date or an aware date-time for a notification's context, shown in local time."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    return {"date": value.isoformat()}


def localize(value: Any, language: str | None = None) -> str:
    """A context value in ``language`` (the active one by default)."""
    if isinstance(value, dict):
        if {"sq", "sr", "en"} <= set(value):
            lang = (language or get_language() or "sq").lower()
            if lang.startswith("sr"):
                return latin_to_cyrillic(str(value["sr"])) if lang.endswith("cyrl") else str(value["sr"])
            if lang.startswith("en"):
                return str(value["en"])
            return str(value["sq"])
        if "model" in value:
            try:
                return str(apps.get_model(str(value["model"]))._meta.verbose_name)
            except (LookupError, ValueError):
                return "—"
        if "datetime" in value:
            try:
                return timezone.localtime(dt.datetime.fromisoformat(str(value["datetime"]))).strftime("%d.%m.%Y %H:%M")
            except (TypeError, ValueError):
                return "—"
        if "date" in value:
            try:
                return dt.date.fromisoformat(str(value["date"])).strftime("%d.%m.%Y")
            except (TypeError, ValueError):
                return "—"
    if value is None:
        return ""
    return str(value)


class _Filled(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "—"


def render_message(kind: NotificationKind, context: dict[str, Any], language: str | None = None) -> str:
    """The kind's message filled from ``context``; a missing value shows as a dash, never an error."""
    filled = _Filled({key: localize(value, language) for key, value in (context or {}).items()})
    try:
        return str(kind.message) % filled
    except (TypeError, ValueError):
        return str(kind.label)


# --- the kernel's kinds ----------------------------------------------------------------------------

HIT_NOTICE = register_kind(
    "hit_notice", _("Hit notice"),
    _("%(searcher)s (%(searcher_unit)s, %(searcher_institution)s) checked for records your unit holds "
      "(matches: %(count)s). Purpose: %(purpose)s"),
    fallback_url="home", severity="warning",
)
HIT_CHECK_LIMIT = register_kind(
    "hit_check_limit", _("Repeated checks"),
    _("%(searcher)s (%(searcher_unit)s, %(searcher_institution)s) checked the same record your unit holds "
      "%(limit)s times within an hour; further checks are refused for now. Purpose: %(purpose)s"),
    fallback_url="home", severity="danger",
)
DEADLINE = register_kind(
    "deadline", _("Deadline"), _("A deadline ends on %(when)s: %(what)s"), default_email=True, severity="warning",
)
APPROVAL_REQUESTED = register_kind(
    "approval_requested", _("Approval requested"), _("%(requester)s asks for your approval: %(what)s"),
    default_email=True,
)
GRANT_RECEIVED = register_kind(
    "grant_received", _("Record shared with you"),
    _("%(granter_institution)s shared a %(record_type)s with %(grantee)s."),
)
GRANT_REVOKED = register_kind(
    "grant_revoked", _("Access revoked"),
    _("Access of %(grantee)s to a %(record_type)s shared by %(granter_institution)s was revoked."),
)
TASK_ASSIGNED = register_kind(
    "task_assigned", _("Task assigned"), _("%(assigner)s assigned a task to %(assignee)s. Due: %(due)s"),
    fallback_url="worklist:my_tasks",
)
TASK_OVERDUE = register_kind(
    "task_overdue", _("Task overdue"), _("A task assigned to %(assignee)s is overdue since %(due)s."),
    default_email=True, fallback_url="worklist:my_tasks", severity="danger",
)
BREAK_GLASS_ALERT = register_kind(
    "break_glass_alert", _("Break-glass access"),
    _("%(who)s (%(institution)s) used break-glass access. Reason: %(reason)s. Until: %(until)s"),
    default_email=True, severity="danger",
)
