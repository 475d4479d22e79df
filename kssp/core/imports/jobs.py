"""Periodic job of the imports: resume validations whose worker died (ARCHITECTURE rule 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kssp.core.imports.services import resume_stale_batches
from kssp.core.schedule import periodic


@periodic("imports.resume", every="minute")
def resume_stale_imports(now: dt.datetime) -> dict[str, Any]:
    return {"resumed": resume_stale_batches(now=now)}
