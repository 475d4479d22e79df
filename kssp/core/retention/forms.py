"""Forms of the retention pages. They parse input only; the services decide (and say why not)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kssp.core.forms import BootstrapMixin
from kssp.core.retention.registry import Action

REASON = {"rows": 2}


class DecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject: keep the data"))], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs=REASON),
        error_messages={"required": _("Give the reason.")},
    )


class ProposeForm(BootstrapMixin, forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[(Action.DELETE, Action.DELETE.label), (Action.ANONYMISE, Action.ANONYMISE.label)],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=4000, widget=forms.Textarea(attrs=REASON),
        error_messages={"required": _("Give the reason.")},
    )
