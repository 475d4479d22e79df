"""Forms of the public site (parsing only; the services decide)."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kssp.core.form_tokens import FormTokenMixin
from kssp.core.forms import BootstrapMixin
from kssp.portal import conf, tracking
from kssp.portal.choices import CONTACT_MAX, MESSAGE_MAX, REPLY_MAX, SubmissionStatus, SubmissionTopic

HONEYPOT = "website"
# A hidden field that is missing or altered: the page, not the person, is at fault.
FORM_DAMAGED = {
    "required": _("The form was incomplete. Reload the page and send your message again."),
    "invalid": _("The form was incomplete. Reload the page and send your message again."),
}


def language_choices() -> list[tuple[str, str]]:
    return [(code, conf.PORTAL_LANGUAGE_NAMES[code][0]) for code in conf.languages()]


class ContactForm(FormTokenMixin, BootstrapMixin, forms.Form):
    """Message to the institutions. ``public_id`` is generated when the page is drawn, so that sending
    the same page twice (a double click, a reload) delivers one message. ``website`` is the honeypot:
    hidden from people, it is filled only by robots, and such a message is discarded."""

    topic = forms.ChoiceField(label=_("What is your message about?"), choices=[("", "—"), *SubmissionTopic.choices])
    message = forms.CharField(
        label=_("Your message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Do not write your name or anyone's personal number unless it is needed."),
    )
    contact = forms.CharField(
        label=_("How can we reach you? (optional)"), required=False, max_length=CONTACT_MAX,
        help_text=_("A telephone number or e-mail address, only if you want to be contacted. Leave it empty to stay anonymous."),
    )
    language = forms.ChoiceField(label=_("Language of the answer"))
    website = forms.CharField(label=_("Leave this field empty"), required=False, max_length=200)
    public_id = forms.UUIDField(widget=forms.HiddenInput(), error_messages=FORM_DAMAGED)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = cast(forms.ChoiceField, self.fields["language"])
        language.choices = language_choices()
        language.initial = get_language() if get_language() in conf.languages() else conf.languages()[0]
        self.fields["public_id"].initial = uuid.uuid4()
        self.fields[HONEYPOT].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["contact"].widget.attrs.update({"autocomplete": "off"})

    @property
    def is_robot(self) -> bool:
        return bool(str(self.data.get(HONEYPOT, "")).strip())

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"topic": data["topic"], "message": data["message"], "contact": data.get("contact", ""), "language": data["language"]}


class StatusForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("Tracking code"), max_length=40,
        help_text=_("The code you were given when you sent your message, for example 7KQ3-M9XD-2HFA-P8RT."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "inputmode": "text"}
        )

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        if tracking.normalise(code) is None:
            raise forms.ValidationError(
                _("This is not a tracking code. A code has 16 letters and digits, for example 7KQ3-M9XD-2HFA-P8RT.")
            )
        return code


class TransitionForm(BootstrapMixin, forms.Form):
    """Staff: move a message on, with the answer the sender reads on the status page."""

    to = forms.ChoiceField(label=_("New status"), choices=SubmissionStatus.choices)
    public_reply = forms.CharField(
        label=_("Answer to the sender"), required=False, max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to whoever holds the tracking code. Required to answer."),
    )
