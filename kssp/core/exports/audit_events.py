from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

register(
    "export.disclosed", _("Records exported to a file"), category="disclosure", free_text=True,
    description="Who exported what (record type, count, filters, record ids), in which format and designation, "
    "why (purpose) and for whom (recipient). Recorded before the file is produced. The payload (filters and "
    "search text, recipient) is encrypted with a key of its own (typed text may name a person).",
)
