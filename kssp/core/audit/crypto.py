"""Keys and MACs for the audit trail. All keys come from the environment (config/settings.py).

The anchor key pair is Ed25519. Verification trusts only the public keys pinned in the settings
(``KSSP_AUDIT_ANCHOR_PUBLIC_KEY``), never a key stored next to an anchor; the private key
(``KSSP_AUDIT_ANCHOR_KEY``) is needed only where anchors are signed (the sweeper's host).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64


_CANONICAL = DjangoJSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8; dates, UUIDs and decimals as Django's JSON encoder writes them."""
    return _CANONICAL.encode(value).encode()


def _parse_float(text: str) -> float | int:
    """JSON numbers as both databases give them back: PostgreSQL's ``jsonb`` prints a float written with an
    exponent that has an integral value (``1e+16``) as an integer, and has no negative zero."""
    if "e" in text or "E" in text:
        exact = Decimal(text)
        if exact == exact.to_integral_value():
            return int(exact)
    value = float(text)
    return 0.0 if value == 0 else value


def normalise_payload(value: Any) -> Any:
    """The payload exactly as it will read back from either database: dates, UUIDs and decimals become their
    JSON text, numbers take the form ``jsonb`` keeps. The stored payload is then what was digested."""
    return json.loads(canonical_json(value), parse_float=_parse_float)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def chain_mac(message: bytes, key: bytes | None = None) -> str:
    return hmac.digest(settings.AUDIT_HMAC_KEY if key is None else key, message, "sha256").hex()


def _aead(key: bytes) -> AESGCM:
    return AESGCM(key)


def new_data_key() -> tuple[bytes, bytes]:
    """Return (plain key, key wrapped with the master DATA_KEY)."""
    key = AESGCM.generate_key(bit_length=256)
    nonce = os.urandom(12)
    return key, nonce + _aead(settings.DATA_KEY).encrypt(nonce, key, b"kssp-audit-data-key")


def unwrap_data_key(wrapped: bytes) -> bytes:
    return _aead(settings.DATA_KEY).decrypt(wrapped[:12], wrapped[12:], b"kssp-audit-data-key")


def encrypt(key: bytes, plaintext: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + _aead(key).encrypt(nonce, plaintext, b"kssp-audit-payload")


def decrypt(key: bytes, blob: bytes) -> bytes:
    """Raises ``cryptography.exceptions.InvalidTag`` when the ciphertext (or the key) is not the one sealed."""
    return _aead(key).decrypt(blob[:12], blob[12:], b"kssp-audit-payload")


def payload_cipher(key: bytes) -> AESGCM:
    """A reusable cipher for verifying many payloads under one key (see ``decrypt_with``)."""
    return AESGCM(key)


def decrypt_with(cipher: AESGCM, blob: bytes) -> bytes:
    return cipher.decrypt(blob[:12], blob[12:], b"kssp-audit-payload")


# --- anchors ------------------------------------------------------------------------------------


class AnchorKeyMissing(ImproperlyConfigured):
    """This host has no anchor signing key (it is needed only where the sweeper runs)."""


def anchor_private_key() -> Ed25519PrivateKey:
    seed = getattr(settings, "AUDIT_ANCHOR_KEY", None)
    if not seed:
        raise AnchorKeyMissing("KSSP_AUDIT_ANCHOR_KEY is not set on this host; anchors are signed where the sweeper runs.")
    return Ed25519PrivateKey.from_private_bytes(seed)


def anchor_public_key_hex() -> str:
    """The public half of this host's signing key (recorded with each anchor, for the reader; never trusted)."""
    return anchor_private_key().public_key().public_bytes_raw().hex()


def pinned_public_keys() -> tuple[bytes, ...]:
    return tuple(getattr(settings, "AUDIT_ANCHOR_PUBLIC_KEYS", ()))


def anchor_message(day: str, seq: int, head_hmac: str) -> bytes:
    """Version 1 (daily anchors made before the anchor file existed): the day, the sequence, the MAC."""
    return f"kssp-audit-anchor|{day}|{seq}|{head_hmac}".encode()


def utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def anchor_message_v2(signed_at: dt.datetime, seq: int, head_hmac: str) -> bytes:
    """Version 2: the signing time to the microsecond (UTC), the sequence and the MAC of the head."""
    return f"kssp-audit-anchor|2|{utc_text(signed_at)}|{seq}|{head_hmac}".encode()


def anchor_sign(message: bytes) -> str:
    return anchor_private_key().sign(message).hex()


def anchor_signed_by_pinned_key(message: bytes, signature_hex: str) -> bool:
    """True if one of the public keys pinned in the settings made ``signature_hex`` over ``message``."""
    try:
        signature = bytes.fromhex(signature_hex)
    except (TypeError, ValueError):
        return False
    for raw in pinned_public_keys():
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            continue
        return True
    return False
