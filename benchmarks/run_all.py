"""Run every benchmark in full and print their RESULT lines (the last line is the last benchmark's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

for script in ("bench_visibility.py", "bench_audit.py", "bench_import.py"):
    subprocess.run([sys.executable, str(HERE / script), *sys.argv[1:]], check=True)  # noqa: S603
