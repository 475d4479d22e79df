"""Numbers a record carries besides its own (issue #6 point 1): one per institution and scheme, unique
within each. A case file may be known to the police, the prosecution and the court by three numbers;
each institution's number is unique within its own numbering, never across institutions.

Which schemes a record type accepts is said by its declaration (``identifier_schemes``); the rows are
read and written only through ``kssp.core.services.identifiers`` and ``kssp.core.selectors``, which
check the record's own policy (an identifier is as visible as its record).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from kssp.core.models.base import PublicIdModel


def identifier_key(value: str) -> str:
    """The form a number is compared in: upper case, without spaces, dots, dashes or slashes, so that
    "PPN 12/2026", "ppn-12-2026" and "PPN12/2026" are one number."""
    return "".join(ch for ch in str(value or "").upper() if ch.isalnum())


class RecordIdentifier(PublicIdModel):
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("institution")
    )
    scheme = models.CharField(_("numbering scheme"), max_length=40)
    value = models.CharField(_("number"), max_length=80)
    value_key = models.CharField(max_length=80, db_index=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("record identifier")
        verbose_name_plural = _("record identifiers")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "scheme", "value_key"], name="core_identifier_unique_per_institution_scheme"
            ),
            models.UniqueConstraint(
                fields=["content_type", "object_id", "institution", "scheme"], name="core_identifier_one_per_record_scheme"
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="core_identifier_record")]

    def __str__(self) -> str:
        return self.value
