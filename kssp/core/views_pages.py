"""Kernel pages beyond ``views.py``: acknowledging hit notices from the home page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kssp.core.exceptions import NotFound
from kssp.core.services.notices import hit_notice_acknowledge as acknowledge
from kssp.core.web import Request


@require_POST
def hit_notice_acknowledge(request: Request, public_id: str) -> HttpResponse:
    try:
        acknowledge(actor=request.actor, public_id=public_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The notice was marked as seen."))
    return redirect("home")
