"""Forms of the import pages. They parse input only; the upload service checks the file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin
from kssp.core.imports.registry import ImportType

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(BootstrapMixin, forms.Form):
    import_type = forms.ChoiceField(label=_("Kind of import"))
    file = forms.FileField(
        label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("CSV (UTF-8, with a header row; comma, semicolon or tab between cells) or Excel .xlsx (first sheet)."),
    )

    def __init__(self, *args: Any, types: list[ImportType], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["import_type"]
        field.choices = [(t.code, t.label) for t in types]  # type: ignore[attr-defined]
        if len(types) == 1:
            field.initial = types[0].code
