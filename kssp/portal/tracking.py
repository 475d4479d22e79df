"""Tracking codes for citizens (issue #3 point 10).

A code is 16 symbols of Crockford's base-32 alphabet (digits and capitals without I, L, O and U),
80 random bits from ``secrets``, shown in groups of four: ``7KQ3-M9XD-2HFA-P8RT``. Reading it back
forgives what people do when they copy a code: lower case, spaces or missing dashes, and the letters
O, I and L typed for 0, 1 and 1.

Only a SHA-256 hash of the normalised code is stored. The code is shown once, on the page that
confirms the submission; a database reader (or a backup) cannot get from the table to a working code,
so cannot read the answer meant for the citizen or pose as them. 80 bits make guessing pointless, so
the hash needs no key (and survives a change of the server secret). Staff never see the code.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
GROUP = 4
BITS = LENGTH * 5
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise(code: str) -> str | None:
    """The canonical symbols of a code as typed, or None if it cannot be one."""
    cleaned = "".join(ch for ch in str(code or "").upper() if not ch.isspace() and ch not in "-–—_.")
    cleaned = cleaned.translate(_READ_AS)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def code_hash(code: str) -> str | None:
    canonical = normalise(code)
    if canonical is None:
        return None
    return hashlib.sha256(f"kssp-portal-tracking:{canonical}".encode()).hexdigest()
