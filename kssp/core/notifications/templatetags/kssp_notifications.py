"""``{% load kssp_notifications %}``: the header badge's unread count."""

from __future__ import annotations

from typing import Any

from django import template

from kssp.core.notifications.selectors import notification_unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: dict[str, Any]) -> int:
    request = context.get("request")
    return notification_unread_count(user=getattr(request, "user", None))
