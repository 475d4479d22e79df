"""Keys and MACs for the audit trail. All keys come from the environment (config/settings.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def chain_mac(message: bytes) -> str:
    return hmac.new(settings.AUDIT_HMAC_KEY, message, hashlib.sha256).hexdigest()


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
    return _aead(key).decrypt(blob[:12], blob[12:], b"kssp-audit-payload")


def anchor_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(settings.AUDIT_ANCHOR_KEY)


def anchor_public_key_hex() -> str:
    return anchor_private_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def anchor_message(day: str, seq: int, head_hmac: str) -> bytes:
    return f"kssp-audit-anchor|{day}|{seq}|{head_hmac}".encode()


def verify_anchor_signature(public_key_hex: str, message: bytes, signature_hex: str) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True
