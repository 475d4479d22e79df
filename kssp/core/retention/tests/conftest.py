"""Fixtures of the retention tests. The kernel's tests import no module, so people and bulletins are
made through the app registry, and the roles get the retention permissions the lead adds to
``roles.json`` (idempotent once they are there)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from django.apps import apps
from django.utils import timezone

ROLE_PERMISSIONS = {
    "dpo": ["retention.view", "retention.propose", "retention.review"],
    "supervisor": ["retention.propose"],
    "internal_auditor": ["retention.view"],
    "external_inspector": ["retention.view"],
}
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def retention_roles(db):
    role_model = apps.get_model("accounts", "Role")
    for code, permissions in ROLE_PERMISSIONS.items():
        role = role_model.objects.filter(code=code).first()
        if role is not None:
            role.permissions = sorted(set(role.permissions) | set(permissions))
            role.save(update_fields=["permissions"])


@pytest.fixture
def person(world):
    """``person("kp_dpo2", role="dpo")``: another member of the test world (KP headquarters by default)."""

    def make(username, *, role, institution="KP", unit="HQ", clearance=3):
        user_model = apps.get_model("accounts", "User")
        today = timezone.localdate()
        user = user_model.objects.create(username=username, first_name=username.title(), last_name="Test", public_id=uuid.uuid4())
        apps.get_model("accounts", "Clearance").objects.create(
            user=user, level=clearance, valid_from=today - dt.timedelta(days=365), valid_until=today + dt.timedelta(days=365)
        )
        membership = apps.get_model("accounts", "Membership").objects.create(
            user=user, unit=apps.get_model("accounts", "Unit").objects.get(institution__code=institution, code=unit),
            role=apps.get_model("accounts", "Role").objects.get(code=role), valid_from=today - dt.timedelta(days=30),
        )
        return type(world.kp_dpo)(user, membership)

    return make


@pytest.fixture
def make_bulletin():
    def make(person, *, title="Lookout", body="Grey Golf seen at Merdare.", classification=1, created_at=None, **extra):
        model = apps.get_model("bulletins", "Bulletin")
        unit = person.membership.unit
        bulletin = model.objects.create(
            owner_institution=unit.institution, owner_unit=unit, created_by=person.user, title=title, body=body,
            number=f"BUL-{unit.institution.code}-2019-{next(_serial):06d}", classification=classification, **extra,
        )
        if created_at is not None:
            model.objects.unscoped(reason="test").filter(pk=bulletin.pk).update(created_at=created_at)
            bulletin.refresh_from_db()
        return bulletin

    return make

