"""Forms of the notification pages (parsing only; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin
from kssp.core.notifications.kinds import kind_choices


class PreferencesForm(BootstrapMixin, forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("Also send me an e-mail for"), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Every notification appears here in the platform. An e-mail only says that there is one, "
                    "with a link; it never carries the content."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email_kinds"].choices = kind_choices()  # type: ignore[attr-defined]


class MarkAllReadForm(forms.Form):
    kind = forms.CharField(required=False, max_length=60)
