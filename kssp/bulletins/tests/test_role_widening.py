"""An institution's administrator cannot widen another institution's role (issue #7 point 3, first item).

The issue's measure of the attack is what a Customs officer sees: 4 bulletins before, 31 after the
Customs role was given national scope by the Police's administrator. Here because it needs bulletins
(the accounts tests may not import a domain module); the other attacks are in
``kssp/accounts/tests/test_access_changes.py``.
"""

from __future__ import annotations

import pytest

from kssp.accounts.models import Role
from kssp.accounts.testing import make_person
from kssp.bulletins.services import bulletin_create
from kssp.core.markings import Classification
from kssp.core.testing.contract import assert_error

pytestmark = pytest.mark.django_db


def role_state(code: str) -> tuple[list[str], str, bool]:
    role = Role.objects.get(code=code)
    return sorted(role.permissions), role.scope, role.privileged


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def test_an_institution_administrator_cannot_widen_another_institutions_role(world):
    officer = make_person("dk_officer", institution="DK", unit="DG-VERMICE", role="customs_officer")
    for n in range(3):  # records the officer's own unit cannot see: another customs unit, the police
        bulletin_create(actor=world.customs.actor, title=f"Customs notice {n}", body="x", kind="notice",
                        classification=Classification.RESTRICTED)
        bulletin_create(actor=world.kp_investigator.actor, title=f"Police notice {n}", body="x", kind="notice",
                        classification=Classification.RESTRICTED)
    seen = officer.client().get("/api/v1/bulletins/").json()["count"]
    before = role_state("customs_officer")

    response = patch(world.kp_admin.client(), "/api/v1/roles/customs_officer/", {"scope": "national"})

    assert_error(response, 403, "permission_denied")
    assert role_state("customs_officer") == before
    assert officer.client().get("/api/v1/bulletins/").json()["count"] == seen
