"""var/secrets.env: random keys for the demo and development, written once, never overwritten.

Used by `scripts/init_secrets.py` (run by `make demo`) and by the settings when a developer runs
`manage.py` on a fresh checkout. Production sets the keys in the environment and KSSP_REQUIRE_ENV=1,
which turns the missing keys into an error instead.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_secrets(var_dir: Path) -> tuple[Path, bool]:
    """Create ``var_dir/secrets.env`` if missing. Returns (path, created)."""
    path = var_dir / "secrets.env"
    if path.exists():
        return path, False
    var_dir.mkdir(parents=True, exist_ok=True)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    anchor = Ed25519PrivateKey.generate()
    lines = [
        "# Generated once with random values. Keep private: losing the audit keys makes the trail unverifiable.",
        f"KSSP_SECRET_KEY={secrets.token_urlsafe(50)}",
        f"KSSP_AUDIT_HMAC_KEY={secrets.token_hex(32)}",
        f"KSSP_AUDIT_ANCHOR_KEY={anchor.private_bytes_raw().hex()}",
        f"KSSP_AUDIT_ANCHOR_PUBLIC_KEY={anchor.public_key().public_bytes_raw().hex()}",
        f"KSSP_DATA_KEY={secrets.token_hex(32)}",
    ]
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race; its keys stand
        return path, False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path, True
