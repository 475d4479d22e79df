"""Forms of the accounts pages, and the small helper every page form uses to look like Bootstrap.

Forms only parse input (ARCHITECTURE rule 4): no business rule lives here; services decide and raise
``ApplicationError`` whose field messages ``apply_service_error`` puts back on the form.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin, apply_service_error, bootstrap, filter_form

__all__ = ["BootstrapMixin", "LoginForm", "MembershipSwitchForm", "apply_service_error", "bootstrap", "filter_form"]

class LoginForm(BootstrapMixin, AuthenticationForm):
    """Django's AuthenticationForm (django-axes watches it) with the attributes a sign-in page wants."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class MembershipSwitchForm(forms.Form):
    membership = forms.UUIDField(label=_("Membership"))
