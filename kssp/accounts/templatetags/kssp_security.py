"""Template tags of the security operations (the screen-lock header slot)."""

from __future__ import annotations

from django import template

from kssp.accounts import security

register = template.Library()


@register.simple_tag
def screen_lock_idle_seconds() -> int:
    """Seconds of inactivity before the screen locks (settings.KSSP["SCREEN_LOCK_IDLE_SECONDS"])."""
    return int(float(security.setting("SCREEN_LOCK_IDLE_SECONDS")))
