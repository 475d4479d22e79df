"""Verifying the chain: ``manage.py audit_verify`` and the restore check call this.

It names the first problem it meets, of these kinds:

* ``changed``: a row's fields no longer match its MAC, though it sits where the chain expects it;
* ``reordered``: a row's MAC is intact for another position (its sequence number was changed);
* ``inserted``: a row that belongs nowhere in the chain (no valid MAC, and the next row links past
  it, or it has no known predecessor);
* ``missing``: a gap in the sequence, or a removed tail (the head row or a signed anchor names a
  later event than the last one present).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from kssp.core.audit import crypto
from kssp.core.audit.service import compute_hmac
from kssp.core.models.audit import AuditAnchor, AuditEvent, AuditHead

GENESIS = "0" * 64


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    kind: str = ""
    seq: int | None = None
    message: str = ""


def _mac_with_seq(evt: AuditEvent, seq: int) -> str:
    original = evt.seq
    evt.seq = seq
    try:
        return compute_hmac(evt)
    finally:
        evt.seq = original


def verify_chain(*, batch: int = 2000) -> VerifyResult:
    rows = AuditEvent.objects.order_by("seq").iterator(chunk_size=batch)
    prev_hmac = GENESIS
    expected_seq = 1
    checked = 0
    for evt in rows:
        if evt.seq != expected_seq:
            if evt.seq > expected_seq:
                return VerifyResult(
                    False,
                    checked,
                    "missing",
                    expected_seq,
                    _("Event %(seq)s is missing (the next event present is %(next)s).") % {"seq": expected_seq, "next": evt.seq},
                )
            return VerifyResult(False, checked, "inserted", evt.seq, _("Event %(seq)s appears twice.") % {"seq": evt.seq})
        if evt.hmac != compute_hmac(evt):
            following = AuditEvent.objects.filter(seq__gt=evt.seq).order_by("seq").values_list("prev_hmac", flat=True).first()
            if following is not None and following == evt.prev_hmac:
                # The next event links past this one to its predecessor: this row was slipped in.
                return VerifyResult(
                    False, checked, "inserted", evt.seq, _("Event %(seq)s does not belong to the chain (inserted).") % {"seq": evt.seq}
                )
            if evt.prev_hmac == prev_hmac:
                return VerifyResult(False, checked, "changed", evt.seq, _("Event %(seq)s was changed.") % {"seq": evt.seq})
            # Its MAC may still be intact for another position: then it was moved.
            origin = AuditEvent.objects.filter(hmac=evt.prev_hmac).values_list("seq", flat=True).first()
            if evt.prev_hmac == GENESIS:
                origin = 0
            if origin is not None and _mac_with_seq(evt, origin + 1) == evt.hmac:
                return VerifyResult(
                    False,
                    checked,
                    "reordered",
                    evt.seq,
                    _("Event %(seq)s was moved here from position %(origin)s.") % {"seq": evt.seq, "origin": origin + 1},
                )
            return VerifyResult(
                False, checked, "inserted", evt.seq, _("Event %(seq)s does not belong to the chain (inserted).") % {"seq": evt.seq}
            )
        if evt.prev_hmac != prev_hmac:
            # A valid MAC that does not follow its predecessor: the predecessor was replaced or moved.
            return VerifyResult(
                False,
                checked,
                "reordered",
                evt.seq,
                _("Event %(seq)s does not follow the event before it (events reordered or replaced).") % {"seq": evt.seq},
            )
        prev_hmac = evt.hmac
        expected_seq += 1
        checked += 1

    last_seq = expected_seq - 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.seq > last_seq:
        return VerifyResult(
            False,
            checked,
            "missing",
            last_seq + 1,
            _("Events %(first)s to %(last)s are missing (the tail was removed).") % {"first": last_seq + 1, "last": head.seq},
        )
    if head is not None and head.seq == last_seq and head.hmac != prev_hmac:
        return VerifyResult(False, checked, "changed", last_seq, _("The chain head does not match the last event."))
    for anchor in AuditAnchor.objects.order_by("-day"):
        message = crypto.anchor_message(anchor.day.isoformat(), anchor.seq, anchor.hmac)
        if not crypto.verify_anchor_signature(anchor.public_key, message, anchor.signature):
            return VerifyResult(
                False, checked, "changed", anchor.seq, _("The anchor of %(day)s has a bad signature.") % {"day": anchor.day}
            )
        if anchor.seq > last_seq:
            return VerifyResult(
                False,
                checked,
                "missing",
                last_seq + 1,
                _("Events %(first)s to %(last)s are missing (the tail was removed; anchor of %(day)s).")
                % {"first": last_seq + 1, "last": anchor.seq, "day": anchor.day},
            )
        if anchor.seq > 0:
            evt_hmac = AuditEvent.objects.filter(seq=anchor.seq).values_list("hmac", flat=True).first()
            if evt_hmac != anchor.hmac:
                return VerifyResult(
                    False,
                    checked,
                    "changed",
                    anchor.seq,
                    _("Event %(seq)s differs from the anchor of %(day)s.") % {"seq": anchor.seq, "day": anchor.day},
                )
        break  # the latest valid anchor vouches for everything before it
    return VerifyResult(True, checked, message=_("Audit chain OK: %(n)s events verified.") % {"n": checked})
