"""Issue #6 point 6: anchors signed with the key pinned in the settings, kept in the database and in a
file outside it; ``manage.py audit_anchor``; the sweeper; what an attacker who owns the database (but
not the anchor file or the private key) can no longer hide."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kssp.core.audit import crypto, verify_chain
from kssp.core.audit.anchor import anchor_message_for, anchor_write
from kssp.core.audit.service import compute_hmac
from kssp.core.audit.testing import tampering, write_events
from kssp.core.models import AuditAnchor, AuditEvent, AuditHead
from kssp.core.schedule import run_periodic

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


def anchor() -> str:
    out = io.StringIO()
    call_command("audit_anchor", stdout=out)
    return out.getvalue()


def file_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def faults_of(result) -> list[tuple[str, int | None]]:
    return [(f.kind, f.seq) for f in result.faults]


def cut_tail_and_fix_head(keep: int) -> None:
    """The attacker removes events after ``keep`` and makes the head name the last one left."""
    AuditEvent.objects.filter(seq__gt=keep).delete()
    AuditHead.objects.filter(pk=1).update(seq=keep, hmac=AuditEvent.objects.get(seq=keep).hmac)


# --- signing --------------------------------------------------------------------------------------


def test_audit_anchor_signs_the_head_and_appends_it_to_the_file(audit_anchor_file):
    write_events(3)
    out = anchor()
    assert "Anchor signed: event 3" in out
    row = AuditAnchor.objects.get()
    assert (row.version, row.seq, row.hmac) == (2, 3, AuditEvent.objects.get(seq=3).hmac)
    (line,) = file_lines(audit_anchor_file)
    assert (line["seq"], line["hmac"], line["signature"]) == (3, row.hmac, row.signature)
    assert crypto.anchor_signed_by_pinned_key(anchor_message_for(row), row.signature)
    result = verify_chain()
    assert result.ok and result.anchors == 1


def test_a_new_anchor_only_when_the_head_has_moved(audit_anchor_file):
    assert "empty" in anchor()
    assert not AuditAnchor.objects.exists()
    write_events(2)
    anchor()
    assert "has not moved" in anchor()
    assert AuditAnchor.objects.count() == 1 and len(file_lines(audit_anchor_file)) == 1
    write_events(1, start=2)
    assert "Anchor signed: event 3" in anchor()
    assert list(AuditAnchor.objects.values_list("seq", flat=True)) == [2, 3]
    assert [line["seq"] for line in file_lines(audit_anchor_file)] == [2, 3]
    assert verify_chain().ok


def test_audit_anchor_needs_the_private_key_but_verification_does_not(settings):
    write_events(2)
    anchor()
    settings.AUDIT_ANCHOR_KEY = None
    write_events(1, start=2)
    with pytest.raises(CommandError, match="No anchor signing key"):
        anchor()
    assert AuditAnchor.objects.count() == 1
    assert verify_chain().ok


def test_audit_anchor_refuses_to_sign_a_chain_that_does_not_verify():
    write_events(3)
    anchor()
    write_events(2, start=3)
    with tampering():
        AuditEvent.objects.filter(seq=5).update(payload={"extra": {"i": "forged"}})
    with pytest.raises(CommandError, match=r"Nothing signed.*\[payload_changed\] at event 5"):
        anchor()
    assert list(AuditAnchor.objects.values_list("seq", flat=True)) == [3]


def test_the_sweeper_signs_at_least_daily_and_only_when_the_head_moved(audit_anchor_file):
    moment = timezone.make_aware(dt.datetime(2026, 3, 29, 1, 30))
    write_events(2)
    first = run_periodic(now=moment, only="audit.anchor")["audit.anchor"]
    assert first == {"day": "2026-03-29", "seq": 2, "created": True, "copied_to_file": 0}
    assert run_periodic(now=moment, only="audit.anchor")["audit.anchor"] == "skipped"
    quiet_day = run_periodic(now=moment + dt.timedelta(days=1), only="audit.anchor")["audit.anchor"]
    assert quiet_day["created"] is False and AuditAnchor.objects.count() == 1
    write_events(1, start=2)
    run_periodic(now=moment + dt.timedelta(days=2), only="audit.anchor")
    assert list(AuditAnchor.objects.values_list("seq", "day")) == [(2, dt.date(2026, 3, 29)), (3, dt.date(2026, 3, 31))]
    assert len(file_lines(audit_anchor_file)) == 2 and verify_chain().ok


# --- what the anchors catch -----------------------------------------------------------------------


def test_a_removed_tail_with_a_forged_head_is_caught_by_the_anchor():
    write_events(5)
    anchor()
    with tampering():
        cut_tail_and_fix_head(3)
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "head_behind_anchor", 4)
    assert "Events 4 to 5 are missing" in result.message


def test_a_removed_tail_forged_head_and_deleted_anchors_are_caught_by_the_anchor_file():
    write_events(3)
    anchor()
    write_events(2, start=3)
    anchor()
    with tampering():
        cut_tail_and_fix_head(2)
        AuditAnchor.objects.all().delete()
    result = verify_chain()
    assert (result.kind, result.seq) == ("head_behind_anchor", 3)
    assert "anchor file" in result.message
    assert faults_of(result)[1:] == [("anchor_missing", 3), ("anchor_missing", 5)]


def test_a_removed_tail_with_an_anchor_re_signed_by_another_key_is_caught():
    write_events(5)
    anchor()
    attacker = Ed25519PrivateKey.generate()
    with tampering():
        cut_tail_and_fix_head(3)
        row = AuditAnchor.objects.get()
        row.seq, row.hmac = 3, AuditEvent.objects.get(seq=3).hmac
        row.public_key = attacker.public_key().public_bytes_raw().hex()  # the row's own key is not trusted
        row.signature = attacker.sign(anchor_message_for(row)).hex()
        row.save()
    result = verify_chain()
    assert (result.kind, result.seq) == ("head_behind_anchor", 4)  # the file still holds the true anchor
    assert ("anchor_signature", 3) in faults_of(result)


def test_a_forged_anchor_is_named_even_when_the_anchor_file_is_gone_too(audit_anchor_file):
    write_events(5)
    anchor()
    attacker = Ed25519PrivateKey.generate()
    with tampering():
        cut_tail_and_fix_head(3)
        row = AuditAnchor.objects.get()
        row.seq, row.hmac = 3, AuditEvent.objects.get(seq=3).hmac
        row.signature = attacker.sign(anchor_message_for(row)).hex()
        row.save()
    audit_anchor_file.unlink()
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "anchor_signature", 3)
    assert "pinned anchor key" in result.message


def test_a_changed_anchor_row_is_named():
    write_events(3)
    anchor()
    with tampering():
        AuditAnchor.objects.update(seq=2)
    result = verify_chain()
    assert (result.kind, result.seq) == ("anchor_signature", 2)
    assert faults_of(result) == [("anchor_signature", 2), ("anchor_missing", 3)]


def test_an_anchor_deleted_from_the_database_is_named():
    write_events(3)
    anchor()
    with tampering():
        AuditAnchor.objects.all().delete()
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "anchor_missing", 3)
    assert "missing from the database" in result.message


def test_an_anchor_removed_from_the_file_is_named_and_audit_anchor_copies_it_back(audit_anchor_file):
    write_events(2)
    anchor()
    write_events(1, start=2)
    anchor()
    lines = audit_anchor_file.read_text().splitlines(keepends=True)
    audit_anchor_file.write_text(lines[1])
    result = verify_chain()
    assert (result.kind, result.seq) == ("anchor_not_in_file", 2)
    assert "1 anchor of the database copied" in anchor()
    assert [line["seq"] for line in file_lines(audit_anchor_file)] == [3, 2]
    assert verify_chain().ok


def test_a_missing_anchor_file_is_named(audit_anchor_file):
    write_events(2)
    anchor()
    audit_anchor_file.unlink()
    result = verify_chain()
    assert (result.kind, result.seq) == ("anchor_not_in_file", 2)
    assert "does not exist" in result.message


def test_a_changed_anchor_line_is_named(audit_anchor_file):
    write_events(3)
    anchor()
    (line,) = file_lines(audit_anchor_file)
    line["seq"] = 2
    audit_anchor_file.write_text(json.dumps(line) + "\n")
    result = verify_chain()
    assert faults_of(result) == [("anchor_signature", 2), ("anchor_not_in_file", 3)]
    assert "Line 1 of the anchor file" in result.message


def test_an_unreadable_anchor_line_is_named(audit_anchor_file):
    write_events(2)
    anchor()
    with audit_anchor_file.open("a") as handle:
        handle.write("{not json\n")
    result = verify_chain()
    assert (result.kind, result.seq) == ("anchor_file_invalid", None)
    assert "Line 2" in result.message
    with pytest.raises(CommandError, match=r"^AUDIT CHAIN BROKEN \[anchor_file_invalid\]: Line 2 of the anchor file"):
        call_command("audit_verify", stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"^Nothing signed: .* \[anchor_file_invalid\]: Line 2"):
        anchor()


def test_a_file_line_signed_with_another_key_is_named(audit_anchor_file):
    # Someone who can write the file (not the pinned key) adds a line vouching for a cut chain.
    write_events(5)
    anchor()
    attacker = Ed25519PrivateKey.generate()
    row = AuditAnchor.objects.get()
    forged = AuditAnchor(version=2, day=row.day, signed_at=row.signed_at, seq=3, hmac=AuditEvent.objects.get(seq=3).hmac)
    line = {
        "version": 2, "signed_at": crypto.utc_text(forged.signed_at), "day": forged.day.isoformat(), "seq": 3,
        "hmac": forged.hmac, "public_key": attacker.public_key().public_bytes_raw().hex(),
        "signature": attacker.sign(anchor_message_for(forged)).hex(),
    }
    with audit_anchor_file.open("a") as handle:
        handle.write(json.dumps(line) + "\n")
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "anchor_signature", 3)
    assert "Line 2 of the anchor file" in result.message and "pinned anchor key" in result.message


def test_audit_anchor_does_not_sign_over_a_cut_tail_whose_anchors_were_deleted_from_the_database(audit_anchor_file):
    write_events(5)
    anchor()
    with tampering():
        cut_tail_and_fix_head(3)
        AuditAnchor.objects.all().delete()
    with pytest.raises(CommandError, match=r"Nothing signed.*\[anchor_missing\] at event 5"):
        anchor()
    assert not AuditAnchor.objects.exists() and len(file_lines(audit_anchor_file)) == 1
    result = verify_chain()
    assert (result.kind, result.seq) == ("head_behind_anchor", 4)


def test_audit_anchor_does_not_sign_next_to_a_forged_anchor():
    write_events(3)
    anchor()
    write_events(1, start=3)
    with tampering():
        AuditAnchor.objects.update(signature="00" * 64)
    with pytest.raises(CommandError, match=r"Nothing signed.*\[anchor_signature\] at event 3"):
        anchor()
    assert AuditAnchor.objects.count() == 1


def test_a_chain_rewritten_with_the_hmac_key_is_caught_by_the_earliest_anchor_it_contradicts():
    # An insider who also stole KSSP_AUDIT_HMAC_KEY rewrites event 2 and recomputes every MAC after it.
    write_events(3)
    anchor()
    write_events(2, start=3)
    anchor()
    with tampering():
        prev = AuditEvent.objects.get(seq=1).hmac
        for evt in AuditEvent.objects.filter(seq__gte=2).order_by("seq"):
            if evt.seq == 2:
                evt.reason = "rewritten"
            evt.prev_hmac = prev
            evt.hmac = compute_hmac(evt)
            evt.save()
            prev = evt.hmac
        AuditHead.objects.filter(pk=1).update(hmac=prev)
    result = verify_chain()
    assert (result.ok, result.kind, result.seq) == (False, "anchor_mismatch", 3)
    assert "rewritten" in result.message


# --- keys -----------------------------------------------------------------------------------------


def test_verification_trusts_only_the_pinned_public_key(settings):
    write_events(2)
    anchor()
    settings.AUDIT_ANCHOR_PUBLIC_KEYS = (Ed25519PrivateKey.generate().public_key().public_bytes_raw(),)
    result = verify_chain()
    assert (result.kind, result.seq) == ("anchor_signature", 2)


def test_anchors_signed_before_a_key_rotation_still_verify(settings):
    write_events(2)
    anchor()
    old_public = settings.AUDIT_ANCHOR_PUBLIC_KEYS[0]
    new = Ed25519PrivateKey.generate()
    settings.AUDIT_ANCHOR_KEY = new.private_bytes_raw()
    settings.AUDIT_ANCHOR_PUBLIC_KEYS = (new.public_key().public_bytes_raw(), old_public)
    write_events(1, start=2)
    anchor()
    assert AuditAnchor.objects.get(seq=3).public_key == new.public_key().public_bytes_raw().hex()
    result = verify_chain()
    assert result.ok and result.anchors == 2


def test_a_daily_anchor_of_version_1_verifies_and_is_copied_to_the_file(audit_anchor_file):
    write_events(2)
    head = AuditHead.objects.get(pk=1)
    day = dt.date(2026, 1, 1)
    with tampering():  # made before this version, when anchors lived in the database only
        AuditAnchor.objects.create(
            version=1, day=day, signed_at=timezone.now(), seq=head.seq, hmac=head.hmac,
            signature=crypto.anchor_sign(crypto.anchor_message(day.isoformat(), head.seq, head.hmac)),
            public_key=crypto.anchor_public_key_hex(),
        )
    assert verify_chain().kind == "anchor_not_in_file"
    assert "1 anchor of the database copied" in anchor()
    assert file_lines(audit_anchor_file)[0]["version"] == 1
    result = verify_chain()
    assert result.ok and result.anchors == 1


def _settings_in_a_subprocess(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KSSP_") and k != "DATABASE_URL"}
    clean.update(
        KSSP_VAR_DIR=str(tmp_path), KSSP_SECRET_KEY="x" * 50, KSSP_AUDIT_HMAC_KEY="00" * 32, KSSP_DATA_KEY="22" * 32, **env
    )
    if env.get("KSSP_REQUIRE_ENV"):  # the rest of what production needs (config/environment.py), so only the keys are at issue
        clean.update(DATABASE_URL=f"sqlite:///{tmp_path}/kssp.sqlite3", KSSP_ALLOWED_HOSTS="kssp.example",
                     KSSP_CSRF_TRUSTED_ORIGINS="https://kssp.example")
    code = "import config.settings as s; print(s.AUDIT_ANCHOR_KEY is None, ','.join(k.hex() for k in s.AUDIT_ANCHOR_PUBLIC_KEYS))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, check=False)


def test_settings_pin_the_public_key_and_need_the_private_key_only_to_sign(tmp_path):
    seed = Ed25519PrivateKey.generate()
    public = seed.public_key().public_bytes_raw().hex()
    private = seed.private_bytes_raw().hex()
    # a web host: the public key alone
    ran = _settings_in_a_subprocess(tmp_path, KSSP_REQUIRE_ENV="1", KSSP_AUDIT_ANCHOR_PUBLIC_KEY=public)
    assert ran.stdout.split() == ["True", public], ran.stderr
    # the sweeper's host: both, and they must belong together
    ran = _settings_in_a_subprocess(tmp_path, KSSP_REQUIRE_ENV="1", KSSP_AUDIT_ANCHOR_PUBLIC_KEY=public, KSSP_AUDIT_ANCHOR_KEY=private)
    assert ran.stdout.split() == ["False", public], ran.stderr
    other = Ed25519PrivateKey.generate().private_bytes_raw().hex()
    ran = _settings_in_a_subprocess(tmp_path, KSSP_REQUIRE_ENV="1", KSSP_AUDIT_ANCHOR_PUBLIC_KEY=public, KSSP_AUDIT_ANCHOR_KEY=other)
    assert ran.returncode != 0 and "does not belong" in ran.stderr
    # production must pin the public key; a developer's older secrets file (seed only) derives it
    ran = _settings_in_a_subprocess(tmp_path, KSSP_REQUIRE_ENV="1", KSSP_AUDIT_ANCHOR_KEY=private)
    assert ran.returncode != 0 and "KSSP_AUDIT_ANCHOR_PUBLIC_KEY" in ran.stderr
    ran = _settings_in_a_subprocess(tmp_path, KSSP_AUDIT_ANCHOR_KEY=private)
    assert ran.stdout.split() == ["False", public], ran.stderr


def test_a_fresh_secrets_file_holds_a_matching_anchor_key_pair(tmp_path):
    from config.secrets_file import write_secrets

    path, created = write_secrets(tmp_path)
    values = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line and not line.startswith("#"))
    seed = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(values["KSSP_AUDIT_ANCHOR_KEY"]))
    assert created and seed.public_key().public_bytes_raw().hex() == values["KSSP_AUDIT_ANCHOR_PUBLIC_KEY"]


def test_anchor_write_is_idempotent_for_one_head():
    write_events(2)
    first = anchor_write()
    again = anchor_write()
    assert first.created and not again.created and again.anchor.pk == first.anchor.pk
