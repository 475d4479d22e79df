"""Need-to-know: classification × scope × grant → see / change / share (issue #2 point 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kssp.bulletins.models import Bulletin
from kssp.bulletins.tests.factories import BulletinFactory
from kssp.core.markings import Classification, HandlingCode
from kssp.core.models import Grant
from kssp.core.records.access import policy_of
from kssp.core.services.grants import grant_create, grant_revoke

pytestmark = pytest.mark.django_db


def visible(person):
    return set(Bulletin.objects.unscoped(reason="test").filter(policy_of(Bulletin).visible_q(person.actor)).values_list("pk", flat=True))


def test_owner_unit_sees_other_institution_does_not(world):
    b = BulletinFactory(owner=world.kp_investigator)
    assert b.pk in visible(world.kp_investigator)
    assert b.pk not in visible(world.customs)
    assert not policy_of(Bulletin).can(world.customs.actor, "view", b)


def test_scope_own_unit_vs_subtree_vs_institution_vs_national(world):
    b = BulletinFactory(owner=world.kp_investigator)  # KP / NJKT
    assert b.pk not in visible(world.kp_investigator_other)  # KP / NJKK, unit_subtree scope elsewhere
    assert b.pk in visible(world.kp_ffp)  # national scope
    assert b.pk not in visible(world.kp_officer)  # own unit only


def test_clearance_must_reach_classification(world):
    secret = BulletinFactory(owner=world.kp_investigator, classification=Classification.SECRET)
    assert secret.pk not in visible(world.kp_low_clearance)
    assert secret.pk in visible(world.kp_investigator)


def test_expired_clearance_counts_as_none(world):
    from kssp.accounts.models import Clearance

    Clearance.objects.filter(user=world.kp_investigator.user).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    b = BulletinFactory(owner=world.kp_investigator, classification=Classification.RESTRICTED)
    assert b.pk not in visible(world.kp_investigator)


def test_intelligence_agency_records_stay_out_of_national_scope(world):
    aki_record = BulletinFactory(owner=world.aki)
    assert aki_record.pk not in visible(world.kp_ffp)
    kp_record = BulletinFactory(owner=world.kp_investigator)
    assert kp_record.pk not in visible(world.aki)


def test_grant_to_institution_shows_and_revocation_hides(world):
    b = BulletinFactory(owner=world.kp_investigator)
    kp = world.kp_investigator.actor
    grant = grant_create(
        actor=kp, obj=b, grantee_type="institution", institution=world.customs.membership.unit.institution, reason="joint op"
    )
    assert b.pk in visible(world.customs)
    assert policy_of(Bulletin).can(world.customs.actor, "view", b)
    assert not policy_of(Bulletin).can(world.customs.actor, "change", b)
    grant_revoke(actor=kp, grant=grant, reason="operation over")
    assert b.pk not in visible(world.customs)


def test_grant_to_unit_covers_its_subunits_only(world):
    from kssp.accounts.models import Unit

    b = BulletinFactory(owner=world.customs)
    dht = Unit.objects.get(institution__code="KP", code="DHT")  # parent of NJKT and NJKK
    grant_create(actor=world.customs.actor, obj=b, grantee_type="unit", unit=dht, reason="investigations")
    assert b.pk in visible(world.kp_investigator)
    assert b.pk in visible(world.kp_investigator_other)
    assert b.pk not in visible(world.kp_officer)


def test_named_user_grant_follows_the_person_only_in_that_institution(world):
    b = BulletinFactory(owner=world.kp_investigator)
    prosecutor = world.prosecutor
    grant_create(
        actor=world.kp_investigator.actor,
        obj=b,
        grantee_type="user",
        user=prosecutor.user,
        institution=prosecutor.membership.unit.institution,
        reason="case referral",
        kind=Grant.Kind.ASSIGNMENT,
    )
    assert b.pk in visible(prosecutor)
    assert b.pk not in visible(world.customs)

    # The same person also works for Customs: acting as that membership, the grant does not follow.
    from kssp.accounts.actor import actor_for
    from kssp.accounts.models import Membership, Role, Unit

    customs_membership = Membership.objects.create(
        user=prosecutor.user, unit=Unit.objects.get(institution__code="DK", code="ZL"),
        role=Role.objects.get(code="investigator"), valid_from=timezone.localdate() - dt.timedelta(days=1),
    )
    as_customs = actor_for(prosecutor.user, customs_membership)
    assert as_customs.is_authenticated and as_customs.has_perm("bulletins.view")
    assert as_customs.user_id == prosecutor.user.pk and as_customs.institution_id != prosecutor.actor.institution_id
    assert b.pk not in set(Bulletin.objects.visible_to(as_customs).values_list("pk", flat=True))
    assert not policy_of(Bulletin).can(as_customs, "view", b)
    # ...while the prosecutor's own membership still sees it (the refusal is the institution's, not the user's).
    assert policy_of(Bulletin).can(prosecutor.actor, "view", b)


def test_expired_grant_gives_nothing(world):
    b = BulletinFactory(owner=world.kp_investigator)
    grant = grant_create(
        actor=world.kp_investigator.actor,
        obj=b,
        grantee_type="institution",
        institution=world.customs.membership.unit.institution,
        reason="24h",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    Grant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert b.pk not in visible(world.customs)


def test_reshare_needs_may_reshare_and_no_blocking_handling_code(world):
    customs_inst = world.customs.membership.unit.institution
    pros_inst = world.prosecutor.membership.unit.institution
    b = BulletinFactory(owner=world.kp_investigator)
    grant_create(actor=world.kp_investigator.actor, obj=b, grantee_type="institution", institution=customs_inst, reason="x")
    assert not policy_of(Bulletin).can(world.customs.actor, "share", b)

    b2 = BulletinFactory(owner=world.kp_investigator)
    grant_create(
        actor=world.kp_investigator.actor, obj=b2, grantee_type="institution", institution=customs_inst, reason="x", may_reshare=True
    )
    assert policy_of(Bulletin).can(world.customs.actor, "share", b2)
    grant_create(actor=world.customs.actor, obj=b2, grantee_type="institution", institution=pros_inst, reason="onward")
    assert b2.pk in visible(world.prosecutor)

    b3 = BulletinFactory(owner=world.kp_investigator, handling_code=HandlingCode.H1)
    grant_create(
        actor=world.kp_investigator.actor, obj=b3, grantee_type="institution", institution=customs_inst, reason="x", may_reshare=True
    )
    assert not policy_of(Bulletin).can(world.customs.actor, "share", b3)


def test_revoking_a_grant_revokes_the_reshares_made_under_it(world):
    customs_inst = world.customs.membership.unit.institution
    pros_inst = world.prosecutor.membership.unit.institution
    b = BulletinFactory(owner=world.kp_investigator)
    g1 = grant_create(
        actor=world.kp_investigator.actor, obj=b, grantee_type="institution", institution=customs_inst, reason="x", may_reshare=True
    )
    grant_create(actor=world.customs.actor, obj=b, grantee_type="institution", institution=pros_inst, reason="onward")
    grant_revoke(actor=world.kp_investigator.actor, grant=g1, reason="stop")
    assert b.pk not in visible(world.prosecutor)
    assert b.pk not in visible(world.customs)


# --- the two faces agree ---------------------------------------------------------------------

PEOPLE = [
    "kp_investigator",
    "kp_investigator_other",
    "kp_officer",
    "kp_low_clearance",
    "kp_ffp",
    "customs",
    "prosecutor",
    "aki",
    "kp_auditor",
    "qkmk",
]
OWNERS = ["kp_investigator", "kp_investigator_other", "kp_officer", "customs", "aki", "qkmk"]

record_st = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(OWNERS),
        "classification": st.sampled_from(Classification.values),
        "handling": st.sampled_from(["", *HandlingCode.values]),
    }
)
grant_st = st.fixed_dictionaries(
    {
        "record": st.integers(min_value=0, max_value=5),
        "to": st.sampled_from(["institution", "unit", "user"]),
        "who": st.sampled_from(PEOPLE),
        "state": st.sampled_from(["active", "expired", "revoked", "future_expiry"]),
        "reshare": st.booleans(),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(records=st.lists(record_st, min_size=1, max_size=6), grants=st.lists(grant_st, max_size=8))
def test_visible_q_and_can_agree(world, records, grants):
    """For any records and grants (active, expired, revoked), the database face and the Python face
    of the policy give the same answer for every actor and action 'view'."""
    from django.contrib.contenttypes.models import ContentType

    with transaction.atomic():
        objs = [
            BulletinFactory(owner=getattr(world, r["owner"]), classification=r["classification"], handling_code=r["handling"])
            for r in records
        ]
        ct = ContentType.objects.get_for_model(Bulletin)
        now = timezone.now()
        for g in grants:
            obj = objs[g["record"] % len(objs)]
            person = getattr(world, g["who"])
            unit = person.membership.unit
            Grant.objects.create(
                content_type=ct,
                object_id=obj.pk,
                grantee_type=g["to"],
                grantee_institution=unit.institution,
                grantee_unit=unit if g["to"] == "unit" else None,
                grantee_user=person.user if g["to"] == "user" else None,
                reason="property test",
                may_reshare=g["reshare"],
                expires_at={"expired": now - dt.timedelta(hours=1), "future_expiry": now + dt.timedelta(days=1)}.get(g["state"]),
                revoked_at=now if g["state"] == "revoked" else None,
            )
        for name in PEOPLE:
            actor = getattr(world, name).actor
            by_db = set(Bulletin.objects.unscoped(reason="test").filter(policy_of(Bulletin).visible_q(actor)).values_list("pk", flat=True))
            by_py = {o.pk for o in objs if policy_of(Bulletin).can(actor, "view", o)}
            assert by_db & {o.pk for o in objs} == by_py, name
        transaction.set_rollback(True)
