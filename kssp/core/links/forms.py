"""Forms of the links panel. They parse input only; ``connection_create``/``connection_remove`` decide.

One form links the page's record to any other: when exactly one end is a party (a person, an
organisation, a vehicle) it asks for the party's role in the record (and, for a person, the data-subject
category, fact or assessment and the protection flags); otherwise for the type of link. Which it asks
follows from the kind of the record picked (``LinkForm.kind``); the panel fetches the matching fields
when a record is picked (``links:link_fields``) and the server asks again if they were not sent.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kssp.core.form_tokens import FormTokenMixin
from kssp.core.forms import BootstrapMixin
from kssp.core.links.link_types import link_types
from kssp.core.links.services import REASON_MAX, takes_role
from kssp.core.parties.choices import Nature, PartyRole, SubjectCategory
from kssp.core.parties.models import Person
from kssp.core.records import access as records

ROLE, LINK = "role", "link"
#: The fields of the form's part that follows from the record picked (``links/_link_fields.html``).
KIND_FIELDS = ("link_type", "role", "subject_category", "nature", "protected_witness", "juvenile", "evidential", "reason")

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


def _model_of(label: str) -> Any:
    declaration = records.record_types().get(label)
    return declaration.model if declaration is not None else None


class LinkForm(FormTokenMixin, BootstrapMixin, forms.Form):
    """Link the record of the page to another record, found by name, number, plate or serial (the
    picker) or by its exact number or public id: a party's role in a record, or a typed record link."""

    # Which of these are required depends on the two ends (``__init__``).
    link_type = forms.ChoiceField(label=_("This record"), required=False,
                                  error_messages={"required": _("Choose a type of link.")})
    role = forms.ChoiceField(
        label=_("Role in the record"), required=False, choices=[("", "---------"), *PartyRole.choices],
        help_text=_("What the person, organisation or vehicle is to the record."),
        error_messages={"required": _("Choose the role.")},
    )
    subject_category = forms.ChoiceField(
        label=capfirst(_("data-subject category")), required=False, choices=[("", "---------"), *SubjectCategory.choices],
        help_text=_("Directive (EU) 2016/680 Art. 6; for persons."),
        error_messages={"required": _("Choose the data-subject category.")},
    )
    nature = forms.ChoiceField(
        label=capfirst(_("fact or assessment")), choices=Nature.choices, initial=Nature.FACT, required=False
    )
    protected_witness = forms.BooleanField(label=_("Protected witness"), required=False)
    juvenile = forms.BooleanField(label=_("Juvenile"), required=False)
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

    def __init__(self, *args: Any, record: Any = None, other_label: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What the form asks follows from the two ends: the page's record and the kind of the one picked.
        if other_label is None and self.is_bound:
            pick = str(self.data.get("pick") or "")
            other_label = pick.rpartition(":")[0] if pick else str(self.data.get("target_type") or "")
        other = _model_of(other_label or "")
        self.kind = ROLE if record is not None and other is not None and takes_role(record, other) else LINK
        #: The party is a person: the data-subject category, fact or assessment and the protection flags apply.
        self.for_person = self.kind == ROLE and (isinstance(record, Person) or other is Person)
        self.fields["link_type"].required = self.kind == LINK
        self.fields["role"].required = self.kind == ROLE
        self.fields["subject_category"].required = self.for_person
        if self.kind == ROLE:
            self.fields["reason"].label = _("Note")
            self.fields["reason"].help_text = _("What the role rests on, if it helps the reader.")
        # The picker: every kind of record the actor may see, found by name, number, plate or serial.
        find_url = reverse("links:record_find")
        declaration = records.record_type_for(record) if record is not None else None
        if declaration is not None:
            find_url += f"?record_type={declaration.label}&record_id={record.public_id}"
            # Choosing the kind of record by hand asks for a role or a type of link, as picking does.
            self.fields["target_type"].widget.attrs.update({
                "hx-get": reverse("links:link_fields", args=[declaration.label, record.public_id]),
                "hx-trigger": "change", "hx-target": "#link-fields", "hx-swap": "outerHTML", "hx-include": "#link-fields",
            })
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

    def role_fields(self) -> dict[str, Any]:
        """What ``connection_create`` takes for a role (empty for a record link)."""
        if self.kind != ROLE:
            return {}
        data = self.cleaned_data
        out = {"role": data["role"]}
        if self.for_person:
            out |= {"subject_category": data["subject_category"], "nature": data.get("nature") or Nature.FACT,
                    "protected_witness": data["protected_witness"], "juvenile": data["juvenile"]}
        return out

    def direction(self) -> tuple[str, bool]:
        """``(type code, outgoing)``: outgoing means "this record → the other one"."""
        value = self.cleaned_data["link_type"]
        if value.endswith(INVERSE):
            return value[: -len(INVERSE)], False
        return value, True


class LinkRemoveForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for removing"), max_length=REASON_MAX)
