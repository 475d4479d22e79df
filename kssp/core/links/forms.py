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
    find = forms.CharField(
        label=_("Find the other record"), max_length=100, required=False,
        help_text=_("A name (any spelling), a number, a plate, a VIN or a serial number; then choose the record."),
    )
    pick = forms.CharField(required=False, widget=forms.HiddenInput)  # sent by the chosen radio button
    target_type = forms.ChoiceField(label=_("Kind of record"), required=False)
    target = forms.CharField(
        label=_("Number or id"), max_length=100, required=False,
        help_text=_("Or the number of the other record (for example BUL-KP-2026-000001) or its public id."),
    )
    evidential = forms.BooleanField(
        label=_("Evidential link"), required=False,
        help_text=_("Only evidential links go into the evidential file and the court report."),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for an evidential link."),
    )

    def __init__(self, *args: Any, record: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The picker: every kind of record the actor may see, found by name, number, plate or serial.
        find_url = reverse("links:record_find")
        if record is not None:
            declaration = records.record_type_for(record)
            if declaration is not None:
                find_url += f"?record_type={declaration.label}&record_id={record.public_id}"
        self.fields["find"].widget.attrs.update({
            "autocomplete": "off",
            "hx-get": find_url,
            "hx-trigger": "input changed delay:300ms, search",
            "hx-target": "#link-candidates",
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            "aria-controls": "link-candidates",
        })
        self.fields["find"].widget.input_type = "search"  # type: ignore[attr-defined]
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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.picked: tuple[str, str] | None = None
        pick = str(data.get("pick") or "").strip()
        if pick:
            label, sep, public_id = pick.rpartition(":")
            if not sep or not label:
                self.add_error("find", _("Choose one of the records found."))
            else:
                self.picked = (label, public_id)
        elif not str(data.get("target") or "").strip():
            self.add_error("find", _("Type a name, number, plate or serial and choose the record to link."))
        elif not data.get("target_type"):
            self.add_error("target_type", _("Choose the kind of record."))
        return data

    def direction(self) -> tuple[str, bool]:
        """``(type code, outgoing)``: outgoing means "this record → the other one"."""
        value = self.cleaned_data["link_type"]
        if value.endswith(INVERSE):
            return value[: -len(INVERSE)], False
        return value, True


class LinkRemoveForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for removing"), max_length=REASON_MAX)
