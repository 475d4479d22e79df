from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from kssp.core.exceptions import NotFound
from kssp.core.records.access import record_get_visible_to
from kssp.core.testing.recordkind.models import SampleRecord


@never_cache
@login_required
def samplerecord_detail(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The detail page with the panels every record page carries (attachments, links, tasks)."""
    actor = request.actor  # type: ignore[attr-defined]
    purpose = (request.GET.get("purpose") or "").strip()[:300] or "sample record detail page"
    try:
        record = record_get_visible_to(actor=actor, model=SampleRecord, public_id=public_id, purpose=purpose)
    except NotFound:
        raise Http404 from None
    return render(request, "recordkind/samplerecord_detail.html", {"record": record})
