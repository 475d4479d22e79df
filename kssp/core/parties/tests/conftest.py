from __future__ import annotations

import pytest

from kssp.core.testing.contract import ApiContract


@pytest.fixture(autouse=True)
def parties_role_permissions(request):
    """Give the seeded roles their parties permissions (see roles.py) once the world is built: the world
    seeds the roles again when a transactional test emptied the tables, so this must come after it."""
    uses_world = "world" in request.fixturenames or (request.cls is not None and issubclass(request.cls, ApiContract))
    if uses_world:
        from kssp.core.parties.tests.roles import grant_parties_permissions_to

        grant_parties_permissions_to(request.getfixturevalue("world"))
