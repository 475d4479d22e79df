from django.db import models
from django.utils.translation import gettext_lazy as _


class BulletinKind(models.TextChoices):
    LOOKOUT = "lookout", _("Lookout")
    NOTICE = "notice", _("Notice")
    ALERT = "alert", _("Alert")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    BulletinStatus.DRAFT: frozenset({BulletinStatus.ISSUED, BulletinStatus.WITHDRAWN}),
    BulletinStatus.ISSUED: frozenset({BulletinStatus.WITHDRAWN}),
    BulletinStatus.WITHDRAWN: frozenset(),
}
