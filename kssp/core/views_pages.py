"""Kernel pages beyond ``views.py``: a hit notice (who asked, why, about which record), acknowledging it,
and sharing the record with the one who asked in one step."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kssp.core.exceptions import NotFound
from kssp.core.forms_grants import HitNoticeShareForm
from kssp.core.models.notices import HitNotice
from kssp.core.records.access import record_url
from kssp.core.records.registry import declaration_for
from kssp.core.selectors import hit_notice_get_for, hit_notice_record_for
from kssp.core.services.notices import hit_notice_acknowledge as acknowledge
from kssp.core.services.notices import hit_notice_share
from kssp.core.web import Failed, Request, call_or_404, done, run_service


def _notice_page(request: Request, notice: HitNotice, form: HitNoticeShareForm | None, *, status: int = 200) -> HttpResponse:
    actor = request.actor
    record = hit_notice_record_for(actor=actor, notice=notice)
    declaration = declaration_for(type(record)) if record is not None else None
    may_share = False
    if record is not None and declaration is not None:
        may_share = declaration.can(actor, "share", record) and declaration.may_share(record)
    context: dict[str, Any] = {
        "notice": notice,
        "record": record,
        "record_name": declaration.display_for(actor, record) if record is not None and declaration is not None else "",
        "record_url": record_url(record) if record is not None else "",
        "share_form": (form or HitNoticeShareForm(notice=notice)) if may_share else None,
    }
    return render(request, "core/hit_notice.html", context, status=status)


@never_cache
@require_GET
def hit_notice_detail(request: Request, public_id: str) -> HttpResponse:
    notice = call_or_404(hit_notice_get_for, actor=request.actor, public_id=public_id)
    return _notice_page(request, notice, None)


@require_POST
def hit_notice_share_view(request: Request, public_id: str) -> HttpResponse:
    """"Share with the one who asked": one grant through the kernel's grant service, audited as any share."""
    notice = call_or_404(hit_notice_get_for, actor=request.actor, public_id=public_id)
    form = HitNoticeShareForm(request.POST, notice=notice)
    if form.is_valid():
        grant = run_service(form, hit_notice_share, aliases={"user": "grantee", "unit": "grantee"}, actor=request.actor,
                            public_id=notice.public_id, grantee=form.cleaned_data["grantee"], reason=form.cleaned_data["reason"])
        if not isinstance(grant, Failed):
            messages.success(request, _("The record was shared with %(who)s.") % {"who": grant.grantee_label})
            return done(request, reverse("core:hit_notice_detail", args=[notice.public_id]))
    return _notice_page(request, notice, form, status=400)


@require_POST
def hit_notice_acknowledge(request: Request, public_id: str) -> HttpResponse:
    try:
        acknowledge(actor=request.actor, public_id=public_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The notice was marked as seen."))
    return redirect("home")
