"""Need-to-know on the party index: persons, organisations and vehicles are protected records (scope,
clearance, grants); documents follow their person; a link is visible when both its party and the record
it hangs on are."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from kssp.core.parties import permissions as perms
from kssp.core.parties.models import Organisation, PartyLink, Person, Vehicle
from kssp.core.policy import NOTHING, Actor, Policy, policy_for, register_policy


def _policy(model: type[Any]) -> Any:
    from kssp.core.records import declaration_for

    declaration = declaration_for(model)
    assert declaration is not None, model
    return declaration.policy


def linkable_models() -> list[type[Any]]:
    """The records parties can be linked to: every need-to-know record (``ProtectedRecord``) with a
    registered policy, of any module (a person, a vehicle, a bulletin, a case file…)."""
    from kssp.core.records.access import record_types

    return [rt.model for rt in record_types().values() if rt.linkable]


class PartyLinkPolicy(Policy):
    model = PartyLink
    actions = ("view", "remove")

    def party_q(self, actor: Actor) -> Q:
        return (
            Q(person__in=Person.objects.visible_to(actor).values("pk"))
            | Q(organisation__in=Organisation.objects.visible_to(actor).values("pk"))
            | Q(vehicle__in=Vehicle.objects.visible_to(actor).values("pk"))
        )

    def record_q(self, actor: Actor) -> Q:
        q = NOTHING
        models = linkable_models()
        content_types = ContentType.objects.get_for_models(*models)  # one query at most, then cached
        for model in models:
            visible = model._default_manager.visible_to(actor).values("pk")
            q |= Q(content_type=content_types[model], object_id__in=visible)
        return q

    def visible_q(self, actor: Actor) -> Q:
        if not actor.is_authenticated or not actor.has_perm(perms.VIEW):
            return NOTHING
        return self.party_q(actor) & self.record_q(actor)

    def record_of(self, link: PartyLink) -> Any:
        model = link.content_type.model_class()
        if model is None:
            return None
        return model._base_manager.filter(pk=link.object_id).first()

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        if not actor.is_authenticated or not actor.has_perm(perms.VIEW):
            return False
        party = obj.party
        if not policy_for(type(party)).can(actor, "view", party):
            return False
        record = self.record_of(obj)
        if record is None or type(record) not in linkable_models():
            return False
        record_policy = policy_for(type(record))
        if not record_policy.can(actor, "view", record):
            return False
        if action == "view":
            return True
        if action == "remove":
            return actor.has_perm(perms.CHANGE) and record_policy.can(actor, "change", record)
        return False


party_link_policy = PartyLinkPolicy()
register_policy(party_link_policy)
