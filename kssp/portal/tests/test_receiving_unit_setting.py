"""The public site's receiving unit is set by the environment (issue #7 point 2: ``KSSP_PORTAL_RECEIVING_UNIT``),
and a code that names no unit stops the start with a message that says so (system checks kssp.E150/E151)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from kssp.accounts.models import Unit
from kssp.portal import services
from kssp.portal.selectors import receiving_unit

ROOT = Path(__file__).resolve().parents[3]


def settings_value(**env: str) -> str:
    """``KSSP["PORTAL"]["RECEIVING_UNIT"]`` as config.settings reads it from this environment (a new process)."""
    environ = {k: v for k, v in os.environ.items() if k != "KSSP_PORTAL_RECEIVING_UNIT"}
    environ.update({"KSSP_TESTING": "1", "PYTHONDONTWRITEBYTECODE": "1", **env})
    code = "import config.settings as s; print(s.KSSP['PORTAL']['RECEIVING_UNIT'])"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def portal(value: str) -> override_settings:
    return override_settings(KSSP={**settings.KSSP, "PORTAL": {**settings.KSSP.get("PORTAL", {}), "RECEIVING_UNIT": value}})


def test_the_environment_variable_sets_the_receiving_unit():
    assert settings_value() == "KP/DHT"
    assert settings_value(KSSP_PORTAL_RECEIVING_UNIT="KP/NJKT") == "KP/NJKT"
    assert settings_value(KSSP_PORTAL_RECEIVING_UNIT="") == "KP/DHT"


@pytest.mark.django_db
def test_the_setting_picks_the_unit_that_receives_the_messages():
    njkt = Unit.objects.get(institution__code="KP", code="NJKT")
    with portal("KP/NJKT"):
        assert receiving_unit() == njkt
        submission, _code = services.public_submission_create(
            actor=services.public_actor(), topic="weapons", message="Pushkë në bodrum.", language="sq"
        )
    assert submission.owner_unit == njkt and submission.owner_institution == njkt.institution


@pytest.mark.django_db
def test_a_code_of_no_active_unit_stops_the_database_check_naming_the_setting_and_the_known_units():
    assert Unit.objects.exists()
    with portal("KP/DHT"):
        assert not [e for e in run_checks(databases=["default"]) if e.id in {"kssp.E150", "kssp.E151"}]
    with portal("KP/NOWHERE"):
        [error] = [e for e in run_checks(databases=["default"]) if e.id == "kssp.E151"]
        assert "KSSP_PORTAL_RECEIVING_UNIT" in error.msg and "'KP/NOWHERE'" in error.msg and "no active unit" in error.msg
        assert "KP/DHT" in error.hint and "KP/NJKT" in error.hint
        with pytest.raises(SystemCheckError, match="kssp.E151"):
            call_command("check", "--database", "default")
        # the ordinary check (no database) does not query it
        assert not [e for e in run_checks() if e.id == "kssp.E151"]
    with portal("XX/DHT"):
        [error] = [e for e in run_checks(databases=["default"]) if e.id == "kssp.E151"]
        assert "no active institution 'XX'" in error.hint


def test_a_value_that_is_not_institution_slash_unit_stops_every_check():
    with portal("DHT"):
        [error] = [e for e in run_checks() if e.id == "kssp.E150"]
        assert "KSSP_PORTAL_RECEIVING_UNIT" in error.msg and "INSTITUTION/UNIT" in error.msg
        with pytest.raises(SystemCheckError, match="kssp.E150"):
            call_command("check")
