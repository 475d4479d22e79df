"""Factories for arranging tests only: rows written straight to the tables (the code under test always
goes through the services). ``owner`` is a person of the test world (kssp.accounts.testing.Person)."""

from __future__ import annotations

import factory
from django.contrib.contenttypes.models import ContentType

from kssp.core.markings import Classification
from kssp.core.parties import matching
from kssp.core.parties.models import Organisation, PartyLink, Person, PersonDocument, PlateFormat, Vehicle


class _Owned(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    class Params:
        owner = None

    owner_institution = factory.LazyAttribute(lambda o: o.owner.membership.unit.institution)
    owner_unit = factory.LazyAttribute(lambda o: o.owner.membership.unit)
    created_by = factory.LazyAttribute(lambda o: o.owner.user)
    classification = Classification.RESTRICTED


class PersonFactory(_Owned):
    class Meta:
        model = Person

    given_name = factory.Sequence(lambda n: ["Xhemajl", "Arben", "Dragan", "Vjosa", "Milica", "Blerta"][n % 6])
    family_name = factory.Sequence(lambda n: f"Krasniqi{n}" if n % 2 else f"Petrović{n}")
    birth_year = 1980
    contains_personal_data = True
    given_key = factory.LazyAttribute(lambda o: matching.name_key(o.given_name))
    family_key = factory.LazyAttribute(lambda o: matching.name_key(o.family_name))
    given_prefix = factory.LazyAttribute(lambda o: matching.name_prefix(o.given_name))
    family_prefix = factory.LazyAttribute(lambda o: matching.name_prefix(o.family_name))
    name_script = factory.LazyAttribute(
        lambda o: "cyrillic" if matching.detect_script(o.given_name, o.family_name) == "cyrillic" else "latin"
    )


class PersonDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonDocument

    person = factory.SubFactory(PersonFactory)
    doc_type = "id_card"
    number = factory.Sequence(lambda n: f"P{n:08d}")
    number_key = factory.LazyAttribute(lambda o: matching.normalise_identifier(o.number))
    created_by = factory.LazyAttribute(lambda o: o.person.created_by)


class OrganisationFactory(_Owned):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Sigurimi Sh.p.k. {n}")
    name_key = factory.LazyAttribute(lambda o: matching.name_key(o.name))
    org_type = "security_company"


class VehicleFactory(_Owned):
    class Meta:
        model = Vehicle

    plate = factory.Sequence(lambda n: f"01-{n % 1000:03d}-AB")
    plate_key = factory.LazyAttribute(lambda o: matching.normalise_plate(o.plate))
    plate_format = factory.LazyFunction(lambda: PlateFormat.objects.filter(code="RKS").first())
    vin = ""
    vin_key = factory.LazyAttribute(lambda o: matching.normalise_identifier(o.vin))
    make = "Volkswagen"
    model = "Golf"
    contains_personal_data = True


class PartyLinkFactory(factory.django.DjangoModelFactory):
    """``record`` (any model instance) and one party; the creator is the party's creator."""

    class Meta:
        model = PartyLink
        exclude = ["record"]

    record = None
    person = None
    organisation = None
    vehicle = None
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(type(o.record)))
    object_id = factory.LazyAttribute(lambda o: o.record.pk)
    role = "subject"
    subject_category = factory.LazyAttribute(lambda o: "witness" if o.person is not None else "")
    nature = "fact"
    created_by = factory.LazyAttribute(lambda o: (o.person or o.organisation or o.vehicle).created_by)
    created_by_institution = factory.LazyAttribute(lambda o: (o.person or o.organisation or o.vehicle).owner_institution)
