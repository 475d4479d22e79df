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


# Hypothesis profiles (issue #6 point 5): ``contracts`` keeps the generated policy-oracle test small in
# ``make test``; ``HYPOTHESIS_PROFILE=nightly`` loads ``nightly`` for every property test (a longer run).
def _register_hypothesis_profiles():
    import os

    from hypothesis import settings

    settings.register_profile("contracts", max_examples=12, deadline=None)
    settings.register_profile("nightly", max_examples=300, deadline=None)
    profile = os.environ.get("HYPOTHESIS_PROFILE")
    if profile:
        settings.load_profile(profile)


_register_hypothesis_profiles()
