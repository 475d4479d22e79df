"""Meta-tests of ARCHITECTURE: every need-to-know model has a policy, a detail selector that answers
404 for the invisible and writes a consultation event when the record holds personal data."""

from __future__ import annotations

import importlib
import uuid

import pytest

from kssp.core.exceptions import NotFound
from kssp.core.models import AuditEvent, ProtectedRecord
from kssp.core.policy import ProtectedRecordPolicy, registered_policies

PEOPLE = ["kp_investigator", "customs", "kp_ffp", "prosecutor", "qkmk", "aki"]


def protected_models():
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, ProtectedRecord)]


def test_every_protected_model_has_a_registered_need_to_know_policy():
    policies = registered_policies()
    for model in protected_models():
        assert model in policies, f"{model.__name__} has no registered policy"
        assert isinstance(policies[model], ProtectedRecordPolicy)


@pytest.mark.django_db
@pytest.mark.parametrize("model", protected_models(), ids=lambda m: m._meta.label)
def test_detail_selector_logs_consultation_for_personal_data_and_hides_the_rest(world, model):
    app = model._meta.app_config.name
    name = model._meta.model_name
    selectors = importlib.import_module(f"{app}.selectors")
    getter = getattr(selectors, f"{name}_get_visible_to")
    factory = getattr(importlib.import_module(f"{app}.tests.factories"), f"{model.__name__}Factory")
    policy = registered_policies()[model]
    owner = next(getattr(world, p) for p in PEOPLE if getattr(world, p).actor.has_perm(policy.view_perm))
    record = factory(owner=owner, contains_personal_data=True)

    before = AuditEvent.objects.filter(category="consultation").count()
    getter(actor=owner.actor, public_id=record.public_id, purpose="meta-test")
    event = AuditEvent.objects.filter(category="consultation").order_by("-seq").first()
    assert AuditEvent.objects.filter(category="consultation").count() == before + 1
    assert event.target_public_id == record.public_id and event.purpose == "meta-test"

    outsider = next(getattr(world, p) for p in PEOPLE if not policy.can(getattr(world, p).actor, "view", record))
    with pytest.raises(NotFound):
        getter(actor=outsider.actor, public_id=record.public_id)
    with pytest.raises(NotFound):
        getter(actor=owner.actor, public_id=uuid.uuid4())
