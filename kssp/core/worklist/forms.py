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


def _granted(record: Any) -> tuple[set[int], set[int], set[tuple[int, int]]]:
    """Who an active grant on ``record`` names: institutions, units, (user, institution) pairs."""
    from kssp.core.models.grants import Grant

    institutions: set[int] = set()
    units: set[int] = set()
    users: set[tuple[int, int]] = set()
    if getattr(record, "pk", None) is None:
        return institutions, units, users
    for grant in Grant.objects.active().for_object(record).only(
        "grantee_type", "grantee_institution_id", "grantee_unit_id", "grantee_user_id"
    ):
        if grant.grantee_type == Grant.GranteeType.INSTITUTION and grant.grantee_institution_id:
            institutions.add(grant.grantee_institution_id)
        elif grant.grantee_type == Grant.GranteeType.UNIT and grant.grantee_unit_id:
            units.add(grant.grantee_unit_id)
        elif grant.grantee_type == Grant.GranteeType.USER and grant.grantee_user_id:
            users.add((grant.grantee_user_id, grant.grantee_institution_id))
    return institutions, units, users


def _reach_q(actor: Actor, record: Any, *, unit_prefix: str, user_field: str | None) -> Q:
    """The units (``unit_prefix=""``) or memberships (``"unit__"``) a task on ``record`` may go to: the
    actor's whole institution, the record's owning unit, and whoever an active grant on the record
    names (an institution, a unit and the units below it, a named user in their institution)."""
    unit_model = apps.get_model("accounts", "Unit")
    where = Q(**{f"{unit_prefix}institution_id": actor.institution_id})
    owner_unit_id = getattr(record, "owner_unit_id", None)
    if owner_unit_id:
        where |= Q(**{f"{unit_prefix}pk": owner_unit_id})
    institutions, units, users = _granted(record)
    if institutions:
        where |= Q(**{f"{unit_prefix}institution_id__in": institutions})
    for path in unit_model.objects.filter(pk__in=units).values_list("path", flat=True):
        where |= Q(**{f"{unit_prefix}path__startswith": path})
    if user_field is not None:
        for user_id, institution_id in users:
            where |= Q(**{user_field: user_id, f"{unit_prefix}institution_id": institution_id})
    return where


def candidate_memberships(actor: Actor, record: Any) -> list[Any]:
    """People a task on ``record`` may be offered to: today's members of any unit of the actor's
    institution, of the record's owning unit, and of the institutions, units and users an active grant
    on the record names; the actor's own unit first. The service still checks that each may see the
    record (need-to-know) and refuses the others with a field error."""
    membership = apps.get_model("accounts", "Membership")
    where = _reach_q(actor, record, unit_prefix="unit__", user_field="user_id")
    found = list(
        membership.objects.valid().filter(where, user__is_active=True)
        .select_related("user", "role", "unit__institution")
        .order_by("user__last_name", "user__first_name", "user__username", "pk")[:CANDIDATE_LIMIT]
    )
    own_path = actor.unit_path or "~"
    return sorted(found, key=lambda m: (m.unit.institution_id != actor.institution_id, not m.unit.path.startswith(own_path)))


def candidate_units(actor: Actor, record: Any) -> list[Any]:
    """Units a task may be given to as a whole: the actor's institution's, the owner's, granted ones."""
    unit = apps.get_model("accounts", "Unit")
    where = _reach_q(actor, record, unit_prefix="", user_field=None)
    return list(
        unit.objects.filter(where, active=True).select_related("institution")
        .order_by("institution__code", "path")[:CANDIDATE_LIMIT]
    )


def _membership_label(m: Any) -> str:
    return f"{m.user.get_full_name() or m.user.username} — {m.role.name}, {m.unit.name} ({m.unit.institution.code})"


class AssignmentFields(forms.Form):
    """The "to whom" part: a person (as one of their memberships) or a unit."""

    assignee = forms.ChoiceField(label=_("Person"), required=False)
    unit = forms.ChoiceField(label=_("Or a unit as a whole"), required=False)

    def __init__(self, *args: Any, actor: Actor, record: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memberships = {str(m.public_id): m for m in candidate_memberships(actor, record)}
        self._units = {str(u.public_id): u for u in candidate_units(actor, record)}
        self.fields["assignee"].choices = [("", "—"), *((k, _membership_label(m)) for k, m in self._memberships.items())]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", "—"), *((k, f"{u.name} ({u.institution.code})") for k, u in self._units.items())]  # type: ignore[attr-defined]
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
