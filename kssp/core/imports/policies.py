"""Who sees an import batch: only the person who uploaded it, acting for the same institution.

A batch holds a whole file of not-yet-validated data (possibly classified up to the uploader's
clearance), so colleagues do not see it; the records it creates are shared by their own policies.
Anyone else gets 404, exactly as for a missing batch. Promoting needs the import type's permission
as well; discarding one's own batch does not.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from kssp.core.imports.models import ImportBatch
from kssp.core.imports.registry import import_type
from kssp.core.policy import NOTHING, Actor, Policy, register_policy


class ImportBatchPolicy(Policy):
    model = ImportBatch
    actions = ("view", "promote", "resume", "discard")

    def visible_q(self, actor: Actor) -> Q:
        if not actor.is_authenticated:
            return NOTHING
        return Q(created_by_id=actor.user_id, owner_institution_id=actor.institution_id)

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        if not actor.is_authenticated:
            return False
        if obj.created_by_id != actor.user_id or obj.owner_institution_id != actor.institution_id:
            return False
        if action in ("view", "discard"):
            return True
        if action in ("promote", "resume"):
            spec = import_type(obj.import_type)
            return spec is not None and spec.may_use(actor)
        return False


import_batch_policy = register_policy(ImportBatchPolicy())
