"""Form helpers every page uses: Bootstrap classes, FilterSet forms with an "All" choice, and a
service's refusal shown on the form.

Forms only parse input (ARCHITECTURE rule 4): no business rule lives here; services decide and raise
``ApplicationError`` whose field messages ``apply_service_error`` puts back on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kssp.core.exceptions import ApplicationError

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


DATE_FORMAT = "%d.%m.%Y"
DATETIME_FORMAT = "%d.%m.%Y %H:%M"
# What a date field shows when empty, in the page's language ("dd.mm.yyyy"; #7 point 2).
DATE_PLACEHOLDER = _("dd.mm.yyyy")
DATETIME_PLACEHOLDER = _("dd.mm.yyyy hh:mm")
DATE_BUTTON = _("Choose the date from a calendar")
DATE_INVALID = _("Enter the date as dd.mm.yyyy, for example 07.12.2026.")
DATETIME_INVALID = _("Enter the date and time as dd.mm.yyyy hh:mm, for example 07.12.2026 14:30.")


def _date_attrs(widget: forms.DateInput | forms.DateTimeInput, *, with_time: bool) -> None:
    """One date input everywhere (#7 point 2): a text input in dd.mm.yyyy (24-hour time), never the
    browser's native picker (which shows mm/dd/yyyy in an English browser); static/js/datepicker.js
    adds a calendar button."""
    widget.input_type = "text"
    widget.format = DATETIME_FORMAT if with_time else DATE_FORMAT
    widget.attrs.setdefault("placeholder", DATETIME_PLACEHOLDER if with_time else DATE_PLACEHOLDER)
    widget.attrs.setdefault("inputmode", "numeric")
    widget.attrs.setdefault("autocomplete", "off")
    widget.attrs["data-kssp-date"] = "datetime" if with_time else "date"
    widget.attrs.setdefault("data-kssp-date-label", DATE_BUTTON)
    widget.attrs.setdefault("data-kssp-date-prev", _("Previous month"))
    widget.attrs.setdefault("data-kssp-date-next", _("Next month"))


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATE_FORMAT)
        _date_attrs(self, with_time=False)


class DateTimeInput(forms.DateTimeInput):
    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_FORMAT)
        _date_attrs(self, with_time=True)


def _dates(field: forms.Field) -> None:
    widget = field.widget
    if isinstance(widget, forms.DateTimeInput):
        _date_attrs(widget, with_time=True)
    elif isinstance(widget, forms.DateInput):
        _date_attrs(widget, with_time=False)
    if isinstance(field, forms.DateTimeField):
        field.error_messages["invalid"] = DATETIME_INVALID
    elif isinstance(field, forms.DateField):
        field.error_messages["invalid"] = DATE_INVALID


#: The longest free text a page form takes when its field names no limit (#7 point 2). Six bytes a
#: character once form-encoded (ë, č, Cyrillic), every form's fields together stay well under the
#: request limit (settings.DATA_UPLOAD_MAX_MEMORY_SIZE), so a person meets this field error, which
#: keeps what was typed, and never the bare "400 Bad request" of a request over the limit.
TEXT_MAX = 50_000


def _limits(field: forms.Field) -> None:
    """Every free-text field has a limit, shown beside it (``data-kssp-count``: static/js/kssp.js counts)."""
    if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.HiddenInput):
        return
    if field.max_length is None and isinstance(field.widget, forms.Textarea):
        field.max_length = TEXT_MAX
        field.validators.append(validators.MaxLengthValidator(TEXT_MAX))
        field.widget.attrs["maxlength"] = str(TEXT_MAX)
    if field.max_length is not None and isinstance(field.widget, forms.Textarea):
        field.widget.attrs["data-kssp-count"] = str(field.max_length)


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
        _dates(field)
        _limits(field)
    return form


def filter_form(form: forms.BaseForm) -> forms.BaseForm:
    """Prepare a FilterSet's form for a page: Bootstrap classes, date pickers, and every optional
    select starts with an "All" choice (django-filter's TypedChoiceFilter has none, so the browser
    would send its first value as a filter)."""
    bootstrap(form)
    for field in form.fields.values():
        widget = field.widget
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
