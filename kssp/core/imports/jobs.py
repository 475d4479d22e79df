"""Periodic job of the imports: resume validations whose worker died, and remove what a promotion
whose process died left hidden (ARCHITECTURE rule 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kssp.core.imports.services import abandon_stale_promotions, resume_stale_batches
from kssp.core.schedule import periodic


@periodic("imports.resume", every="minute")
def resume_stale_imports(now: dt.datetime) -> dict[str, Any]:
    return {"resumed": resume_stale_batches(now=now), "promotions_abandoned": abandon_stale_promotions(now=now)}
