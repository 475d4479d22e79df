"""Forms of the search pages: they parse input only; ``parse_query`` and the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin
from kssp.core.search.query import MAX_LENGTH, QueryError, SearchQuery, parse_query


class SearchForm(BootstrapMixin, forms.Form):
    """``q`` with, for types that log a consultation (persons), the purpose and a case reference."""

    q = forms.CharField(label=_("Search"), required=False, max_length=1000)
    purpose = forms.CharField(
        label=_("Purpose"), required=False, max_length=300,
        help_text=_("Needed to search persons: it is written to the consultation log."),
    )
    case_ref = forms.CharField(label=_("Case reference"), required=False, max_length=100)
    type = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        attrs = self.fields["q"].widget.attrs
        attrs.update({"maxlength": str(MAX_LENGTH), "autocomplete": "off", "spellcheck": "false", "enterkeyhint": "search"})
        self.fields["q"].widget.input_type = "search"  # type: ignore[attr-defined]
        self.query: SearchQuery | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "q" in data:
            try:
                self.query = parse_query(data["q"], purpose=data.get("purpose", ""), case_ref=data.get("case_ref", ""))
            except QueryError as exc:
                self.add_error("q", str(exc.message))
        return data


class HitCheckForm(BootstrapMixin, forms.Form):
    """"Check other institutions": the search text again and the purpose (required)."""

    q = forms.CharField(widget=forms.HiddenInput, max_length=1000)
    purpose = forms.CharField(
        label=_("Purpose of the check"), max_length=300,
        help_text=_("The units holding a match are told who asked and why."),
        error_messages={"required": _("Give the purpose of the check.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.query: SearchQuery | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "q" in data:
            try:
                self.query = parse_query(data["q"])
            except QueryError as exc:
                self.add_error(None, str(exc.message))
        return data
