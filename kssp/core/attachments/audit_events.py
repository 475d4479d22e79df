from django.utils.translation import gettext_lazy as _

from kssp.core.audit import register

# Payloads name the file and its description, which may hold personal data: encrypted per record, so
# that retention can erase them by crypto-shredding with the record.
register("attachment.added", _("File attached"), personal_data=True)
register("attachment.removed", _("Attachment removed"), personal_data=True, reason_required=True)
register("attachment.consulted", _("Attachment of a record with personal data downloaded"), category="consultation")
