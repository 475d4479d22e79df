"""The DPO's retention pages: the review list with the table of classes, and decisions on one review."""

from __future__ import annotations

import re

from django.apps import apps

from kssp.core.models.audit import AuditEvent
from kssp.core.retention.models import RetentionReview, ReviewStatus
from kssp.core.retention.services import retention_review_propose, retention_sweep

from .helpers import years_ago

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def flagged(world, make_bulletin, owner=None, **extra):
    bulletin = make_bulletin(owner or world.kp_investigator, created_at=years_ago(6), **extra)
    retention_sweep()
    return RetentionReview.objects.get(object_id=bulletin.pk, model_label="bulletins.bulletin"), bulletin


def test_the_dpo_page_shows_the_review_list_and_the_table_of_classes(world, make_bulletin):
    review, bulletin = flagged(world, make_bulletin, title="Qerim Krasniqi at Jarinje")
    flagged(world, make_bulletin, owner=world.customs)
    response = world.kp_dpo.client().get("/retention/", **EN)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Bulletin {bulletin.number}" in body and "Qerim" not in body
    assert body.count('href="/retention/reviews/') == 1  # not the customs review
    assert "Firearm identification data" in body and "30 years after destruction, then delete" in body
    assert "Persons linked only as acquitted suspects" in body and "Rule: Persons linked only as acquitted suspects" in body
    assert not INLINE_SCRIPT.search(body) and " style=" not in body


def test_the_review_list_filters_and_answers_htmx_with_the_results_only(world, make_bulletin):
    flagged(world, make_bulletin)
    client = world.kp_dpo.client()
    assert "1 record" in client.get("/retention/", {"state": "proposed"}, **EN).content.decode()
    assert "0 records" in client.get("/retention/", {"state": "executed"}, **EN).content.decode()
    fragment = client.get("/retention/", {"state": "open"}, HTTP_HX_REQUEST="true", **EN).content.decode()
    assert "<html" not in fragment and "1 record" in fragment
    assert client.get("/retention/", {"due_before": "not a date"}).status_code == 200  # a bad filter is a form error


def test_who_may_open_the_pages(world, make_bulletin):
    review, _ = flagged(world, make_bulletin)
    assert world.kp_investigator.client().get("/retention/").status_code == 403
    assert world.kp_auditor.client().get("/retention/").status_code == 200  # retention.view
    assert world.inspector.client().get(f"/retention/reviews/{review.public_id}/").status_code == 200  # national reader
    customs_review, _ = flagged(world, make_bulletin, owner=world.customs)
    assert world.kp_dpo.client().get(f"/retention/reviews/{customs_review.public_id}/").status_code == 404


def test_the_dpo_keeps_the_data_with_a_reason(world, make_bulletin):
    review, _ = flagged(world, make_bulletin)
    client = world.kp_dpo.client()
    page = client.get(f"/retention/reviews/{review.public_id}/", **EN).content.decode()
    assert "Keep the data" in page and "Propose to delete or anonymise" in page and "Approve:" not in page

    refused = client.post(f"/retention/reviews/{review.public_id}/decide/", {"decision": "reject", "reason": ""}, **EN)
    assert refused.status_code == 400 and "Give the reason." in refused.content.decode()
    kept = client.post(f"/retention/reviews/{review.public_id}/decide/", {"decision": "reject", "reason": "Case still open"})
    assert kept.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.REJECTED and review.decision_reason == "Case still open"


def test_four_eyes_on_the_page(world, make_bulletin, person):
    review, bulletin = flagged(world, make_bulletin)
    client = world.kp_dpo.client()
    proposed = client.post(f"/retention/reviews/{review.public_id}/propose/", {"action": "delete", "reason": "Not needed"})
    assert proposed.status_code == 302

    page = client.get(f"/retention/reviews/{review.public_id}/", **EN).content.decode()
    assert "You proposed this action: another data protection officer must approve it." in page
    refused = client.post(f"/retention/reviews/{review.public_id}/decide/", {"decision": "approve", "reason": "ok"}, **EN)
    assert refused.status_code == 400 and "four-eyes rule" in refused.content.decode()

    deputy = person("kp_dpo2", role="dpo").client()
    assert deputy.post(f"/retention/reviews/{review.public_id}/decide/", {"decision": "approve", "reason": "ok"}).status_code == 302
    done = deputy.post(f"/retention/reviews/{review.public_id}/execute/")
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.EXECUTED
    assert not apps.get_model("bulletins", "Bulletin").objects.unscoped(reason="test").filter(pk=bulletin.pk).exists()


def test_carrying_out_an_unapproved_action_is_refused_on_the_page_and_nothing_changes(world, make_bulletin):
    review, bulletin = flagged(world, make_bulletin)
    retention_review_propose(actor=world.kp_dpo.actor, review=review, action="delete", reason="erase")
    before = AuditEvent.objects.count()
    response = world.kp_dpo.client().post(f"/retention/reviews/{review.public_id}/execute/", **EN)
    assert response.status_code == 400
    assert "This retention action has no approval by a data protection officer: nothing was changed." in response.content.decode()
    assert apps.get_model("bulletins", "Bulletin").objects.unscoped(reason="test").filter(pk=bulletin.pk).exists()
    review.refresh_from_db()
    assert review.status == ReviewStatus.PROPOSED and AuditEvent.objects.count() == before


def test_only_a_dpo_may_decide_on_the_page(world, make_bulletin):
    review, _ = flagged(world, make_bulletin)
    response = world.kp_auditor.client().post(f"/retention/reviews/{review.public_id}/decide/", {"decision": "reject", "reason": "x"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == ReviewStatus.PROPOSED
