"""``{% links_panel record %}``: the links panel of a detail page, computed for the request's actor."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("links/_panel_body.html", takes_context=True)
def links_panel(context: template.Context, record: Any) -> dict[str, Any]:
    from kssp.core.links.views import panel_context

    request = context.get("request")
    if request is None or record is None or not hasattr(request, "actor"):
        return {"record": None}
    out = panel_context(request, record)
    out["csrf_token"] = context.get("csrf_token")
    return out
