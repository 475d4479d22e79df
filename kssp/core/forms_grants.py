"""The share and revoke forms every protected record type gets (issue #6 point 4). They parse input
only; ``kssp.core.services.grants`` decides (who may share, with whom, for how long) and its field
errors come back onto these forms."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin, DateTimeInput
from kssp.core.models.grants import Grant


def _model(name: str) -> Any:
    return apps.get_model("accounts", name)  # the kernel names accounts' models without importing them


def institution_label(institution: Any) -> str:
    """"Name (CODE)", unless the name already ends with its code ("… (KOS-CERT)")."""
    name = str(institution.name)
    return name if name.endswith(f"({institution.code})") else f"{name} ({institution.code})"


def _institution_choices() -> list[tuple[str, str]]:
    institutions = _model("Institution").objects.filter(active=True, uses_platform=True).order_by("code")
    return [("", "—"), *((str(i.public_id), institution_label(i)) for i in institutions)]


def _holding(record: Any) -> set[str]:
    """The public ids of the institutions that hold ``record`` already — its owner and those with an
    active share of it as an institution — which the service refuses: offering them only led to that
    refusal."""
    if getattr(record, "owner_institution_id", None) is None:
        return set()
    grants = Grant.objects.active().for_object(record).filter(grantee_type=Grant.GranteeType.INSTITUTION)
    holders = _model("Institution").objects.filter(
        Q(pk=record.owner_institution_id) | Q(pk__in=grants.values("grantee_institution_id"))
    )
    return {str(public_id) for public_id in holders.values_list("public_id", flat=True)}


def _unit_choices() -> list[tuple[str, Any]]:
    units = (
        _model("Unit").objects.filter(active=True, institution__active=True, institution__uses_platform=True)
        .select_related("institution").order_by("institution__code", "path")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for unit in units:
        groups.setdefault(institution_label(unit.institution), []).append((str(unit.public_id), unit.name))
    return [("", "—"), *groups.items()]


def _member_choices() -> list[tuple[str, Any]]:
    memberships = (
        _model("Membership").objects.valid()
        .filter(user__is_active=True, unit__institution__uses_platform=True)
        .select_related("user", "unit__institution", "role")
        .order_by("unit__institution__code", "user__last_name", "user__first_name")
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for m in memberships:
        label = f"{m.user} ({m.user.username}) – {m.role.name}, {m.unit.name}"
        groups.setdefault(institution_label(m.unit.institution), []).append((str(m.public_id), label))
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

    def __init__(self, *args: Any, record: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every institution is a valid choice (the service words the refusal of one that holds the record
        # already); those are only left out of the list shown.
        institution = cast(forms.ChoiceField, self.fields["institution"])
        institution.choices = _institution_choices()
        holding = _holding(record)
        institution.widget.choices = [choice for choice in institution.choices if choice[0] not in holding]
        for name, choices in (("unit", _unit_choices), ("member", _member_choices)):
            cast(forms.ChoiceField, self.fields[name]).choices = choices()

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``grant_create`` for what was chosen."""
        data = self.cleaned_data
        grantee_type = data["grantee_type"]
        institution = unit = user = None
        if grantee_type == Grant.GranteeType.INSTITUTION and data.get("institution"):
            institution = _model("Institution").objects.filter(public_id=data["institution"]).first()
        elif grantee_type == Grant.GranteeType.UNIT and data.get("unit"):
            unit = _model("Unit").objects.select_related("institution").filter(public_id=data["unit"]).first()
        elif grantee_type == Grant.GranteeType.USER and data.get("member"):
            membership = _model("Membership").objects.valid().select_related("user", "unit__institution").filter(
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

    @classmethod
    def for_grant(cls, grant: Grant, data: Any = None) -> RevokeForm:
        """One per grant on a page: ids of its own, so that several can be open at once."""
        return cls(data, auto_id=f"id_revoke_{grant.public_id.hex[:12]}_%s")


class IdentifierForm(BootstrapMixin, forms.Form):
    """Add the number one's institution gives a record in one of the type's schemes."""

    scheme = forms.ChoiceField(label=_("Numbering scheme"))
    value = forms.CharField(label=_("Number"), max_length=80)

    def __init__(self, *args: Any, schemes: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["scheme"]).choices = [(s.code, s.label) for s in schemes]
        examples = [str(s.example) for s in schemes if s.example]
        if examples:
            self.fields["value"].help_text = _("For example: %(examples)s") % {"examples": ", ".join(examples)}


class IdentifierRemoveForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for removing"), max_length=2000)


class HitCheckForm(BootstrapMixin, forms.Form):
    """Ask whether other institutions hold a matching record (existence only)."""

    term = forms.CharField(
        label=_("Search term"), min_length=3, max_length=200,
        help_text=_("An identifier: a record, case or document number, a serial number, a plate, a VIN or a full name."),
    )
    purpose = forms.CharField(label=_("Purpose of the check"), max_length=300,
                              help_text=_("Recorded in the audit trail and shown to the owner."))


class HitNoticeShareForm(BootstrapMixin, forms.Form):
    """"Share with the one who asked": the asking user or their unit, and the reason (prefilled)."""

    grantee = forms.ChoiceField(label=_("Share with"), widget=forms.RadioSelect,
                                error_messages={"required": _("Choose whom to share with.")})
    reason = forms.CharField(label=_("Reason for sharing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Shown to whoever reads the grant and recorded in the audit trail."),
                             error_messages={"required": _("Give the reason for sharing.")})

    def __init__(self, *args: Any, notice: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["grantee"]).choices = [
            ("user", _("%(user)s only") % {"user": notice.searcher}),
            ("unit", _("Their unit: %(unit)s (%(institution)s)") % {"unit": notice.searcher_unit,
                                                                   "institution": notice.searcher_institution}),
        ]
        self.fields["grantee"].initial = "user"
        self.fields["reason"].initial = _("In answer to the check: %(purpose)s") % {"purpose": notice.purpose}
