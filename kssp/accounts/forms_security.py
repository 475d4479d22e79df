"""Forms of the security pages. They parse input only; the services decide (ARCHITECTURE rule 4)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin


class OtpCodeForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("The 6-digit code your authenticator app shows now, or one of your backup codes."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        )


class OtpEnrolForm(OtpCodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _("After scanning, enter the 6-digit code the app shows, to confirm it works.")
        self.fields["code"].widget.attrs.update({"inputmode": "numeric"})


class PinForm(BootstrapMixin, forms.Form):
    pin = forms.CharField(
        label=_("New PIN"),
        max_length=12,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("4 to 12 digits; not repeated or consecutive digits. It unlocks your screen, not your account."),
    )
    password = forms.CharField(label=_("Your password"), strip=False, widget=forms.PasswordInput(render_value=False))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pin"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class UnlockForm(BootstrapMixin, forms.Form):
    secret = forms.CharField(label=_("PIN"), max_length=200, strip=False, widget=forms.PasswordInput(render_value=False))

    def __init__(self, *args: Any, uses_pin: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["secret"].widget
        widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        if uses_pin:
            widget.attrs["inputmode"] = "numeric"
        else:
            self.fields["secret"].label = _("Password")
            widget.attrs["autocomplete"] = "current-password"


class PasswordResetForm(BootstrapMixin, forms.Form):
    password = forms.CharField(label=_("New password"), strip=False, widget=forms.PasswordInput(render_value=False), max_length=200)
    password_again = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(render_value=False), max_length=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("password", "password_again"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"
        self.fields["password"].help_text = _("At least 12 characters; not a common password, not only digits, not like your name.")


class BreakGlassForm(BootstrapMixin, forms.Form):
    record_type = forms.ChoiceField(label=_("Record type"))
    public_id = forms.UUIDField(
        label=_("Record reference"), help_text=_("The record's reference (UUID), for example from a hit notice or a colleague.")
    )
    minutes = forms.TypedChoiceField(label=_("For how long"), coerce=int)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this cannot wait for a normal grant. The owning institution's auditors are alerted and read it."),
    )

    def __init__(self, *args: Any, types: list[tuple[str, Any]], max_minutes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        record_type: Any = self.fields["record_type"]
        record_type.choices = types
        options = sorted({m for m in (15, 30, 60, max_minutes) if m <= max_minutes})
        minutes: Any = self.fields["minutes"]
        minutes.choices = [(m, _("%(minutes)s minutes") % {"minutes": m}) for m in options]


class MembershipReviewForm(forms.Form):
    membership = forms.UUIDField()
    decision = forms.ChoiceField(choices=[("confirm", "confirm"), ("end", "end")])
    reason = forms.CharField(required=False, max_length=1000)


class UserTargetForm(forms.Form):
    user = forms.UUIDField()
