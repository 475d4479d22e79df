"""Badges for markings and statuses: ``{% load kssp_badges %}``.

Simple tags rather than included templates: a list page shows three badges on each of its rows, and
an include costs the template engine about as much as the rest of the row (measured, issue #7 point 4).
Colour is never the only signal: the text is always shown (static/css/kssp.css gives each level its own
border style as well).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def classification_badge(level: Any, label: Any) -> SafeString:
    """The legal classification (Law 03/L-178) of a record: ``level`` is the integer 0 Unclassified … 4
    Top secret (kssp.core.markings.Classification), ``label`` its display text
    (``obj.get_classification_display``)."""
    return format_html('<span class="badge kssp-badge kssp-class-{}">{}</span>', level, label)


@register.simple_tag
def handling_badge(code: Any, label: Any, long: bool = False) -> SafeString:
    """A handling code (H0–H3, Europol style), a restriction on further use; nothing when ``code`` is
    empty. ``label`` is the full wording (``obj.get_handling_code_display``), which starts with the code:
    shown whole with ``long=True``, otherwise the code with the wording for screen readers only."""
    if not code:
        return SafeString("")
    if long:
        return format_html('<span class="badge kssp-badge kssp-handling kssp-handling-long">{}</span>', label)
    return format_html(
        '<span class="badge kssp-badge kssp-handling">{}<span class="visually-hidden"> – {}</span></span>', code, label
    )


@register.simple_tag
def status_badge(status: Any, label: Any) -> SafeString:
    """A workflow status: ``status`` is the stored value (the colour class: "draft", "issued",
    "withdrawn"…), ``label`` its display text (``obj.get_status_display``)."""
    return format_html('<span class="badge kssp-badge kssp-status kssp-status-{}">{}</span>', status, label)
