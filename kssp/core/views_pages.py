"""Kernel pages beyond ``views.py``: acknowledging hit notices from the home page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kssp.core.exceptions import NotFound
from kssp.core.services.notices import hit_notice_acknowledge as acknowledge


@require_POST
@login_required
def hit_notice_acknowledge(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        acknowledge(actor=request.actor, public_id=public_id)  # type: ignore[attr-defined]
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The notice was marked as seen."))
    return redirect("home")
