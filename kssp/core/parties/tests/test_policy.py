"""Need-to-know on the party index: the database face and the Python face of each policy agree
(ARCHITECTURE rule 3), for persons and for links (visible only when record and party both are)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kssp.core.markings import Classification
from kssp.core.models import Grant
from kssp.core.parties.models import PartyLink, Person, PersonDocument
from kssp.core.parties.policies import linkable_models, party_link_policy
from kssp.core.parties.tests.factories import PartyLinkFactory, PersonDocumentFactory, PersonFactory, VehicleFactory
from kssp.core.records.access import policy_of
from kssp.core.services.grants import grant_create

pytestmark = pytest.mark.django_db

PEOPLE = ["kp_investigator", "kp_investigator_other", "kp_officer", "kp_low_clearance", "kp_ffp", "customs",
          "aki", "inspector"]
OWNERS = ["kp_investigator", "kp_officer", "customs", "aki"]

party_st = st.fixed_dictionaries({"owner": st.sampled_from(OWNERS), "classification": st.sampled_from(Classification.values)})
link_st = st.tuples(st.integers(0, 5), st.integers(0, 5))
grant_st = st.tuples(st.integers(0, 5), st.sampled_from(["person", "vehicle"]), st.sampled_from(["KP", "DK", "PSRK"]))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(persons=st.lists(party_st, min_size=1, max_size=4), vehicles=st.lists(party_st, min_size=1, max_size=4),
       links=st.lists(link_st, max_size=6), grants=st.lists(grant_st, max_size=4))
def test_visible_q_and_can_agree_for_persons_documents_and_links(world, persons, vehicles, links, grants):
    Institution = apps.get_model("accounts", "Institution")

    with transaction.atomic():
        people = [PersonFactory(owner=getattr(world, p["owner"]), classification=p["classification"]) for p in persons]
        cars = [VehicleFactory(owner=getattr(world, v["owner"]), classification=v["classification"]) for v in vehicles]
        documents = [PersonDocumentFactory(person=p) for p in people]
        made = [PartyLinkFactory(record=cars[v % len(cars)], person=people[p % len(people)]) for v, p in links]
        for index, kind, code in grants:
            obj = people[index % len(people)] if kind == "person" else cars[index % len(cars)]
            institution = Institution.objects.get(code=code)
            if institution.pk != obj.owner_institution_id:
                Grant.objects.create(
                    content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk, grantee_type="institution",
                    grantee_institution=institution, reason="test",
                )
        for name in PEOPLE:
            actor = getattr(world, name).actor
            assert set(Person.objects.unscoped(reason="test").filter(policy_of(Person).visible_q(actor))) == {
                p for p in people if policy_of(Person).can(actor, "view", p)
            }, name
            assert set(PersonDocument.objects.unscoped(reason="test").filter(policy_of(PersonDocument).visible_q(actor))) == {
                d for d in documents if policy_of(PersonDocument).can(actor, "view", d)
            }, name
            assert set(PartyLink.objects.filter(party_link_policy.visible_q(actor))) == {
                link for link in made if party_link_policy.can(actor, "view", link)
            }, name
        transaction.set_rollback(True)


def test_a_link_needs_both_its_record_and_its_party_visible(world):
    kp_vehicle = VehicleFactory(owner=world.kp_investigator)
    customs_person = PersonFactory(owner=world.customs)
    link = PartyLinkFactory(record=kp_vehicle, person=customs_person)
    assert not party_link_policy.can(world.kp_investigator.actor, "view", link)
    assert not party_link_policy.can(world.customs.actor, "view", link)
    grant_create(actor=world.customs.actor, obj=customs_person, grantee_type="institution",
                 institution=world.kp_investigator.membership.unit.institution, reason="joint operation")
    assert party_link_policy.can(world.kp_investigator.actor, "view", link)
    assert party_link_policy.can(world.kp_investigator.actor, "remove", link)  # KP may change its own vehicle
    assert link in PartyLink.objects.filter(party_link_policy.visible_q(world.kp_investigator.actor))


def test_every_model_with_a_policy_can_carry_party_links():
    models = set(linkable_models())
    assert apps.get_model("parties", "Person") in models and apps.get_model("parties", "Vehicle") in models
    assert PartyLink not in models and PersonDocument not in models
