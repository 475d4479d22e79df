"""Hit notices and grant changes notify the right people, and never show a title they may not see."""

from __future__ import annotations

from django.db.models import Q

from kssp.core.markings import Classification
from kssp.core.notifications.models import Notification
from kssp.core.search.hits import hit_check
from kssp.core.services.grants import grant_revoke

from .helpers import bulletin_model, make_record, share

INBOX = "/notifications/"


def recipients(kind):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def test_a_hit_notifies_the_owner_units_readers_once_and_not_the_searcher(world, django_capture_on_commit_callbacks):
    # given two KP bulletins of the NJKT unit (one above kp_low's clearance)
    make_record(world.kp_investigator, title="Rifles in Peja", classification=Classification.UNCLASSIFIED)
    make_record(world.kp_investigator, title="Rifles in Gjakova")
    # when customs checks, with a purpose
    with django_capture_on_commit_callbacks(execute=True):
        hits = hit_check(actor=world.customs.actor, model=bulletin_model(), match=Q(title__icontains="rifles"),
                         purpose="border check Merdare")
    # then the members of NJKT who may read bulletins are told, once for the check; nobody else is
    assert len(hits) == 1
    assert recipients("hit_notice") == {"kp_inv", "kp_low"}
    note = Notification.objects.filter(kind="hit_notice", recipient=world.kp_investigator.user).get()
    assert note.context["count"] == 2 and note.context["purpose"] == "border check Merdare"
    assert note.content_type_id is None  # two records: the notice links to the home page's hit notices
    assert note.recipient_unit_id == world.kp_investigator.membership.unit_id


def test_a_single_hit_links_the_record_only_for_who_may_see_it(world, django_capture_on_commit_callbacks):
    make_record(world.kp_investigator, title="Rifles in Peja", classification=Classification.RESTRICTED)
    with django_capture_on_commit_callbacks(execute=True):
        hit_check(actor=world.customs.actor, model=bulletin_model(), match=Q(title__icontains="rifles"), purpose="check")
    seer = world.kp_investigator.client().get(INBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Rifles in Peja" in seer
    # kp_low is in the same unit but cleared below the record: told of the check, not of the record
    low = world.kp_low_clearance.client().get(INBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "checked for records your unit holds" in low
    assert "Rifles in Peja" not in low


def test_a_check_that_is_rolled_back_notifies_nobody(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    make_record(world.kp_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                hit_check(actor=world.customs.actor, model=bulletin_model(), match=Q(title__icontains="rifles"), purpose="x")
                raise RuntimeError("later step failed")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()


def test_an_institution_grant_notifies_those_who_route_it_and_not_the_granter(world, django_capture_on_commit_callbacks):
    record = make_record(world.kp_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        share(record, world.kp_investigator, institution=world.customs.membership.unit.institution)
    # dk_inv (investigator: may read and share bulletins) is told; the granter is not
    assert recipients("grant_received") == {"dk_inv"}
    note = Notification.objects.get(kind="grant_received")
    assert note.target_public_id == record.public_id and note.recipient_institution_id == world.customs.membership.unit.institution_id
    html = world.customs.client().get(INBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert record.title in html  # the grantee may see it now


def test_an_institution_without_routers_tells_its_readers(world, django_capture_on_commit_callbacks):
    record = make_record(world.kp_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        share(record, world.kp_investigator, institution=world.prosecutor.membership.unit.institution)
    assert recipients("grant_received") == {"pros"}


def test_a_unit_grant_notifies_the_units_cleared_readers(world, django_capture_on_commit_callbacks):
    # given a CONFIDENTIAL bulletin of customs shared with KP's Prishtina centre station, where kp_off (cleared
    # only RESTRICTED) works
    record = make_record(world.customs, classification=Classification.CONFIDENTIAL)
    with django_capture_on_commit_callbacks(execute=True):
        share(record, world.customs, unit=world.kp_officer.membership.unit)
    assert recipients("grant_received") == set()
    # and an unclassified one reaches kp_off
    open_record = make_record(world.customs, classification=Classification.UNCLASSIFIED)
    with django_capture_on_commit_callbacks(execute=True):
        share(open_record, world.customs, unit=world.kp_officer.membership.unit)
    assert recipients("grant_received") == {"kp_off"}


def test_a_user_grant_notifies_that_user_only(world, django_capture_on_commit_callbacks):
    record = make_record(world.kp_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        share(record, world.kp_investigator, user=world.kp_investigator_other)
    assert recipients("grant_received") == {"kp_inv2"}
    note = Notification.objects.get(kind="grant_received")
    assert note.recipient_membership_id == world.kp_investigator_other.membership.pk


def test_revocation_notifies_the_grantee_without_naming_the_record(world, django_capture_on_commit_callbacks):
    record = make_record(world.kp_investigator, title="Operation Nightjar")
    with django_capture_on_commit_callbacks(execute=True):
        grant = share(record, world.kp_investigator, institution=world.customs.membership.unit.institution)
    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(actor=world.kp_investigator.actor, grant=grant, reason="operation over")
    assert recipients("grant_revoked") == {"dk_inv"}
    client = world.customs.client()
    html = client.get(INBOX, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # both notifications are there, and neither names nor links the record any more
    assert "Access revoked" in html and "Record shared with you" in html
    assert "Nightjar" not in html and str(record.public_id) not in html
    api = client.get("/api/v1/notifications/").json()["results"]
    assert all(item["record"] is None and item["record_hidden"] for item in api)
    assert "Nightjar" not in str(api)


def test_revoking_a_reshare_chain_notifies_each_grantee(world, django_capture_on_commit_callbacks):
    record = make_record(world.kp_investigator)
    with django_capture_on_commit_callbacks(execute=True):
        grant = share(record, world.kp_investigator, institution=world.customs.membership.unit.institution, may_reshare=True)
        share(record, world.customs, institution=world.prosecutor.membership.unit.institution)
    with django_capture_on_commit_callbacks(execute=True):
        grant_revoke(actor=world.kp_investigator.actor, grant=grant, reason="over")
    assert recipients("grant_revoked") == {"dk_inv", "pros"}
