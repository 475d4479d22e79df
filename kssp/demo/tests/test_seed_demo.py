from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from kssp.accounts.models import Membership, Role, User
from kssp.bulletins.models import Bulletin
from kssp.core.audit import verify_chain
from kssp.core.models import Grant

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_covers_every_role_and_audits():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    counts = (User.objects.count(), Membership.objects.count(), Bulletin.objects.unscoped(reason="test").count(), Grant.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    bulletins = Bulletin.objects.unscoped(reason="test").count()
    assert (User.objects.count(), Membership.objects.count(), bulletins, Grant.objects.count()) == counts
    assert set(Role.objects.values_list("code", flat=True)) <= set(Membership.objects.values_list("role__code", flat=True))
    assert "drita.krasniqi" in out.getvalue() and "kssp-demo-2026" in out.getvalue()
    assert verify_chain().ok


def test_seed_demo_refuses_outside_demo_mode(settings):
    settings.TESTING = False
    settings.DEBUG = False
    settings.KSSP = {**settings.KSSP, "DEMO": False}
    with pytest.raises(Exception, match="demo mode"):
        call_command("seed_demo", stdout=io.StringIO())


def test_seed_demo_names_the_port_make_demo_serves_on(monkeypatch):
    monkeypatch.setenv("KSSP_DEMO_PORT", "8010")  # `make demo PORT=8010` exports it
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8010/" in out.getvalue() and ":8000" not in out.getvalue()
