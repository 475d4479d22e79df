"""Generated documents must match the registries they describe."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

from kssp.accounts.management.commands.kssp_docs import DOCS, GENERATED
from kssp.core.permissions import registered_permissions


def test_generated_docs_are_current():
    for name, build in GENERATED.items():
        assert (DOCS / name).read_text(encoding="utf-8") == build(), f"run `python manage.py kssp_docs` ({name} is stale)"


def test_role_catalogue_names_only_registered_permissions_and_has_every_role_of_the_issue():
    roles = json.loads((Path(settings.BASE_DIR) / "kssp/accounts/data/roles.json").read_text("utf-8"))
    known = registered_permissions()
    for role in roles:
        assert set(role["permissions"]) <= set(known), role["code"]
        assert role["name_sq"] and role["name_sr"] and role["name_en"]
    assert {r["code"] for r in roles} == {
        "police_officer", "investigator", "intelligence_analyst", "supervisor", "border_officer", "qkmk_risk_analyst",
        "customs_officer", "ffp_officer", "evidence_custodian", "forensic_examiner", "eod_technician", "prosecutor",
        "judge", "cert_analyst", "trainer", "programme_manager", "dpo", "internal_auditor", "external_inspector",
        "administrator", "platform_administrator",
    }
    admin = next(r for r in roles if r["code"] == "administrator")
    assert not any(p.startswith("bulletins.") for p in admin["permissions"]), "administrators get no operational access"
    # Role definitions are platform-wide (#7 point 3): only platform administrators hold roles.manage.
    assert [r["code"] for r in roles if "roles.manage" in r["permissions"]] == ["platform_administrator"]
    platform = next(r for r in roles if r["code"] == "platform_administrator")
    assert set(platform["permissions"]) == {"directory.view", "roles.manage"}
