"""Forms of the bulletin pages. They parse input only; the services validate the business rules
(clearance, sharing rules) and their field errors are shown on these forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kssp.accounts.forms import BootstrapMixin
from kssp.accounts.models import Institution, Membership, Unit
from kssp.bulletins.choices import BulletinKind, BulletinStatus
from kssp.core.markings import Classification, HandlingCode
from kssp.core.models.grants import Grant


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class BulletinForm(BootstrapMixin, forms.Form):
    """Create and edit. The classification select offers only levels up to the actor's clearance,
    but the field accepts every level so that the service (which must refuse anyway) gives the answer."""

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=BulletinKind.choices, initial=BulletinKind.NOTICE)
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.RESTRICTED,
        help_text=_("Law 03/L-178. You can mark a record only up to your own security clearance."),
    )
    handling_code = forms.ChoiceField(
        label=_("Handling code"), required=False, choices=[("", _("None")), *HandlingCode.choices],
        help_text=_("A restriction on further use, in addition to the classification."),
    )
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())
    contains_personal_data = forms.BooleanField(
        label=_("Holds personal data"), required=False,
        help_text=_("Every reading of a bulletin holding personal data is logged with its purpose."),
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args: Any, clearance: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["classification"]
        # Display only what the actor may choose; validation stays with the service.
        field.widget.choices = [(value, label) for value, label in Classification.choices if value <= clearance]


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=BulletinStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class TransitionReasonForm(BootstrapMixin, TransitionForm):
    """The withdraw form as displayed (the status comes from a hidden field)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].widget = forms.HiddenInput()


def _institution_choices() -> list[tuple[str, str]]:
    institutions = Institution.objects.filter(active=True, uses_platform=True).order_by("code")
    return [("", "—"), *((str(i.public_id), f"{i.name} ({i.code})") for i in institutions)]


def _unit_choices() -> list[tuple[str, Any]]:
    units = Unit.objects.filter(active=True, institution__active=True, institution__uses_platform=True).select_related(
        "institution"
    ).order_by("institution__code", "path")
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in units:
        groups.setdefault(f"{unit.institution.name} ({unit.institution.code})", []).append((str(unit.public_id), unit.name))
    return [("", "—"), *groups.items()]


def _member_choices() -> list[tuple[str, Any]]:
    memberships = (
        Membership.objects.valid()
        .filter(user__is_active=True, unit__institution__uses_platform=True)
        .select_related("user", "unit__institution", "role")
        .order_by("unit__institution__code", "user__last_name", "user__first_name")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for m in memberships:
        label = f"{m.user} ({m.user.username}) – {m.role.name}, {m.unit.name}"
        groups.setdefault(f"{m.unit.institution.name} ({m.unit.institution.code})", []).append((str(m.public_id), label))
    return [("", "—"), *groups.items()]


class ShareForm(BootstrapMixin, forms.Form):
    """Share by grant with an institution, a unit (and its sub-units) or a named user. Choices are
    addressed by public_id; a named user is chosen through the membership that says for which
    institution the user will read the record."""

    grantee_type = forms.ChoiceField(
        label=_("Share with"), choices=Grant.GranteeType.choices, initial=Grant.GranteeType.INSTITUTION,
        widget=forms.RadioSelect,
    )
    institution = forms.ChoiceField(label=_("Institution"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False, help_text=_("Its sub-units see the record too."))
    member = forms.ChoiceField(label=_("Named user"), required=False)
    reason = forms.CharField(label=_("Reason for sharing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    expires_at = forms.DateTimeField(label=_("Access ends"), required=False, widget=DateTimeInput(),
                                     help_text=_("Leave empty for no end date."))
    may_reshare = forms.BooleanField(label=_("The grantee may share it further"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind of grant"), choices=Grant.Kind.choices, initial=Grant.Kind.SHARE,
        help_text=_("Records go to or from the Intelligence Agency only by dissemination, with a legal basis."),
    )
    legal_basis = forms.CharField(label=_("Legal basis"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, choices in (("institution", _institution_choices), ("unit", _unit_choices), ("member", _member_choices)):
            cast(forms.ChoiceField, self.fields[name]).choices = choices()

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``grant_create`` for what was chosen."""
        data = self.cleaned_data
        grantee_type = data["grantee_type"]
        institution = unit = user = None
        if grantee_type == Grant.GranteeType.INSTITUTION and data.get("institution"):
            institution = Institution.objects.filter(public_id=data["institution"]).first()
        elif grantee_type == Grant.GranteeType.UNIT and data.get("unit"):
            unit = Unit.objects.select_related("institution").filter(public_id=data["unit"]).first()
        elif grantee_type == Grant.GranteeType.USER and data.get("member"):
            membership = Membership.objects.valid().select_related("user", "unit__institution").filter(
                public_id=data["member"]
            ).first()
            if membership is not None:
                user, institution = membership.user, membership.unit.institution
        return {
            "grantee_type": grantee_type, "institution": institution, "unit": unit, "user": user,
            "reason": data["reason"], "expires_at": data.get("expires_at"), "may_reshare": data.get("may_reshare", False),
            "kind": data["kind"], "legal_basis": data.get("legal_basis", ""),
        }


class RevokeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for revoking"), max_length=2000)


class HitCheckForm(BootstrapMixin, forms.Form):
    """Ask whether other institutions hold a matching bulletin (existence only)."""

    term = forms.CharField(
        label=_("Search term"), min_length=3, max_length=200,
        help_text=_("A number, a name or words of the title or text. At least 3 characters."),
    )
    purpose = forms.CharField(label=_("Purpose of the check"), max_length=300,
                              help_text=_("Recorded in the audit trail and shown to the owner."))
