"""System checks of the public site's settings (issue #7 point 2: public messages reach a staffed unit).

``KSSP_PORTAL_RECEIVING_UNIT`` (``KSSP["PORTAL"]["RECEIVING_UNIT"]``) names the unit that receives the
public's messages. A value that is not ``INSTITUTION/UNIT`` is refused by every ``manage.py check``
(``kssp.E150``); a value that names no active unit is refused where the database is checked
(``kssp.E151``: ``migrate``, which ``make serve`` and the compose file's ``migrate`` service run before the
platform starts, and ``manage.py check --database default``), so that a mistyped code stops the start
instead of leaving the public site refusing every message. A database whose units are not loaded yet
(a fresh installation before its first migration) is not judged.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register
from django.db import DatabaseError

from kssp.portal import conf

SETTING = 'KSSP_PORTAL_RECEIVING_UNIT (settings.KSSP["PORTAL"]["RECEIVING_UNIT"])'


@register(Tags.compatibility)
def check_receiving_unit_format(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if conf.receiving_unit_codes() is not None:
        return []
    return [Error(
        f"{SETTING} is {conf.get('RECEIVING_UNIT')!r}: it must be the codes of an institution and of one of its "
        "units, as INSTITUTION/UNIT.",
        hint="For example KP/DHT. The public site refuses every message until a unit receives them.",
        id="kssp.E150",
    )]


@register(Tags.database)
def check_receiving_unit_exists(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Error]:
    codes = conf.receiving_unit_codes()
    if not databases or codes is None:
        return []
    from kssp.accounts.models import Unit
    from kssp.portal.selectors import receiving_unit

    try:
        if not Unit.objects.exists() or receiving_unit() is not None:
            return []
        known = sorted(Unit.objects.filter(institution__code=codes[0], active=True).values_list("code", flat=True))
    except DatabaseError:
        return []  # no tables yet: migrate creates them
    known_text = ", ".join(f"{codes[0]}/{code}" for code in known) if known else f"none: no active institution {codes[0]!r}"
    return [Error(
        f"{SETTING} is {'/'.join(codes)!r}, which names no active unit: the public site would refuse every message.",
        hint=f"Name a staffed unit. Active units of {codes[0]}: {known_text}.",
        id="kssp.E151",
    )]
