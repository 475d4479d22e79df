"""Fixtures of the search tests. The kernel's tests import no module (import-linter), so the bulletin
search type is loaded the way ``BulletinsConfig.ready()`` loads it, and bulletins are made through the
app registry."""

from __future__ import annotations

import itertools

import pytest
from django.apps import apps

from kssp.core.search.registry import unregister_search_type

_serial = itertools.count(1)


@pytest.fixture
def make_bulletin():
    def make(person, *, title="Lookout", body="Grey Golf seen at Merdare.", classification=1, number=None, **extra):
        model = apps.get_model("bulletins", "Bulletin")
        unit = person.membership.unit
        return model.objects.create(
            owner_institution=unit.institution, owner_unit=unit, created_by=person.user, title=title, body=body,
            number=number or f"BUL-{unit.institution.code}-2026-{next(_serial):06d}", classification=classification, **extra,
        )

    return make


@pytest.fixture
def temporary_type():
    """Register a search type for one test; unregistered afterwards."""
    codes = []

    def register(code, **kwargs):
        from kssp.core.search.registry import register_search_type

        codes.append(code)
        return register_search_type(code, **kwargs)

    yield register
    for code in codes:
        unregister_search_type(code)
