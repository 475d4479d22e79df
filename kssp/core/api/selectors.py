"""Reads the kernel's API needs that ``kssp.core.selectors`` does not offer yet.

TODO(#2): move ``grant_list_visible_to``/``grant_get_visible_to`` to ``kssp.core.selectors`` once the
grant pages need them too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from kssp.core.exceptions import NotFound
from kssp.core.models.grants import Grant, ProtectedRecord
from kssp.core.policy import NOTHING, Actor, registered_policies


def _visible_records_q(actor: Actor) -> Q:
    """Grants whose record the actor can see now (for every registered protected-record model)."""
    q = NOTHING
    for model, policy in registered_policies().items():
        if not issubclass(model, ProtectedRecord):
            continue
        visible = model._default_manager.filter(policy.visible_q(actor)).values("pk")
        q |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=visible)
    return q


def grant_list_visible_to(*, actor: Actor) -> QuerySet[Grant]:
    """Grants the actor made (as the acting institution) or that name the actor, on records the actor
    can see. A grant on a record the actor can no longer see is not listed: listing it would say the
    record exists."""
    if not actor.is_authenticated:
        return Grant.objects.none()
    given = Q(granted_by_id=actor.user_id, granted_by_institution_id=actor.institution_id)
    received = Q(pk__in=Grant.objects.naming(actor).values("pk"))
    return (
        Grant.objects.filter(given | received)
        .filter(_visible_records_q(actor))
        .select_related("grantee_institution", "grantee_unit", "grantee_user", "granted_by")
        .order_by("-created_at", "-pk")
    )


def grant_get_visible_to(*, actor: Actor, public_id: Any) -> Grant:
    grant = grant_list_visible_to(actor=actor).filter(public_id=public_id).first()
    if grant is None:
        raise NotFound()
    return grant


def record_public_ids(grants: Iterable[Grant]) -> dict[tuple[int, int], Any]:
    """``{(content_type_id, object_id): public_id}`` for the grants' records, one query per type."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for grant in grants:
        wanted[grant.content_type_id].add(grant.object_id)
    out: dict[tuple[int, int], Any] = {}
    for ct_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None:
            continue
        for pk, public_id in model._default_manager.filter(pk__in=ids).values_list("pk", "public_id"):
            out[(ct_id, pk)] = public_id
    return out
