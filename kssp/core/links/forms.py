"""Forms of the links panel. They parse input only; ``link_create``/``link_remove`` decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin
from kssp.core.links.link_types import link_types
from kssp.core.links.services import REASON_MAX
from kssp.core.records import access as records

INVERSE = ":inverse"


def direction_choices() -> list[tuple[str, str]]:
    """Every type read from this record ("derived from") and, unless symmetric, read backwards ("source of")."""
    choices = []
    for code, spec in link_types().items():
        choices.append((code, spec.label()))
        if not spec.symmetric:
            choices.append((f"{code}{INVERSE}", spec.inverse_label()))
    return choices


def record_type_choices() -> list[tuple[str, str]]:
    return [(label, rt.verbose_name.capitalize()) for label, rt in records.record_types().items()]


class LinkForm(BootstrapMixin, forms.Form):
    """Add a link from the record of the page to another record found by its number or public id."""

    link_type = forms.ChoiceField(label=_("This record"))
    target_type = forms.ChoiceField(label=_("Kind of record"))
    target = forms.CharField(
        label=_("Number or id"), max_length=100,
        help_text=_("The number of the other record (for example BUL-KP-2026-000001) or its public id."),
    )
    evidential = forms.BooleanField(
        label=_("Evidential link"), required=False,
        help_text=_("Only evidential links go into the evidential file and the court report."),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for an evidential link."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["link_type"].choices = direction_choices()  # type: ignore[attr-defined]
        self.fields["target_type"].choices = record_type_choices()  # type: ignore[attr-defined]
        # The picker: records of the chosen kind the actor may see, offered as the number is typed.
        self.fields["target"].widget.attrs.update({
            "autocomplete": "off",
            "list": "link-target-options",
            "hx-get": reverse("links:record_search"),
            "hx-trigger": "input changed delay:300ms",
            "hx-target": "#link-target-options",
            "hx-swap": "innerHTML",
            "hx-include": "previous select[name='target_type']",
        })

    def direction(self) -> tuple[str, bool]:
        """``(type code, outgoing)``: outgoing means "this record → the other one"."""
        value = self.cleaned_data["link_type"]
        if value.endswith(INVERSE):
            return value[: -len(INVERSE)], False
        return value, True


class LinkRemoveForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for removing"), max_length=REASON_MAX)
