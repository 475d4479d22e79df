"""Grant bad input (issue #2 bad-input list): to oneself, beyond one's own access, above a grantee's
clearance, into the Intelligence Agency without a dissemination basis. Each is a field error, audited
nothing, wrote nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core.audit import payload_for
from kssp.core.audit.testing import reason_of
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models import AuditEvent, Grant
from kssp.core.services.grants import grant_create, grant_revoke, grants_for

pytestmark = pytest.mark.django_db


def institution(person):
    return person.membership.unit.institution


def refused(call, field):
    before_grants, before_events = Grant.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as info:
        call()
    assert field in info.value.fields, info.value.fields
    assert (Grant.objects.count(), AuditEvent.objects.count()) == (before_grants, before_events)
    return info.value


def test_grant_is_audited_with_reason(world):
    b = BulletinFactory(owner=world.kp_investigator)
    grant_create(
        actor=world.kp_investigator.actor, obj=b, grantee_type="institution", institution=institution(world.customs), reason="joint op"
    )
    event = AuditEvent.objects.get(event_type="grant.created")
    assert reason_of(event) == "joint op" and event.target_public_id == b.public_id
    assert payload_for(event)["after"]["grantee_institution"] == "DK"


def test_grant_to_oneself_is_refused(world):
    b = BulletinFactory(owner=world.kp_investigator)
    err = refused(
        lambda: grant_create(
            actor=world.kp_investigator.actor,
            obj=b,
            grantee_type="user",
            user=world.kp_investigator.user,
            institution=institution(world.kp_investigator),
            reason="x",
        ),
        "user",
    )
    assert "yourself" in str(err.fields["user"][0])


def test_grant_to_the_owning_institution_is_refused(world):
    b = BulletinFactory(owner=world.kp_investigator)
    refused(
        lambda: grant_create(
            actor=world.kp_investigator.actor, obj=b, grantee_type="institution", institution=institution(world.kp_investigator), reason="x"
        ),
        "institution",
    )


def test_reason_is_required(world):
    b = BulletinFactory(owner=world.kp_investigator)
    refused(
        lambda: grant_create(
            actor=world.kp_investigator.actor, obj=b, grantee_type="institution", institution=institution(world.customs), reason="  "
        ),
        "reason",
    )


def test_expiry_in_the_past_is_refused(world):
    b = BulletinFactory(owner=world.kp_investigator)
    refused(
        lambda: grant_create(
            actor=world.kp_investigator.actor,
            obj=b,
            grantee_type="institution",
            institution=institution(world.customs),
            reason="x",
            expires_at=timezone.now() - dt.timedelta(minutes=1),
        ),
        "expires_at",
    )


def test_named_user_below_the_classification_is_refused(world):
    b = BulletinFactory(owner=world.kp_investigator, classification=Classification.SECRET)
    refused(
        lambda: grant_create(
            actor=world.kp_investigator.actor,
            obj=b,
            grantee_type="user",
            user=world.kp_low_clearance.user,
            institution=institution(world.kp_low_clearance),
            reason="x",
        ),
        "user",
    )


def test_named_user_without_membership_in_that_institution_is_refused(world):
    b = BulletinFactory(owner=world.kp_investigator)
    refused(
        lambda: grant_create(
            actor=world.kp_investigator.actor,
            obj=b,
            grantee_type="user",
            user=world.prosecutor.user,
            institution=institution(world.customs),
            reason="x",
        ),
        "user",
    )


def test_reshare_cannot_outlast_or_widen_ones_own_access(world):
    b = BulletinFactory(owner=world.kp_investigator)
    limit = timezone.now() + dt.timedelta(days=2)
    grant_create(
        actor=world.kp_investigator.actor,
        obj=b,
        grantee_type="institution",
        institution=institution(world.customs),
        reason="x",
        may_reshare=True,
        expires_at=limit,
    )
    refused(
        lambda: grant_create(
            actor=world.customs.actor, obj=b, grantee_type="institution", institution=institution(world.prosecutor), reason="onward"
        ),
        "expires_at",
    )
    refused(
        lambda: grant_create(
            actor=world.customs.actor,
            obj=b,
            grantee_type="institution",
            institution=institution(world.prosecutor),
            reason="onward",
            expires_at=limit + dt.timedelta(days=1),
        ),
        "expires_at",
    )


def test_reshare_may_not_allow_further_sharing_unless_allowed(world):
    b = BulletinFactory(owner=world.kp_investigator)
    grant_create(
        actor=world.kp_investigator.actor,
        obj=b,
        grantee_type="institution",
        institution=institution(world.customs),
        reason="x",
        may_reshare=True,
    )
    g = grant_create(
        actor=world.customs.actor,
        obj=b,
        grantee_type="institution",
        institution=institution(world.prosecutor),
        reason="onward",
        may_reshare=True,
    )
    assert g.parent is not None


def test_actor_who_cannot_see_gets_not_found_and_one_who_cannot_share_gets_denied(world):
    b = BulletinFactory(owner=world.kp_investigator)
    with pytest.raises(NotFound):
        grant_create(actor=world.customs.actor, obj=b, grantee_type="institution", institution=institution(world.prosecutor), reason="x")
    # The police officer sees own-unit records but holds no share permission.
    mine = BulletinFactory(owner=world.kp_officer)
    with pytest.raises(PermissionDenied):
        grant_create(actor=world.kp_officer.actor, obj=mine, grantee_type="institution", institution=institution(world.customs), reason="x")


def test_intelligence_agency_only_by_dissemination_with_legal_basis(world):
    b = BulletinFactory(owner=world.kp_investigator)
    aki = institution(world.aki)
    refused(lambda: grant_create(actor=world.kp_investigator.actor, obj=b, grantee_type="institution", institution=aki, reason="x"), "kind")
    refused(
        lambda: grant_create(
            actor=world.kp_investigator.actor, obj=b, grantee_type="institution", institution=aki, reason="x", kind=Grant.Kind.DISSEMINATION
        ),
        "legal_basis",
    )
    g = grant_create(
        actor=world.kp_investigator.actor,
        obj=b,
        grantee_type="institution",
        institution=aki,
        reason="threat",
        kind=Grant.Kind.DISSEMINATION,
        legal_basis="Law 03/L-063 Art. 3 [V]",
    )
    assert g.kind == "dissemination"


def test_revoke_needs_reason_and_rights(world):
    b = BulletinFactory(owner=world.kp_investigator)
    g = grant_create(
        actor=world.kp_investigator.actor, obj=b, grantee_type="institution", institution=institution(world.customs), reason="x"
    )
    refused(lambda: grant_revoke(actor=world.kp_investigator.actor, grant=g, reason=""), "reason")
    with pytest.raises(PermissionDenied):
        grant_revoke(actor=world.customs.actor, grant=g, reason="I want out")
    grant_revoke(actor=world.kp_investigator.actor, grant=g, reason="done")
    with pytest.raises(ApplicationError):
        grant_revoke(actor=world.kp_investigator.actor, grant=g, reason="again")


def test_grants_for_shows_the_owner_side_everything_and_a_grantee_nothing(world):
    b = BulletinFactory(owner=world.kp_investigator)
    grant_create(actor=world.kp_investigator.actor, obj=b, grantee_type="institution", institution=institution(world.customs), reason="x")
    assert len(grants_for(actor=world.kp_investigator.actor, obj=b)) == 1
    assert grants_for(actor=world.customs.actor, obj=b) == []
