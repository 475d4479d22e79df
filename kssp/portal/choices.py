from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionTopic(models.TextChoices):
    GENERAL = "general", _("A question for the institutions")
    SAFETY = "safety", _("A safety concern where I live")
    WEAPONS = "weapons", _("Weapons, ammunition or explosives")
    ONLINE = "online", _("Online fraud or another cyber problem")
    FEEDBACK = "feedback", _("Feedback on a service")
    OTHER = "other", _("Something else")


class SubmissionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("Being reviewed")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    SubmissionStatus.RECEIVED: frozenset({SubmissionStatus.IN_REVIEW, SubmissionStatus.ANSWERED, SubmissionStatus.CLOSED}),
    SubmissionStatus.IN_REVIEW: frozenset({SubmissionStatus.ANSWERED, SubmissionStatus.CLOSED}),
    SubmissionStatus.ANSWERED: frozenset({SubmissionStatus.IN_REVIEW, SubmissionStatus.CLOSED}),
    SubmissionStatus.CLOSED: frozenset(),
}

MESSAGE_MAX = 5000
CONTACT_MAX = 200
REPLY_MAX = 5000
