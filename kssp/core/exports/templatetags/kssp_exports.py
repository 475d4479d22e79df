"""``{% export_button "<exportable>" %}``: the export link for the current page, or nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from kssp.core.exports.registry import get_exportable

register = template.Library()


@register.inclusion_tag("exports/_export_button.html", takes_context=True)
def export_button(context: dict[str, Any], name: str, label: str = "") -> dict[str, Any]:
    request = context.get("request")
    actor = getattr(request, "actor", None)
    try:
        exportable = get_exportable(name)
    except KeyError:
        return {"url": ""}
    if actor is None or not exportable.available_to(actor):
        return {"url": ""}
    query = urlencode(exportable.clean_filters(request.GET)) if request is not None else ""
    url = reverse("exports:export", args=[name]) + (f"?{query}" if query else "")
    return {"url": url, "name": name, "label": label or _("Export")}
