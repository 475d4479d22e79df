"""Forms of the task pages. They parse input (resolving a chosen person or unit among the offered
ones); the services decide everything else."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin, DateInput, DateTimeInput
from kssp.core.policy import Actor
from kssp.core.worklist.choices import WorkItemStatus

CANDIDATE_LIMIT = 200


def candidate_memberships(actor: Actor, record: Any) -> list[Any]:
    """People a task on ``record`` may be offered to: today's members of the actor's unit (and the
    units below it) and of the record's owning unit. The service still checks each one."""
    membership = apps.get_model("accounts", "Membership")
    where = Q(unit__path__startswith=actor.unit_path) if actor.unit_path else Q(unit_id=actor.unit_id)
    owner_unit_id = getattr(record, "owner_unit_id", None)
    if owner_unit_id:
        where |= Q(unit_id=owner_unit_id)
    return list(
        membership.objects.valid().filter(where, user__is_active=True)
        .select_related("user", "role", "unit__institution")
        .order_by("user__last_name", "user__first_name", "user__username", "pk")[:CANDIDATE_LIMIT]
    )


def candidate_units(actor: Actor, record: Any) -> list[Any]:
    unit = apps.get_model("accounts", "Unit")
    ids = {actor.unit_id, getattr(record, "owner_unit_id", None)} - {None}
    return list(unit.objects.filter(pk__in=ids, active=True).select_related("institution").order_by("path"))


def _membership_label(m: Any) -> str:
    return f"{m.user.get_full_name() or m.user.username} — {m.role.name}, {m.unit.name}"


class AssignmentFields(forms.Form):
    """The "to whom" part: a person (as one of their memberships) or a unit."""

    assignee = forms.ChoiceField(label=_("Person"), required=False)
    unit = forms.ChoiceField(label=_("Or a unit as a whole"), required=False)

    def __init__(self, *args: Any, actor: Actor, record: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memberships = {str(m.public_id): m for m in candidate_memberships(actor, record)}
        self._units = {str(u.public_id): u for u in candidate_units(actor, record)}
        self.fields["assignee"].choices = [("", "—"), *((k, _membership_label(m)) for k, m in self._memberships.items())]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", "—"), *((k, u.name) for k, u in self._units.items())]  # type: ignore[attr-defined]
        if actor.membership_id is not None and "assignee" not in self.initial:
            mine = next((k for k, m in self._memberships.items() if m.pk == actor.membership_id), "")
            self.initial["assignee"] = mine

    def clean_assignee(self) -> Any:
        value = self.cleaned_data.get("assignee") or ""
        return self._memberships.get(value) if value else None

    def clean_unit(self) -> Any:
        value = self.cleaned_data.get("unit") or ""
        return self._units.get(value) if value else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("assignee") is not None:
            data["unit"] = None  # a person's task belongs to the unit of the membership chosen
        return data


class WorkItemForm(BootstrapMixin, AssignmentFields):
    title = forms.CharField(label=_("Task"), max_length=200)
    description = forms.CharField(label=_("Details"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("Due on (day)"), required=False, widget=DateInput(),
                               help_text=_("Overdue from the next midnight."))
    due_at = forms.DateTimeField(label=_("Or due at (date and time)"), required=False, widget=DateTimeInput(),
                                 help_text=_("For deadlines counted in hours."))
    record_type = forms.CharField(widget=forms.HiddenInput(), max_length=100)
    record = forms.UUIDField(widget=forms.HiddenInput())

    field_order = ["title", "assignee", "unit", "due_date", "due_at", "description", "record_type", "record"]


class AssignForm(BootstrapMixin, AssignmentFields):
    pass


class TransitionForm(BootstrapMixin, forms.Form):
    to = forms.ChoiceField(choices=WorkItemStatus.choices, widget=forms.HiddenInput())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
