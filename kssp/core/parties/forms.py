"""Forms of the party pages. They parse input only; the services validate (names, dates, numbers,
markings) and their field errors are put back on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin, DateInput
from kssp.core.markings import Classification, HandlingCode
from kssp.core.models.reference import Country
from kssp.core.parties.choices import DocumentType, OrganisationType, Sex

DOB_HELP = _("dd.mm.yyyy, mm.yyyy or only the year; put ~ before an approximate year (~1980).")


def _country_choices() -> list[tuple[str, str]]:
    countries = Country.objects.filter(active=True).order_by("name_en")
    return [("", "—"), *((c.code, f"{c.name} ({c.code})") for c in countries)]


class PersonSearchForm(BootstrapMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"), required=False, max_length=200,
        help_text=_("Any spelling: Albanian or Serbian, Latin or Cyrillic, in any order."),
    )
    date_of_birth = forms.CharField(label=_("Date of birth"), required=False, max_length=40, help_text=DOB_HELP)
    personal_number = forms.CharField(label=_("Personal number"), required=False, max_length=20)
    document_number = forms.CharField(label=_("Document number"), required=False, max_length=40)
    purpose = forms.CharField(
        label=_("Purpose"), required=False, max_length=300,
        help_text=_("Why you search. A purpose or a case reference is required; both are recorded in the audit trail."),
    )
    case_ref = forms.CharField(label=_("Case reference"), required=False, max_length=100)


class PersonForm(BootstrapMixin, forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=100)
    father_name = forms.CharField(label=_("Father's name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    date_of_birth = forms.CharField(label=_("Date of birth"), required=False, max_length=40, help_text=DOB_HELP)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    personal_number = forms.CharField(label=_("Personal number"), required=False, max_length=20,
                                      help_text=_("10 digits, as on the Kosovo identity card."))
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    addresses = forms.CharField(label=_("Addresses"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("One address per line."))
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.RESTRICTED,
        help_text=_("Law 03/L-178. You can mark a record only up to your own security clearance."),
    )
    handling_code = forms.ChoiceField(label=_("Handling code"), required=False, choices=[("", _("None")), *HandlingCode.choices])

    def __init__(self, *args: Any, clearance: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nationality"].choices = _country_choices()  # type: ignore[attr-defined]
        # Display only what the actor may choose; validation stays with the service.
        self.fields["classification"].widget.choices = [(v, label) for v, label in Classification.choices if v <= clearance]


class DocumentForm(BootstrapMixin, forms.Form):
    doc_type = forms.ChoiceField(label=_("Document type"), choices=DocumentType.choices)
    number = forms.CharField(label=_("Document number"), max_length=40)
    issuing_country = forms.ChoiceField(label=_("Issuing country"), required=False)
    expires_on = forms.DateField(label=_("Valid until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_document_%s")
        super().__init__(*args, **kwargs)
        self.fields["issuing_country"].choices = _country_choices()  # type: ignore[attr-defined]


class CandidateSearchForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("Look for another spelling"), required=False, max_length=200)


class MergeForm(BootstrapMixin, forms.Form):
    duplicate = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the merge"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Recorded in the audit trail. The merge can be undone."))


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, prefix_id: str = "reason", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{prefix_id}_%s")
        super().__init__(*args, **kwargs)


def _plate_format_choices() -> list[tuple[str, str]]:
    from kssp.core.parties.models import PlateFormat

    return [("", "—"), *((f.code, f.name) for f in PlateFormat.objects.filter(active=True))]


class _Markings(forms.Form):
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.RESTRICTED,
        help_text=_("Law 03/L-178. You can mark a record only up to your own security clearance."),
    )
    handling_code = forms.ChoiceField(label=_("Handling code"), required=False, choices=[("", _("None")), *HandlingCode.choices])

    def __init__(self, *args: Any, clearance: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Display only what the actor may choose; validation stays with the service.
        self.fields["classification"].widget.choices = [(v, label) for v, label in Classification.choices if v <= clearance]


class VehicleForm(BootstrapMixin, _Markings):
    """A vehicle: a plate or a VIN (the service says which is missing); make, model and colour."""

    plate = forms.CharField(label=_("Plate"), max_length=20, required=False,
                            help_text=_("As written on the plate; spaces, dashes and Cyrillic look-alike letters do not matter."))
    plate_format = forms.ChoiceField(label=_("Plate format"), required=False)
    vin = forms.CharField(label=_("VIN"), max_length=17, required=False,
                          help_text=_("The chassis number: 17 letters and digits since 1981."))
    make = forms.CharField(label=_("Make"), max_length=60, required=False)
    model = forms.CharField(label=_("Model"), max_length=60, required=False)
    colour = forms.CharField(label=_("Colour"), max_length=40, required=False)
    contains_personal_data = forms.BooleanField(
        label=_("Holds personal data"), required=False, initial=True,
        help_text=_("A plate leads to its keeper: leave this on unless the vehicle belongs to an institution."),
    )

    def __init__(self, *args: Any, clearance: int, **kwargs: Any) -> None:
        super().__init__(*args, clearance=clearance, **kwargs)
        self.fields["plate_format"].choices = _plate_format_choices()  # type: ignore[attr-defined]


class OrganisationForm(BootstrapMixin, _Markings):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("The registered name; the index finds it in any spelling."))
    business_number = forms.CharField(label=_("Business number"), max_length=20, required=False,
                                      help_text=_("The number in the Kosovo Business Registration Agency's register."))
    org_type = forms.ChoiceField(label=_("Type"), choices=OrganisationType.choices, initial=OrganisationType.BUSINESS)
    contains_personal_data = forms.BooleanField(
        label=_("Holds personal data"), required=False,
        help_text=_("For a sole trader: the name and number name a person."),
    )
