from __future__ import annotations

import factory

from kssp.bulletins.models import Bulletin
from kssp.core.markings import Classification


class BulletinFactory(factory.django.DjangoModelFactory):
    """A bulletin owned by ``owner`` (a kssp.accounts.testing.Person) written straight to the table:
    for arranging tests only; the code under test always goes through the services."""

    class Meta:
        model = Bulletin

    class Params:
        owner = None

    owner_institution = factory.LazyAttribute(lambda o: o.owner.membership.unit.institution)
    owner_unit = factory.LazyAttribute(lambda o: o.owner.membership.unit)
    created_by = factory.LazyAttribute(lambda o: o.owner.user)
    number = factory.Sequence(lambda n: f"BUL-T-{n:06d}")
    title = factory.Sequence(lambda n: f"Lookout {n}")
    body = "Grey Golf, plates 01-123-AB, seen at Merdare."
    classification = Classification.RESTRICTED
