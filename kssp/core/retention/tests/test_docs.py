"""docs/ropa.md is generated from the declarations and must be current; docs/dpia.md covers the kernel."""

from __future__ import annotations

import io

from django.core.management import call_command

from kssp.core.retention.ropa import ROPA_PATH, ropa_md


def test_the_record_of_processing_activities_is_current():
    assert ROPA_PATH.read_text(encoding="utf-8") == ropa_md(), "run `python manage.py retention_docs` (docs/ropa.md is stale)"


def test_the_record_names_controllers_purposes_categories_recipients_retention_and_legal_basis():
    text = ropa_md()
    for heading in ("## Controllers", "| Purpose |", "| Controller |", "| Legal basis |", "| Categories of data subjects |",
                    "| Categories of personal data |", "| Recipients |", "| Retention |"):
        assert heading in text, heading
    assert "### Firearm identification data (`firearm-identification`)" in text
    assert "30 years after destruction, then delete" in text
    assert "`bulletins.Bulletin`" in text and "`core.AuditEvent`" in text


def test_the_command_writes_the_file(tmp_path, monkeypatch):
    target = tmp_path / "docs" / "ropa.md"
    monkeypatch.setattr("kssp.core.retention.management.commands.retention_docs.ROPA_PATH", target)
    out = io.StringIO()
    call_command("retention_docs", stdout=out)
    assert target.read_text(encoding="utf-8") == ropa_md() and "ropa.md" in out.getvalue()


def test_the_dpia_covers_the_kernel():
    text = (ROPA_PATH.parent / "dpia.md").read_text(encoding="utf-8")
    for needle in (
        "2016/680", "06/L-082", "Necessity and proportionality", "misidentification", "over-collection", "insider browsing",
        "cross-agency leakage", "Intelligence Agency", "crypto-shredding", "users-review", "ropa.md",
    ):
        assert needle.lower() in text.lower(), needle
