#!/usr/bin/env python3
"""Write var/secrets.env with fresh random keys, once (used by `make demo`; production sets the
environment instead). Runs without Django: the settings need these keys to load at all."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.secrets_file import write_secrets  # noqa: E402


def main() -> int:
    path, created = write_secrets(Path(os.environ.get("KSSP_VAR_DIR", ROOT / "var")))
    print(f"Wrote {path}" if created else f"{path} exists; keys kept.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
