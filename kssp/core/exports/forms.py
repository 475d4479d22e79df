"""The export form: purpose, recipient, format, designation profile, language. It only parses; the
service refuses a blank purpose or recipient too (and the API, which has no form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kssp.core.exports.profiles import Profile, default_profile
from kssp.core.exports.services import PURPOSE_MAX, RECIPIENT_MAX
from kssp.core.forms import bootstrap

FORMAT_CHOICES = [
    ("xlsx", _("Excel workbook (XLSX)")),
    ("csv", _("CSV text for spreadsheets (UTF-8)")),
    ("pdf", _("PDF document")),
]


class ExportForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the export"), max_length=PURPOSE_MAX,
        help_text=_("For example: monthly report to the Director General, request no. 45/2026 of the prosecutor."),
        error_messages={"required": _("Give the purpose of the export.")},
    )
    recipient = forms.CharField(
        label=_("Recipient"), max_length=RECIPIENT_MAX,
        help_text=_("Who receives the file (person and institution)."),
        error_messages={"required": _("Name who receives the export.")},
    )
    format = forms.ChoiceField(label=_("Format"), choices=FORMAT_CHOICES, initial="xlsx", widget=forms.RadioSelect)
    profile = forms.ChoiceField(
        label=_("Designation"), choices=Profile.choices,
        help_text=_("Institutional documents carry the letterhead of the Republic of Kosovo; donor-branded outputs "
                    "are status-neutral, with the UNSCR 1244 footnote and dual place names in English."),
    )
    language = forms.ChoiceField(label=_("Language of the file"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].initial = default_profile()
        self.fields["language"].initial = get_language() or settings.LANGUAGE_CODE
        bootstrap(self)
