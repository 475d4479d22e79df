from __future__ import annotations

import factory

from kssp.core.markings import Classification
from kssp.portal import tracking
from kssp.portal.models import PublicSubmission


class PublicSubmissionFactory(factory.django.DjangoModelFactory):
    """A message from the public owned by ``owner``'s unit (a kssp.accounts.testing.Person), written
    straight to the table: for arranging tests only; the code under test goes through the services."""

    class Meta:
        model = PublicSubmission

    class Params:
        owner = None

    owner_institution = factory.LazyAttribute(lambda o: o.owner.membership.unit.institution)
    owner_unit = factory.LazyAttribute(lambda o: o.owner.membership.unit)
    classification = Classification.RESTRICTED
    contains_personal_data = True
    topic = "weapons"
    message = "A neighbour keeps an automatic rifle in the garage."
    language = "sq"
    tracking_code_hash = factory.LazyFunction(lambda: tracking.code_hash(tracking.new_code()))
