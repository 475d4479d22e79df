from __future__ import annotations

import datetime as dt

from django.utils import timezone


def years_ago(years: int, days: int = 0) -> dt.datetime:
    now = timezone.now()
    day = min(now.day, 28) if now.month == 2 else now.day
    return now.replace(year=now.year - years, day=day) - dt.timedelta(days=days)
