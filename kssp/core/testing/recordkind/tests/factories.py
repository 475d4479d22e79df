from __future__ import annotations

import factory

from kssp.core.markings import Classification
from kssp.core.testing.recordkind.models import SampleRecord


class SampleRecordFactory(factory.django.DjangoModelFactory):
    """A sample record owned by ``owner`` (a person of the test world: ``kssp.accounts.testing.Person``),
    written straight to the table: for arranging tests only; the code under test goes through services."""

    class Meta:
        model = SampleRecord

    class Params:
        owner = None

    owner_institution = factory.LazyAttribute(lambda o: o.owner.membership.unit.institution)
    owner_unit = factory.LazyAttribute(lambda o: o.owner.membership.unit)
    created_by = factory.LazyAttribute(lambda o: o.owner.user)
    number = factory.Sequence(lambda n: f"SMP-T-{n:06d}")
    title = factory.Sequence(lambda n: f"Sample {n}")
    body = "Grey Golf, plates 01-123-AB, seen at Merdare."
    classification = Classification.RESTRICTED
