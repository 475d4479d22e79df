"""Root fixtures: the seeded world of institutions and people every test can ask for."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(db):
    from kssp.accounts.testing import World

    return World()
