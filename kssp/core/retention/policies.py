"""Who sees which retention review: the DPO (and readers holding ``retention.view``) of the institution
that owns the record; platform records without an owner go to every DPO; a national reader (the
Information and Privacy Agency) sees every institution's reviews except the Intelligence Agency's."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kssp.core.policy import INTELLIGENCE_KIND, NOTHING, Actor, Policy, Scope, register_policy
from kssp.core.retention import permissions as perms
from kssp.core.retention.models import RetentionReview

ACTION_PERMISSIONS = {"view": perms.ANY, "propose": (perms.PROPOSE,), "decide": (perms.REVIEW,), "execute": (perms.REVIEW,)}


class RetentionReviewPolicy(Policy):
    model = RetentionReview
    actions = ("view", "propose", "decide", "execute")

    def _may(self, actor: Actor, action: str) -> bool:
        return actor.is_authenticated and any(actor.has_perm(code) for code in ACTION_PERMISSIONS[action])

    def visible_q(self, actor: Actor) -> Q:
        if not self._may(actor, "view"):
            return NOTHING
        if actor.effective_scope == Scope.NATIONAL:
            return (
                Q(owner_institution__isnull=True)
                | ~Q(owner_institution__kind=INTELLIGENCE_KIND)
                | Q(owner_institution_id=actor.institution_id)
            )
        return Q(owner_institution__isnull=True) | Q(owner_institution_id=actor.institution_id)

    def in_scope(self, actor: Actor, obj: Any) -> bool:
        if obj.owner_institution_id is None or obj.owner_institution_id == actor.institution_id:
            return True
        return actor.effective_scope == Scope.NATIONAL and obj.owner_institution.kind != INTELLIGENCE_KIND

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        if action not in ACTION_PERMISSIONS or not self._may(actor, "view") or not self._may(actor, action):
            return False
        return self.in_scope(actor, obj)


retention_review_policy = register_policy(RetentionReviewPolicy())
