"""Forms of the attachments panel. They parse input only; ``attachment_add`` checks the file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from kssp.core.attachments.content import KINDS
from kssp.core.attachments.services import DESCRIPTION_MAX, NAME_MAX, REASON_MAX
from kssp.core.attachments.uploads import max_bytes, too_large_message
from kssp.core.forms import BootstrapMixin


class AttachmentForm(BootstrapMixin, forms.Form):
    # The description and the flag come first: the browser sends fields in this order, so they are read
    # before the file (and the CSRF token, first of all, before any of them).
    description = forms.CharField(label=_("Description"), required=False, max_length=DESCRIPTION_MAX,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    evidential = forms.BooleanField(
        label=_("Evidential file"), required=False,
        help_text=_("Kept exactly as uploaded. Otherwise the GPS position is removed from photographs."),
    )
    file = forms.FileField(label=_("File"), max_length=NAME_MAX, allow_empty_file=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["file"]
        accept = sorted({ext for kind in KINDS.values() if kind.accepted for ext in kind.extensions})
        field.help_text = _("PDF, images (PNG, JPEG, TIFF), text, CSV, Word or Excel; at most %(limit)s.") % {
            "limit": filesizeformat(max_bytes())
        }
        # The browser may refuse a file past the limit before sending it (static/attachments/upload.js);
        # the server refuses it anyway, before reading it.
        field.widget.attrs.update({"accept": ",".join(accept), "data-max-bytes": str(max_bytes()),
                                   "data-too-large": too_large_message()})


class AttachmentRemoveForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for removing"), max_length=REASON_MAX)
