"""``{% load kssp_worklist %}``: the tasks panel and the timeline of any record.

    {% include "worklist/_panel.html" with record=bulletin %}
    {% include "worklist/_timeline.html" with record=bulletin %}

Both read through the worklist selectors as the request's actor; a record the actor may not see
shows nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from kssp.core.exceptions import NotFound
from kssp.core.notifications.targets import model_label
from kssp.core.worklist import selectors
from kssp.core.worklist.policies import attachable_policies

register = template.Library()


def _actor(context: Any) -> Any:
    request = context.get("request")
    return getattr(request, "actor", None)


@register.simple_tag(takes_context=True)
def record_tasks(context: Any, record: Any) -> dict[str, Any]:
    """The panel's content: rows of the record's tasks, and where to add one if the actor may (the task
    page: its form lists who may be given the task, which cost a record's page a third of its time
    under load when it was built on every page)."""
    actor = _actor(context)
    if actor is None or record is None or not actor.is_authenticated:
        return {"rows": [], "add_url": None, "available": False}
    policy = attachable_policies().get(type(record))
    if policy is None:
        return {"rows": [], "add_url": None, "available": False}
    rows = selectors.task_rows(selectors.record_work_items(actor=actor, record=record))
    add_url = None
    if policy.can(actor, "change", record):
        add_url = f"{reverse('worklist:work_item_new')}?{urlencode({'record_type': model_label(record), 'record': record.public_id})}"
    return {"rows": rows, "add_url": add_url, "available": True}


@register.simple_tag(takes_context=True)
def record_timeline(context: Any, record: Any) -> list[Any]:
    actor = _actor(context)
    if actor is None or record is None:
        return []
    try:
        return selectors.record_timeline(actor=actor, record=record)
    except NotFound:
        return []
