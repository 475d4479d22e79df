"""Forms of the reference-data pages.

Forms only parse input (ARCHITECTURE rule 4). The edit forms are plain forms built from the model's
fields (not ModelForms: a ModelForm writes into the instance while validating, and the service must see
the row as stored to audit "before" and "after"); ``kssp.core.services.reference.reference_update``
validates and its field errors are put back on the form by ``apply_service_error``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import bootstrap
from kssp.core.models.reference import Country, CrossingPoint, LegalAct, Municipality, Offence

# --- edit forms -------------------------------------------------------------------------------------

OFFICIAL_LANGUAGES = (
    ("sq", _("Albanian")),
    ("sr", _("Serbian")),
    ("tr", _("Turkish")),
    ("bs", _("Bosnian")),
    ("rom", _("Romani")),
)


class ReferenceEditForm(forms.Form):
    """Base of the edit forms: ``model`` and ``field_names`` say what is edited; ``initial`` comes from
    the row. ``changes()`` gives only the fields the user changed (what the service is called with)."""

    model: type[models.Model]
    field_names: tuple[str, ...]

    def __init__(self, *args: Any, instance: models.Model, **kwargs: Any) -> None:
        kwargs.setdefault("initial", model_to_dict(instance, fields=self.field_names))
        super().__init__(*args, **kwargs)
        self.instance = instance
        bootstrap(self)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


def _edit_form(model: type[models.Model], field_names: tuple[str, ...], **overrides: forms.Field) -> type[ReferenceEditForm]:
    """An edit form class with the model's own field definitions (labels, lengths, choices)."""
    attrs: dict[str, Any] = dict(fields_for_model(model, fields=field_names))
    attrs.update(overrides)
    attrs["model"] = model
    attrs["field_names"] = field_names
    return type(f"{model.__name__}EditForm", (ReferenceEditForm,), attrs)


def _date_field(model: type[models.Model], name: str) -> forms.DateField:
    label = getattr(model._meta.get_field(name), "verbose_name", name)
    return forms.DateField(label=label, required=False, widget=forms.DateInput(format="%Y-%m-%d"))


MunicipalityEditForm = _edit_form(
    Municipality,
    ("name_sq", "name_sr", "name_en", "name_en_dual", "district", "police_region", "majority_community",
     "official_languages", "active"),
    official_languages=forms.MultipleChoiceField(
        label=_("Official languages"), choices=OFFICIAL_LANGUAGES, required=False, widget=forms.CheckboxSelectMultiple,
    ),
)

CrossingPointEditForm = _edit_form(
    CrossingPoint,
    ("name_sq", "name_sr", "name_en", "other_side_name", "kind", "traffic", "customs_presence", "hours", "seasonal",
     "directorate", "municipality", "neighbour", "opened_on", "note", "active"),
    traffic=forms.MultipleChoiceField(
        label=_("Traffic allowed"), choices=CrossingPoint.Traffic.choices, required=False, widget=forms.CheckboxSelectMultiple,
    ),
    opened_on=_date_field(CrossingPoint, "opened_on"),
)

CountryEditForm = _edit_form(
    Country,
    ("name_sq", "name_sr", "name_en", "alpha3", "numeric", "is_former", "valid_from", "valid_to", "note", "active"),
    valid_from=_date_field(Country, "valid_from"),
    valid_to=_date_field(Country, "valid_to"),
)

LegalActEditForm = _edit_form(
    LegalAct,
    ("kind", "title_sq", "title_sr", "title_en", "gazette_ref", "valid_from", "valid_to", "replaced_by", "needs_verification"),
    valid_from=_date_field(LegalAct, "valid_from"),
    valid_to=_date_field(LegalAct, "valid_to"),
)

OffenceEditForm = _edit_form(
    Offence,
    ("title_sq", "title_sr", "title_en", "valid_from", "valid_to", "needs_verification"),
    valid_from=_date_field(Offence, "valid_from"),
    valid_to=_date_field(Offence, "valid_to"),
)
