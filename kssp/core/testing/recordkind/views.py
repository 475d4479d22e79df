from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kssp.core.exceptions import NotFound
from kssp.core.testing.recordkind.selectors import samplerecord_get_visible_to
from kssp.core.web import Request


@never_cache
def samplerecord_detail(request: Request, public_id: Any) -> HttpResponse:
    """The detail page with the panels every record page carries (grants, attachments, links, tasks)."""
    actor = request.actor
    purpose = (request.GET.get("purpose") or "").strip()[:300] or "sample record detail page"
    try:
        record = samplerecord_get_visible_to(actor=actor, public_id=public_id, purpose=purpose)
    except NotFound:
        raise Http404 from None
    return render(request, "recordkind/samplerecord_detail.html", {"record": record})
