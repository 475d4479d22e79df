"""Forms of the directory's administration pages: grant a membership, end one, record a clearance.

They only parse input (ARCHITECTURE rule 4): the services in ``kssp.accounts.services`` decide (end date
before start, a role foreign to the institution's kind, a privileged role given to oneself, a blank
reason, an expiry before the start) and ``apply_service_error`` puts their messages on these fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.accounts.forms import BootstrapMixin
from kssp.accounts.models import Role, Unit, User
from kssp.core.forms import DateInput
from kssp.core.markings import Classification


def roles_for(unit: Unit) -> list[Role]:
    """The roles that exist in the unit's kind of institution (for display; the service checks)."""
    kind = unit.institution.kind
    return [role for role in Role.objects.order_by("code") if not role.institution_kinds or kind in role.institution_kinds]


class MembershipGrantForm(BootstrapMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"), max_length=150,
        help_text=_("The person's user account. Ask the user administrator to create it first if needed."),
    )
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all(), to_field_name="code")
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(
        label=_("Valid to"), required=False, widget=DateInput(), help_text=_("Leave empty for no end date.")
    )

    def __init__(self, *args: Any, unit: Unit, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"valid_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.fields["username"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})
        # Offer the roles of this kind of institution; any role is accepted so that the service answers.
        self.fields["role"].widget.choices = [
            ("", "—"),
            *((role.code, f"{role.name}{' · ' + str(_('privileged')) if role.privileged else ''}") for role in roles_for(unit)),
        ]

    def clean_username(self) -> User:
        username = self.cleaned_data["username"].strip()
        user = User.objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("There is no active user with this username."))
        return user


class MembershipEndForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded in the audit trail, e.g. transfer to another unit, retirement, end of secondment."),
    )


class ClearanceForm(BootstrapMixin, forms.Form):
    level = forms.TypedChoiceField(label=_("Level"), choices=Classification.choices, coerce=int,
                                   help_text=_("As in the vetting authority's decision (Law 03/L-178)."))
    decision_number = forms.CharField(label=_("Decision number"), max_length=100, required=False,
                                      help_text=_("The number of the vetting authority's decision."))
    decision_date = forms.DateField(label=_("Decision date"), widget=DateInput(), required=False)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput(), help_text=_("The expiry in the decision."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"valid_from": timezone.localdate()})
        super().__init__(*args, **kwargs)


class OnboardForm(BootstrapMixin, forms.Form):
    """A new person: their account and their first membership (proposed, approved by a second administrator)."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    username = forms.CharField(label=_("Username"), max_length=150,
                               help_text=_("Letters, digits and . _ - only, e.g. arta.krasniqi."))
    email = forms.EmailField(label=_("E-mail"), required=False)
    preferred_language = forms.ChoiceField(label=_("Language"), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), to_field_name="public_id")
    role = forms.ModelChoiceField(label=_("Role"), queryset=Role.objects.all(), to_field_name="code")
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to"), required=False, widget=DateInput(),
                               help_text=_("Leave empty for no end date."))

    def __init__(self, *args: Any, institution_id: int, **kwargs: Any) -> None:
        from django.conf import settings

        kwargs.setdefault("initial", {"valid_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(  # type: ignore[attr-defined]
            institution_id=institution_id, active=True).order_by("path")
        self.fields["unit"].label_from_instance = lambda unit: f"{'· ' * unit.depth}{unit.name}"  # type: ignore[attr-defined]
        languages = [("", "—"), *((code, str(label)) for code, label in settings.LANGUAGES)]
        self.fields["preferred_language"].choices = languages  # type: ignore[attr-defined]
        self.fields["username"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"})
        self.fields["role"].widget.choices = [
            ("", "—"),
            *((role.code, f"{role.name}{' · ' + str(_('privileged')) if role.privileged else ''}")
              for role in Role.objects.order_by("code")),
        ]


class DecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for rejecting"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the audit trail and shown to the proposer."),
    )


class RoleChangeForm(BootstrapMixin, forms.Form):
    """A proposed change to a role (platform administrators; a second one approves it)."""

    permissions = forms.MultipleChoiceField(label=_("Permissions"), required=False, widget=forms.CheckboxSelectMultiple)
    scope = forms.ChoiceField(label=_("Scope"))
    privileged = forms.BooleanField(label=_("Privileged"), required=False)

    def __init__(self, *args: Any, role: Role, **kwargs: Any) -> None:
        from kssp.core.permissions import registered_permissions
        from kssp.core.policy import Scope

        kwargs.setdefault("initial", {"permissions": list(role.permissions), "scope": role.scope,
                                      "privileged": role.privileged})
        super().__init__(*args, **kwargs)
        catalogue = registered_permissions()
        self.fields["permissions"].choices = [  # type: ignore[attr-defined]
            (code, f"{spec.label} ({code})") for code, spec in catalogue.items()
        ]
        self.fields["scope"].choices = Scope.choices  # type: ignore[attr-defined]
