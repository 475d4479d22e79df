"""The two audited ways across the need-to-know wall, and no others (issue #2 point 4).

1. ``hit_check``: an existence-only notice. The searcher learns "possible match held by unit X; the
   owner has been notified" and nothing of the content; the owner's unit gets a ``HitNotice`` naming
   who searched and why. Records of the Intelligence Agency never answer (users-review point 4).
2. ``aggregate_counts``: counts across institutions, with cells under the threshold (5) suppressed for
   anyone but the owner, i.e. unless every record in the cell belongs to the actor's institution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.models.notices import HitNotice
from kssp.core.notifications import hooks as notifications
from kssp.core.policy import INTELLIGENCE_KIND, Actor, policy_for
from kssp.core.selectors import records_across_the_wall

HITS_CHECK = "hits.check"
STATS_AGGREGATE = "stats.aggregate"


@dataclass(frozen=True)
class Hit:
    institution: str
    unit: str


@transaction.atomic
def hit_check(*, actor: Actor, model: type[Any], match: Q, purpose: str) -> list[Hit]:
    """Tell the actor which units hold matching records the actor cannot see, and notify those units."""
    if not actor.is_authenticated or not actor.has_perm(HITS_CHECK):
        raise PermissionDenied()
    if actor.institution_kind == INTELLIGENCE_KIND:
        # The Intelligence Agency has no search into other tenants, not even existence-only
        # (users-review point 4); it receives records only by dissemination.
        raise PermissionDenied()
    if not (purpose or "").strip():
        raise ApplicationError(_("The check was not run."), fields={"purpose": [_("Give the purpose of the check.")]})
    policy = policy_for(model)
    hidden = (
        records_across_the_wall(model, exception="hit check")
        .filter(match)
        .exclude(policy.visible_q(actor))
        .exclude(owner_institution__kind=INTELLIGENCE_KIND)
        .select_related("owner_institution", "owner_unit")
    )
    ct = ContentType.objects.get_for_model(model)
    hits: dict[int, Hit] = {}
    ids = actor.ids
    notices = []
    for record in hidden[:50]:
        notices.append(HitNotice.objects.create(
            content_type=ct, object_id=record.pk, owner_institution_id=record.owner_institution_id,
            owner_unit_id=record.owner_unit_id, searcher_id=ids.user_id, searcher_institution_id=ids.institution_id,
            searcher_unit_id=ids.unit_id, purpose=purpose.strip()[:300],
        ))
        audit_record(actor=actor, event="hit_notice.created", target=record, purpose=purpose.strip())
        hits.setdefault(record.owner_unit_id, Hit(institution=str(record.owner_institution), unit=str(record.owner_unit)))
    notifications.hit_notices_created(notices)  # the owner units' members are told, after the commit
    return list(hits.values())


@dataclass(frozen=True)
class Cell:
    key: Any
    count: int | None  # None: suppressed

    @property
    def suppressed(self) -> bool:
        return self.count is None


@transaction.atomic
def aggregate_counts(*, actor: Actor, model: type[Any], group_by: str, where: Q | None = None) -> list[Cell]:
    """Count every record of ``model`` by ``group_by`` across institutions, small cells suppressed."""
    if not actor.is_authenticated or not actor.has_perm(STATS_AGGREGATE):
        raise PermissionDenied()
    threshold = settings.KSSP["SMALL_CELL_THRESHOLD"]
    qs = records_across_the_wall(model, exception="aggregate statistics").filter(where or Q())
    rows = (
        qs.values(group_by)
        .annotate(total=Count("pk"), own=Count("pk", filter=Q(owner_institution_id=actor.institution_id)))
        .order_by(group_by)
    )
    cells = [
        Cell(key=row[group_by], count=row["total"] if row["total"] >= threshold or row["own"] == row["total"] else None)
        for row in rows
    ]
    audit_record(
        actor=actor, event="stats.aggregate_viewed",
        extra={"model": model._meta.label_lower, "group_by": group_by, "cells": len(cells),
               "suppressed": sum(1 for c in cells if c.suppressed)},
    )
    return cells
