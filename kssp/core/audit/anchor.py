"""Signed anchors of the chain head, kept twice: in the database and in a file outside it.

``anchor_write()`` (``manage.py audit_anchor``; the sweeper calls it at least daily) signs the current
head with the Ed25519 key of this host whenever the head has moved since the last anchor, after checking
that both copies of the anchors agree and the events written since the last one verify, so that an
anchor never vouches for a chain that does not verify (nor for a tail cut whose anchors were deleted).
The anchor is stored in ``core_auditanchor`` and appended as one JSON line to ``KSSP_AUDIT_ANCHOR_FILE``
(default ``var/audit-anchors.jsonl``); keep that file where the database's users cannot rewrite it
(another host, a write-once or append-only mount, a log shipper). ``audit_verify`` checks both copies
against each other and against the chain, with the public key pinned in the settings only.

Every run also copies to the file any validly signed anchor of the database that the file lacks (an
anchor whose append failed, or anchors made before the file existed); it never removes or rewrites a line.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kssp.core.audit import crypto
from kssp.core.models.audit import AuditAnchor, AuditHead


class AnchorRefused(Exception):
    """The chain since the last anchor does not verify: nothing is signed."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.message)
        self.result = result


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def anchor_message_for(anchor: AuditAnchor) -> bytes:
    if anchor.version == 1:
        return crypto.anchor_message(anchor.day.isoformat(), anchor.seq, anchor.hmac)
    return crypto.anchor_message_v2(anchor.signed_at, anchor.seq, anchor.hmac)


def anchor_line(anchor: AuditAnchor) -> dict[str, Any]:
    """The anchor as one line of the anchor file."""
    return {
        "version": anchor.version,
        "signed_at": crypto.utc_text(anchor.signed_at),
        "day": anchor.day.isoformat(),
        "seq": anchor.seq,
        "hmac": anchor.hmac,
        "public_key": anchor.public_key,
        "signature": anchor.signature,
    }


def line_message(line: dict[str, Any]) -> bytes:
    """The signed message of an anchor-file line (raises KeyError/ValueError/TypeError on a malformed one)."""
    seq, head_hmac = int(line["seq"]), str(line["hmac"])
    if int(line["version"]) == 1:
        return crypto.anchor_message(dt.date.fromisoformat(str(line["day"])).isoformat(), seq, head_hmac)
    signed_at = dt.datetime.strptime(str(line["signed_at"]), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    return crypto.anchor_message_v2(signed_at, seq, head_hmac)


def append_lines(lines: list[dict[str, Any]]) -> None:
    """Append anchors to the file, under an exclusive lock, and flush them to disk."""
    if not lines:
        return
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n" for line in lines).encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_lines() -> tuple[list[tuple[int, dict[str, Any] | None]], bool]:
    """The file's lines as (line number, parsed object or None if unreadable), and whether the file exists."""
    path = anchor_file()
    if not path.exists():
        return [], False
    out: list[tuple[int, dict[str, Any] | None]] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                parsed = json.loads(raw)
            except (UnicodeDecodeError, ValueError):
                parsed = None
            out.append((number, parsed if isinstance(parsed, dict) else None))
    return out, True


def copy_missing_to_file() -> int:
    """Append to the file every validly signed anchor of the database that it lacks. Returns how many."""
    present = set()
    for _number, line in read_lines()[0]:
        if line is None:
            continue
        try:
            present.add(line_message(line))
        except (KeyError, TypeError, ValueError):
            continue
    missing = []
    for anchor in AuditAnchor.objects.order_by("seq", "signed_at"):
        message = anchor_message_for(anchor)
        if message not in present and crypto.anchor_signed_by_pinned_key(message, anchor.signature):
            missing.append(anchor_line(anchor))
            present.add(message)
    append_lines(missing)
    return len(missing)


def last_valid_anchor() -> AuditAnchor | None:
    """The latest anchor of the database signed by a pinned key (a forged row is passed over)."""
    for anchor in AuditAnchor.objects.order_by("-seq", "-signed_at").iterator(chunk_size=50):
        if crypto.anchor_signed_by_pinned_key(anchor_message_for(anchor), anchor.signature):
            return anchor
    return None


@dataclass
class AnchorOutcome:
    anchor: AuditAnchor | None
    created: bool
    copied_to_file: int = 0
    notes: list[str] = field(default_factory=list)


def anchor_write(*, now: dt.datetime | None = None) -> AnchorOutcome:
    """Sign the current head if it has moved since the last anchor; idempotent otherwise.

    Raises ``crypto.AnchorKeyMissing`` on a host without the private key, and ``AnchorRefused`` when the
    two copies of the anchors disagree (an anchor of the file deleted from the database, a forged or altered
    anchor, an unreadable line) or the events since the last anchor (of either copy) do not verify: the
    sweeper never signs over a removed tail or a rewritten chain.
    """
    from kssp.core.audit.verify import load_anchors, refusal, verify_since

    crypto.anchor_private_key()  # fail early on a host that cannot sign
    moment = now or timezone.now()
    copied = copy_missing_to_file()
    anchors, faults = load_anchors()
    if faults:
        raise AnchorRefused(refusal(faults, len(anchors)))
    head = AuditHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return AnchorOutcome(None, False, copied)
    last = anchors[-1] if anchors else None
    if last is not None and last.seq == head.seq and last.hmac == head.hmac:
        return AnchorOutcome(last_valid_anchor(), False, copied)
    # The head is a committed state; check the events from the last anchor up to it, then sign it.
    result = verify_since(last, up_to=head)
    if not result.ok:
        raise AnchorRefused(result)
    signed_at = moment
    anchor = AuditAnchor(
        version=2,
        day=timezone.localtime(signed_at).date(),
        signed_at=signed_at,
        seq=head.seq,
        hmac=head.hmac,
        public_key=crypto.anchor_public_key_hex(),
    )
    anchor.signature = crypto.anchor_sign(anchor_message_for(anchor))
    try:
        with transaction.atomic():
            anchor.save(force_insert=True)
    except IntegrityError:  # another process anchored the same head a moment ago
        existing = AuditAnchor.objects.filter(version__gte=2, seq=head.seq).first()
        return AnchorOutcome(existing, False, copied)
    append_lines([anchor_line(anchor)])
    return AnchorOutcome(anchor, True, copied)
