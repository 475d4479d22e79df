"""A withdrawn bulletin cannot be shared (the ``may_share`` hook of its declaration), seen through the
kernel's generic grant pages (kssp/core/tests/test_grant_pages.py tests those for every record type;
this is the bulletins' own rule, so it lives with the bulletins)."""

from __future__ import annotations

import pytest

from kssp.bulletins.services import bulletin_transition
from kssp.core.models.grants import Grant
from kssp.core.records.access import record_url
from kssp.core.testing.samples import sample
from kssp.core.tests.test_grant_pages import english, other_institution, share_data, share_url

pytestmark = pytest.mark.django_db


def test_a_withdrawn_bulletin_offers_no_sharing_and_refuses_it(world):
    record = sample("bulletins.bulletin", world.kp_investigator)
    bulletin_transition(actor=world.kp_investigator.actor, bulletin=record, to="issued")
    bulletin_transition(actor=world.kp_investigator.actor, bulletin=record, to="withdrawn", reason="Superseded")
    client = english(world.kp_investigator)
    assert 'name="grantee_type"' not in client.get(record_url(record)).content.decode()
    response = client.post(share_url("bulletins.bulletin", record.public_id), share_data(other_institution(world.kp_investigator)))
    assert response.status_code == 400
    assert "This record can no longer be shared." in response.content.decode()
    assert not Grant.objects.for_object(record).exists()
