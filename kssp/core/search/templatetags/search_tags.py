"""``{% search_needs_purpose request.actor as needs %}``: whether a type the actor may search logs a
consultation (the header box then asks for a purpose). Reads the in-memory registry and the actor's
permissions only: the header costs no query."""

from __future__ import annotations

from typing import Any

from django import template

from kssp.core.search.registry import any_type_requires_purpose

register = template.Library()


@register.simple_tag
def search_needs_purpose(actor: Any = None) -> bool:
    return actor is not None and any_type_requires_purpose(actor)
