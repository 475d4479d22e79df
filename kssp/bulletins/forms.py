"""Forms of the bulletin pages. They parse input only; the services validate the business rules
(clearance, sharing rules) and their field errors are shown on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kssp.bulletins.choices import BulletinKind
from kssp.core.forms import BootstrapMixin, DateInput
from kssp.core.markings import Classification, HandlingCode


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


class QuickCaptureForm(BootstrapMixin, forms.Form):
    """The few fields one can type at a scene; the rest is completed later on the full form."""

    public_id = forms.UUIDField(widget=forms.HiddenInput())
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=BulletinKind.choices, initial=BulletinKind.LOOKOUT)
    classification = forms.TypedChoiceField(
        label=_("Classification"), choices=Classification.choices, coerce=int, initial=Classification.RESTRICTED,
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))
    contains_personal_data = forms.BooleanField(label=_("Holds personal data"), required=False)

    def __init__(self, *args: Any, clearance: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Display only what the actor may choose; the service refuses the rest anyway.
        self.fields["classification"].widget.choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Classification.choices if value <= clearance
        ]
