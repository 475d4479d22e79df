from django.utils.translation import gettext_lazy as _

from kssp.core.permissions import register_permission as reg

VIEW = reg("retention.view", _("Read the retention classes and the review list"), group="retention")
PROPOSE = reg("retention.propose", _("Propose to delete or anonymise data under retention"), group="retention")
REVIEW = reg("retention.review", _("Approve or reject retention actions (data protection officer)"), group="retention")

ANY = (VIEW, PROPOSE, REVIEW)
