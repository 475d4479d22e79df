"""Verifying the trail: ``manage.py audit_verify``, the auditors' verify page and the restore check call this.

What is checked, with nothing trusted that the database's users could rewrite alone:

* every event's MAC (``KSSP_AUDIT_HMAC_KEY``), its sequence number and its link to the event before it;
* every payload against the digest the MAC covers: a plain payload is digested again; an encrypted one is
  decrypted with its subject's data key (the AES-GCM tag proves the ciphertext) and the plaintext
  digested. A payload whose key was destroyed by retention is *shredded* and cannot be checked; one whose
  key is there but that does not open is *undecryptable*;
* the head row against the last event;
* every anchor, in the database and in the anchor file (``KSSP_AUDIT_ANCHOR_FILE``), with the public keys
  pinned in the settings only (``KSSP_AUDIT_ANCHOR_PUBLIC_KEY``); both copies must hold the same anchors,
  and each anchor's event must be present with the MAC it signed.

It names the first bad event and the kind of fault (``VerifyResult.kind``, ``.seq``, ``.message``), and
lists every fault it found in ``.faults`` (the walk stops at the first bad event; anchor faults are all
listed). The kinds:

``changed``            a row's fields no longer match its MAC, though it sits where the chain expects it
``payload_changed``    the payload (or the decrypted ciphertext) no longer matches the digest in the chain
``undecryptable``      an encrypted payload does not open (ciphertext changed or removed, data key changed
                       or gone without a shred, or not the master key it was sealed with)
``reordered``          a row's MAC is intact for another position, or it does not follow its predecessor
``inserted``           a row that belongs nowhere in the chain
``missing``            a gap in the sequence, or a removed tail that the head row still names
``head_mismatch``      the head row does not name the last event (events appended beyond it, or its MAC differs)
``head_behind_anchor`` a signed anchor names a later event than the last one present (tail removed, head forged)
``anchor_mismatch``    the event at an anchor's position has another MAC than the one signed (chain rewritten)
``anchor_signature``   an anchor (row or file line) is not signed by a pinned key, or was altered
``anchor_not_in_file`` an anchor of the database is missing from the anchor file (or the file is gone)
``anchor_missing``     an anchor of the file is missing from the database (deleted)
``anchor_file_invalid`` a line of the anchor file cannot be read
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

from kssp.core.audit import crypto
from kssp.core.audit.anchor import anchor_file, anchor_message_for, line_message, read_lines
from kssp.core.audit.service import CHAIN_FIELDS, compute_hmac
from kssp.core.models.audit import AuditAnchor, AuditDataKey, AuditEvent, AuditHead

GENESIS = crypto.GENESIS

CHANGED = "changed"
PAYLOAD_CHANGED = "payload_changed"
UNDECRYPTABLE = "undecryptable"
REORDERED = "reordered"
INSERTED = "inserted"
MISSING = "missing"
HEAD_MISMATCH = "head_mismatch"
HEAD_BEHIND_ANCHOR = "head_behind_anchor"
ANCHOR_MISMATCH = "anchor_mismatch"
ANCHOR_SIGNATURE = "anchor_signature"
ANCHOR_NOT_IN_FILE = "anchor_not_in_file"
ANCHOR_MISSING = "anchor_missing"
ANCHOR_FILE_INVALID = "anchor_file_invalid"

_COLUMNS = (*CHAIN_FIELDS, "payload", "payload_ciphertext", "hmac")
_SEQ, _OCCURRED, _KEY_ID, _DIGEST, _PREV = 0, 1, 19, 20, 21
_PAYLOAD, _CIPHERTEXT, _HMAC = 22, 23, 24
_N_CHAIN = len(CHAIN_FIELDS)
_EMPTY_DIGEST = hashlib.sha256(b"{}").hexdigest()


@dataclass
class Fault:
    kind: str
    seq: int | None
    message: str


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    kind: str = ""
    seq: int | None = None
    message: str = ""
    faults: list[Fault] = field(default_factory=list)
    shredded: int = 0  # encrypted payloads whose key was destroyed (not checkable; the chain still covers them)
    anchors: int = 0  # distinct validly signed anchors checked against the chain


def _result(checked: int, faults: list[Fault], shredded: int, anchors: int) -> VerifyResult:
    if faults:
        first = faults[0]
        return VerifyResult(False, checked, first.kind, first.seq, first.message, faults, shredded, anchors)
    message = _("Audit chain OK: %(n)s events verified.") % {"n": checked}
    return VerifyResult(True, checked, message=message, shredded=shredded, anchors=anchors)


def refusal(faults: list[Fault], anchors: int) -> VerifyResult:
    """A failed result made of ``faults`` (the anchor faults that stop ``anchor_write``)."""
    return _result(0, faults, 0, anchors)


# --- anchors ------------------------------------------------------------------------------------


@dataclass
class TrustedAnchor:
    """An anchor signed by a pinned key, from the database or the file (``label`` says which, for messages)."""

    seq: int
    hmac: str
    label: str


_Anchor = TrustedAnchor


def _db_label(anchor: AuditAnchor) -> str:
    return _("the anchor signed at %(time)s") % {"time": crypto.utc_text(anchor.signed_at)}


def load_anchors() -> tuple[list[TrustedAnchor], list[Fault]]:
    """Every validly signed anchor (database and file), by sequence, and the faults of the two copies."""
    faults: list[Fault] = []
    trusted: dict[bytes, _Anchor] = {}
    in_db: set[bytes] = set()
    db_anchors = list(AuditAnchor.objects.order_by("seq", "signed_at"))
    for anchor in db_anchors:
        message = anchor_message_for(anchor)
        if not crypto.anchor_signed_by_pinned_key(message, anchor.signature):
            faults.append(
                Fault(
                    ANCHOR_SIGNATURE,
                    anchor.seq,
                    _("The anchor signed at %(time)s (event %(seq)s) is not signed by the pinned anchor key: it was altered or forged.")
                    % {"time": crypto.utc_text(anchor.signed_at), "seq": anchor.seq},
                )
            )
            continue
        in_db.add(message)
        trusted[message] = _Anchor(anchor.seq, anchor.hmac, _db_label(anchor))

    path = anchor_file()
    lines, exists = read_lines()
    in_file: set[bytes] = set()
    for number, line in lines:
        try:
            if line is None:
                raise ValueError(number)
            message = line_message(line)
            seq, head_hmac = int(line["seq"]), str(line["hmac"])
        except (KeyError, TypeError, ValueError):
            faults.append(
                Fault(
                    ANCHOR_FILE_INVALID,
                    None,
                    _("Line %(line)s of the anchor file %(path)s cannot be read.") % {"line": number, "path": path},
                )
            )
            continue
        if not crypto.anchor_signed_by_pinned_key(message, str(line.get("signature", ""))):
            faults.append(
                Fault(
                    ANCHOR_SIGNATURE,
                    seq,
                    _(
                        "Line %(line)s of the anchor file %(path)s (event %(seq)s) is not signed by the pinned anchor key: "
                        "it was altered or forged."
                    )
                    % {"line": number, "path": path, "seq": seq},
                )
            )
            continue
        in_file.add(message)
        trusted.setdefault(message, _Anchor(seq, head_hmac, _("line %(line)s of the anchor file") % {"line": number}))

    for message in sorted(in_db - in_file, key=lambda m: trusted[m].seq):
        anchor_ref = trusted[message]
        if exists:
            text = _("The anchor of event %(seq)s (%(anchor)s) is missing from the anchor file %(path)s.")
        else:
            text = _("The anchor of event %(seq)s (%(anchor)s) is not in the anchor file: %(path)s does not exist.")
        faults.append(Fault(ANCHOR_NOT_IN_FILE, anchor_ref.seq, text % {"seq": anchor_ref.seq, "anchor": anchor_ref.label, "path": path}))
    for message in sorted(in_file - in_db, key=lambda m: trusted[m].seq):
        anchor_ref = trusted[message]
        faults.append(
            Fault(
                ANCHOR_MISSING,
                anchor_ref.seq,
                _("The anchor of event %(seq)s in %(anchor)s is missing from the database (deleted).")
                % {"seq": anchor_ref.seq, "anchor": anchor_ref.label},
            )
        )
    return sorted(trusted.values(), key=lambda a: a.seq), faults


# --- payloads -----------------------------------------------------------------------------------

_SHREDDED = "shredded"
_NO_KEY = "no-key"
_BAD_WRAP = "bad-wrap"


class _Keys:
    """Data keys by id, unwrapped once; bounded so that a trail about millions of subjects fits in memory."""

    LIMIT = 100_000

    def __init__(self) -> None:
        self._cache: dict[int, AESGCM | str] = {}

    def load(self, ids: set[int]) -> None:
        wanted = ids - self._cache.keys()
        if not wanted:
            return
        if len(self._cache) + len(wanted) > self.LIMIT:
            self._cache.clear()
        found = AuditDataKey.objects.filter(pk__in=wanted).values_list("pk", "wrapped_key", "shredded_at")
        for pk, wrapped, shredded_at in found:
            if not wrapped:
                self._cache[pk] = _SHREDDED if shredded_at is not None else _NO_KEY
                continue
            try:
                self._cache[pk] = crypto.payload_cipher(crypto.unwrap_data_key(bytes(wrapped)))
            except (InvalidTag, ValueError):
                self._cache[pk] = _BAD_WRAP
        for pk in wanted - self._cache.keys():
            self._cache[pk] = _NO_KEY

    def get(self, pk: int) -> AESGCM | str:
        return self._cache.get(pk, _NO_KEY)


def _payload_fault(row: tuple[Any, ...], keys: _Keys) -> Fault | None | str:
    """None if the payload matches the digest, ``_SHREDDED`` if it cannot be checked, else the fault."""
    seq, key_id, digest, payload, ciphertext = row[_SEQ], row[_KEY_ID], row[_DIGEST], row[_PAYLOAD], row[_CIPHERTEXT]
    if ciphertext is None:
        if key_id is not None:
            return Fault(UNDECRYPTABLE, seq, _("Event %(seq)s names a data key but its encrypted payload is gone.") % {"seq": seq})
        actual = hashlib.sha256(crypto.canonical_json(payload)).hexdigest() if payload is not None else _EMPTY_DIGEST
        if actual != digest:
            return Fault(
                PAYLOAD_CHANGED, seq, _("The payload of event %(seq)s was changed (it no longer matches its digest).") % {"seq": seq}
            )
        return None
    if payload is not None:
        return Fault(PAYLOAD_CHANGED, seq, _("Event %(seq)s has a plain payload beside its encrypted one (payload added).") % {"seq": seq})
    if key_id is None:
        return Fault(UNDECRYPTABLE, seq, _("Event %(seq)s has an encrypted payload but names no data key.") % {"seq": seq})
    cipher = keys.get(key_id)
    if cipher == _SHREDDED:
        return _SHREDDED
    if cipher == _NO_KEY:
        return Fault(
            UNDECRYPTABLE,
            seq,
            _("The payload of event %(seq)s could not be decrypted: its data key is gone, but was never shredded.") % {"seq": seq},
        )
    if cipher == _BAD_WRAP or isinstance(cipher, str):
        return Fault(
            UNDECRYPTABLE,
            seq,
            _(
                "The payload of event %(seq)s could not be decrypted: its data key does not open with the master key "
                "(key changed, or another KSSP_DATA_KEY)."
            )
            % {"seq": seq},
        )
    try:
        plain = crypto.decrypt_with(cipher, bytes(ciphertext))
    except (InvalidTag, ValueError):
        return Fault(
            UNDECRYPTABLE,
            seq,
            _("The payload of event %(seq)s could not be decrypted: its ciphertext fails the authentication tag (changed).") % {"seq": seq},
        )
    if hashlib.sha256(plain).hexdigest() != digest:
        return Fault(
            PAYLOAD_CHANGED,
            seq,
            _("The encrypted payload of event %(seq)s decrypts, but to another payload than the one in the chain (ciphertext swapped).")
            % {"seq": seq},
        )
    return None


# --- the walk -----------------------------------------------------------------------------------


def _pages(after_seq: int, up_to: int | None, batch: int) -> Iterator[list[tuple[Any, ...]]]:
    last = after_seq
    while True:
        query = AuditEvent.objects.filter(seq__gt=last)
        if up_to is not None:
            query = query.filter(seq__lte=up_to)
        page = list(query.order_by("seq").values_list(*_COLUMNS)[:batch])
        if not page:
            return
        yield page
        last = page[-1][_SEQ]
        if len(page) < batch:
            return


_LIST_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def _mac_of_row(row: tuple[Any, ...], key: bytes) -> str:
    """``service.compute_hmac`` over a fetched row (same message, without building a model instance)."""
    values = ["" if v is None else str(v) for v in row[:_N_CHAIN]]
    occurred: dt.datetime = row[_OCCURRED]
    if occurred.tzinfo is not dt.UTC:
        occurred = occurred.astimezone(dt.UTC)
    values[_OCCURRED] = occurred.isoformat(timespec="microseconds")[:26] + "Z"
    return crypto.chain_mac(_LIST_ENCODER.encode(values).encode(), key)


def _mac_with_seq(evt: AuditEvent, seq: int) -> str:
    original = evt.seq
    evt.seq = seq
    try:
        return compute_hmac(evt)
    finally:
        evt.seq = original


def _explain_bad_mac(seq: int, prev_hmac: str) -> Fault:
    """A row whose MAC does not match: changed in place, moved here, or slipped in."""
    evt = AuditEvent.objects.get(seq=seq)
    following = AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("prev_hmac", flat=True).first()
    if following is not None and following == evt.prev_hmac:
        # The next event links past this one to its predecessor: this row was slipped in.
        return Fault(INSERTED, seq, _("Event %(seq)s does not belong to the chain (inserted).") % {"seq": seq})
    if evt.prev_hmac == prev_hmac:
        return Fault(CHANGED, seq, _("Event %(seq)s was changed.") % {"seq": seq})
    # Its MAC may still be intact for another position: then it was moved.
    origin = AuditEvent.objects.filter(hmac=evt.prev_hmac).values_list("seq", flat=True).first()
    if evt.prev_hmac == GENESIS:
        origin = 0
    if origin is not None and _mac_with_seq(evt, origin + 1) == evt.hmac:
        return Fault(REORDERED, seq, _("Event %(seq)s was moved here from position %(origin)s.") % {"seq": seq, "origin": origin + 1})
    return Fault(INSERTED, seq, _("Event %(seq)s does not belong to the chain (inserted).") % {"seq": seq})


@dataclass
class _Walk:
    last_seq: int
    last_hmac: str
    checked: int = 0
    shredded: int = 0
    fault: Fault | None = None


def _walk(walk: _Walk, *, up_to: int | None, anchored: dict[int, list[_Anchor]], keys: _Keys, batch: int) -> None:
    """Check events after ``walk.last_seq`` (up to ``up_to``), continuing ``walk``; stop at the first fault."""
    expected_seq = walk.last_seq + 1
    prev_hmac = walk.last_hmac
    mac_key = settings.AUDIT_HMAC_KEY
    for page in _pages(walk.last_seq, up_to, batch):
        keys.load({row[_KEY_ID] for row in page if row[_KEY_ID] is not None and row[_CIPHERTEXT] is not None})
        for row in page:
            seq = row[_SEQ]
            if seq != expected_seq:
                if seq > expected_seq:
                    walk.fault = Fault(
                        MISSING,
                        expected_seq,
                        _("Event %(seq)s is missing (the next event present is %(next)s).") % {"seq": expected_seq, "next": seq},
                    )
                else:
                    walk.fault = Fault(INSERTED, seq, _("Event %(seq)s appears twice.") % {"seq": seq})
                return
            row_hmac = row[_HMAC]
            if row_hmac != _mac_of_row(row, mac_key):
                walk.fault = _explain_bad_mac(seq, prev_hmac)
                return
            if row[_PREV] != prev_hmac:
                # A valid MAC that does not follow its predecessor: the predecessor was replaced or moved.
                walk.fault = Fault(
                    REORDERED,
                    seq,
                    _("Event %(seq)s does not follow the event before it (events reordered or replaced).") % {"seq": seq},
                )
                return
            if row[_CIPHERTEXT] is not None or row[_DIGEST] != _EMPTY_DIGEST or row[_PAYLOAD] is not None or row[_KEY_ID] is not None:
                outcome = _payload_fault(row, keys)
                if outcome == _SHREDDED:
                    walk.shredded += 1
                elif isinstance(outcome, Fault):
                    walk.fault = outcome
                    return
            for anchor in anchored.get(seq, ()):
                if anchor.hmac != row_hmac:
                    walk.fault = Fault(
                        ANCHOR_MISMATCH,
                        seq,
                        _("Event %(seq)s is not the one signed in %(anchor)s: the chain was rewritten up to here.")
                        % {"seq": seq, "anchor": anchor.label},
                    )
                    return
            prev_hmac = row_hmac
            expected_seq += 1
            walk.checked += 1
            walk.last_seq, walk.last_hmac = seq, row_hmac


def _head_faults(walk: _Walk, keys: _Keys, batch: int) -> list[Fault]:
    """Compare the head with the last event, following writers that append while the walk runs."""
    for _round in range(5):
        head = AuditHead.objects.filter(pk=1).first()
        if head is None or head.seq <= walk.last_seq:
            break
        before = walk.last_seq
        _walk(walk, up_to=head.seq, anchored={}, keys=keys, batch=batch)
        if walk.fault is not None:
            return [walk.fault]
        if walk.last_seq == before:
            break
    if head is None:
        return []
    if head.seq > walk.last_seq:
        return [
            Fault(
                MISSING,
                walk.last_seq + 1,
                _("Events %(first)s to %(last)s are missing (the tail was removed).") % {"first": walk.last_seq + 1, "last": head.seq},
            )
        ]
    if head.seq < walk.last_seq:
        return [
            Fault(
                HEAD_MISMATCH,
                head.seq + 1,
                _(
                    "The chain head names event %(head)s, but events up to %(last)s are present "
                    "(appended outside the audit service, or the head was moved back)."
                )
                % {"head": head.seq, "last": walk.last_seq},
            )
        ]
    if head.hmac != walk.last_hmac:
        return [Fault(HEAD_MISMATCH, walk.last_seq, _("The chain head does not match the last event."))]
    return []


def verify_chain(*, batch: int = 5000) -> VerifyResult:
    """Verify the whole trail: events, payloads, head and every anchor (database and file)."""
    # Anchors first: anything anchored is already written, so the walk that follows meets it.
    anchors, anchor_faults = load_anchors()
    anchored: dict[int, list[_Anchor]] = {}
    for anchor in anchors:
        anchored.setdefault(anchor.seq, []).append(anchor)
    keys = _Keys()
    walk = _Walk(0, GENESIS)
    _walk(walk, up_to=None, anchored=anchored, keys=keys, batch=batch)
    faults: list[Fault] = []
    if walk.fault is not None:
        faults.append(walk.fault)
    else:
        faults.extend(_head_faults(walk, keys, batch))
        beyond = [a for a in anchors if a.seq > walk.last_seq]
        if beyond and not faults:
            top = beyond[-1]
            faults.append(
                Fault(
                    HEAD_BEHIND_ANCHOR,
                    walk.last_seq + 1,
                    _(
                        "Events %(first)s to %(last)s are missing: %(anchor)s names event %(last)s, "
                        "but the chain ends at %(end)s (tail removed)."
                    )
                    % {"first": walk.last_seq + 1, "last": top.seq, "anchor": top.label, "end": walk.last_seq},
                )
            )
    faults.extend(anchor_faults)
    return _result(walk.checked, faults, walk.shredded, len({(a.seq, a.hmac) for a in anchors}))


def verify_since(anchor: TrustedAnchor | None, *, up_to: AuditHead, batch: int = 5000) -> VerifyResult:
    """Verify the events after ``anchor`` (a validly signed one, or None for all) up to the head ``up_to``.

    Used before signing a new anchor, so that an anchor never vouches for a chain that does not verify."""
    keys = _Keys()
    if anchor is None:
        walk = _Walk(0, GENESIS)
    else:
        at = AuditEvent.objects.filter(seq=anchor.seq).values_list("hmac", flat=True).first()
        if at is None:
            fault = Fault(
                HEAD_BEHIND_ANCHOR,
                anchor.seq,
                _("Event %(seq)s, named by %(anchor)s, is missing (tail removed).") % {"seq": anchor.seq, "anchor": anchor.label},
            )
            return _result(0, [fault], 0, 1)
        if at != anchor.hmac:
            fault = Fault(
                ANCHOR_MISMATCH,
                anchor.seq,
                _("Event %(seq)s is not the one signed in %(anchor)s: the chain was rewritten up to here.")
                % {"seq": anchor.seq, "anchor": anchor.label},
            )
            return _result(0, [fault], 0, 1)
        walk = _Walk(anchor.seq, anchor.hmac)
    _walk(walk, up_to=up_to.seq, anchored={}, keys=keys, batch=batch)
    faults = [walk.fault] if walk.fault is not None else []
    if not faults and walk.last_seq < up_to.seq:
        faults.append(
            Fault(
                MISSING,
                walk.last_seq + 1,
                _("Events %(first)s to %(last)s are missing (the tail was removed).") % {"first": walk.last_seq + 1, "last": up_to.seq},
            )
        )
    elif not faults and walk.last_hmac != up_to.hmac:
        faults.append(Fault(HEAD_MISMATCH, walk.last_seq, _("The chain head does not match the last event.")))
    return _result(walk.checked, faults, walk.shredded, 0 if anchor is None else 1)
