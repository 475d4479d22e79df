"""Run every benchmark in full on one database and print their RESULT lines.

    KSSP_TESTING=1 .venv/bin/python benchmarks/run_all.py [--database sqlite|postgresql] [--keep-data]

Each writes ``benchmarks/results/<name>-<db>.json``; ``make benchmarks`` runs this on both databases.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

lines = []
for name in ("visibility", "import", "audit"):
    proc = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py"), *sys.argv[1:]],  # noqa: S603
                          check=True, capture_output=True, text=True)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    lines.append(proc.stdout.strip().splitlines()[-1])
print("\n".join(lines))
