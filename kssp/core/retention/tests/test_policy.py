"""The review policy's two faces agree, over every kind of reader and every kind of owner."""

from __future__ import annotations

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from kssp.core.retention.models import RetentionReview
from kssp.core.retention.policies import retention_review_policy


def review(owner_code, key):
    institution = apps.get_model("accounts", "Institution").objects.get(code=owner_code) if owner_code else None
    return RetentionReview.objects.create(
        content_type=ContentType.objects.get_for_model(RetentionReview), object_id=key, model_label="retention.retentionreview",
        target_label=f"#{key}", owner_institution=institution, class_code="bulletins", source="request",
        due_on=timezone.localdate(), proposed_action="review", proposed_at=timezone.now(),
    )


def test_visible_q_and_can_agree(world, person):
    readers = {
        "kp_dpo": world.kp_dpo, "dk_dpo": person("dk_dpo", role="dpo", institution="DK"),
        "aki_dpo": person("aki_dpo", role="dpo", institution="AKI"), "inspector": world.inspector,
        "kp_auditor": world.kp_auditor, "kp_investigator": world.kp_investigator,
    }
    reviews = {code or "platform": review(code, key) for key, code in enumerate(("KP", "DK", "AKI", None), start=1)}
    expected = {
        "kp_dpo": {"KP", "platform"}, "dk_dpo": {"DK", "platform"}, "aki_dpo": {"AKI", "platform"},
        "inspector": {"KP", "DK", "platform"}, "kp_auditor": {"KP", "platform"}, "kp_investigator": set(),
    }
    for name, reader in readers.items():
        actor = reader.actor
        by_query = set(RetentionReview.objects.filter(retention_review_policy.visible_q(actor)).values_list("pk", flat=True))
        for owner, obj in reviews.items():
            assert (obj.pk in by_query) == retention_review_policy.can(actor, "view", obj), (name, owner)
        assert {owner for owner, obj in reviews.items() if obj.pk in by_query} == expected[name], name
    assert retention_review_policy.can(world.kp_dpo.actor, "decide", reviews["KP"])
    assert not retention_review_policy.can(world.kp_auditor.actor, "decide", reviews["KP"])
    assert not retention_review_policy.can(world.inspector.actor, "execute", reviews["KP"])
