"""Root fixtures: the seeded world of institutions and people every test can ask for."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(db):
    from kssp.accounts.testing import World

    return World()


@pytest.fixture(autouse=True)
def english_outside_requests():
    """Code called directly (services, loaders) speaks English in tests, whatever catalogues are compiled;
    a request still gets the language the middleware picks (Albanian by default), and tests that check a
    translation say which language they want."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def audit_anchor_file(tmp_path_factory):
    """Each test gets its own audit anchor file: the database is rolled back after a test, a file is not."""
    from uuid import uuid4

    from django.test import override_settings

    path = tmp_path_factory.getbasetemp() / f"audit-anchors-{uuid4().hex}.jsonl"
    with override_settings(AUDIT_ANCHOR_FILE=path):
        yield path
