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
                                   help_text=_("As on the certificate issued after vetting (Law 03/L-178)."))
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput())
    reference = forms.CharField(label=_("Certificate reference"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"valid_from": timezone.localdate()})
        super().__init__(*args, **kwargs)
