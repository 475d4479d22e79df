from kssp.core.policy import ProtectedRecordPolicy, register_policy
from kssp.portal import permissions as perms
from kssp.portal.models import PublicSubmission


class PublicSubmissionPolicy(ProtectedRecordPolicy):
    """Need-to-know like every protected record: the receiving unit's scope, clearance, grants."""

    model = PublicSubmission
    view_perm = perms.REVIEW
    change_perm = perms.RESPOND
    share_perm = perms.RESPOND


public_submission_policy = register_policy(PublicSubmissionPolicy())
