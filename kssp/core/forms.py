"""Form helpers every page uses: Bootstrap classes, FilterSet forms with an "All" choice, and a
service's refusal shown on the form.

Forms only parse input (ARCHITECTURE rule 4): no business rule lives here; services decide and raise
``ApplicationError`` whose field messages ``apply_service_error`` puts back on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kssp.core.exceptions import ApplicationError

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def bootstrap(form: forms.BaseForm) -> forms.BaseForm:
    """Give every widget of ``form`` its Bootstrap class (idempotent). Returns the form.

    Works on any form, including a django-filter FilterSet's ``form``, whose class we do not own.
    """
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxSelectMultiple):
            continue  # the class would land on the wrapping <div> as well as on each box
        if isinstance(widget, _CHECK_WIDGETS):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        classes = widget.attrs.get("class", "").split()
        if css not in classes:
            widget.attrs["class"] = " ".join([*classes, css])
        if isinstance(widget, forms.DateInput) and not isinstance(widget, forms.DateTimeInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"
    return form


def filter_form(form: forms.BaseForm) -> forms.BaseForm:
    """Prepare a FilterSet's form for a page: Bootstrap classes, date pickers, and every optional
    select starts with an "All" choice (django-filter's TypedChoiceFilter has none, so the browser
    would send its first value as a filter)."""
    bootstrap(form)
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.DateInput) and not isinstance(widget, forms.DateTimeInput):
            widget.input_type = "date"
            widget.format = "%Y-%m-%d"
        if not isinstance(field, forms.ChoiceField) or field.required or isinstance(widget, forms.SelectMultiple):
            continue
        choice_field: Any = field
        generated = {"", None}
        if getattr(choice_field, "null_label", None) is not None:
            generated.add(choice_field.null_value)
        existing = [choice for choice in choice_field.choices if choice[0] not in generated]
        if hasattr(choice_field, "empty_label"):
            # django-filter's fields add the empty (and null) choice themselves, through an iterator
            # bound to the field: set the label, then the choices again so the iterator sees it.
            choice_field.empty_label = _("All")
            choice_field.choices = existing
        else:
            choice_field.choices = [("", _("All")), *existing]
    return form


class BootstrapMixin:
    """Mixin for page forms: Bootstrap classes on the widgets."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        bootstrap(self)  # type: ignore[arg-type]


def apply_service_error(
    form: forms.BaseForm, exc: ApplicationError | ValidationError, *, aliases: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: field messages on their fields, the rest on top.

    A field the form does not have (a service may name one) goes to the non-field errors; the message
    is written for the user either way. ``aliases`` maps a service's field name to the form's.
    """
    if isinstance(exc, ValidationError):
        fields: dict[Any, list[str]] = exc.message_dict if hasattr(exc, "error_dict") else {None: list(exc.messages)}
        message = ""
    else:
        fields, message = dict(exc.fields or {}), str(exc.message)
    for name, messages_ in fields.items():
        name = (aliases or {}).get(name, name)
        target = name if name in form.fields else None
        # A foreign key may be named by its column ("district_id").
        if target is None and isinstance(name, str) and name.endswith("_id") and name[:-3] in form.fields:
            target = name[:-3]
        for text in messages_:
            form.add_error(target, str(text))
    if not fields and message:
        form.add_error(None, message)
