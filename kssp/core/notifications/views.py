"""Notification pages: the inbox (filters, mark read, mark all read), opening one, the header badge
(polled by htmx as a passive request), and the e-mail preferences.

Views parse input, call one selector or service and render (ARCHITECTURE rules 1-2). Another person's
notification answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.forms import apply_service_error, filter_form
from kssp.core.notifications import selectors, services
from kssp.core.notifications.filters import NotificationFilterSet
from kssp.core.notifications.forms import MarkAllReadForm, PreferencesForm
from kssp.core.notifications.middleware import request_is_passive
from kssp.core.web import Request, wants_fragment

PAGE_SIZE = 25
#: htmx event the inbox sends after a change, so that the header badge refreshes at once.
CHANGED_EVENT = "kssp-notifications-changed"


def _back(request: Request) -> str:
    """The inbox URL the form came from (its filters kept), never another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    inbox_url = reverse("notifications:inbox")
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return target if target and safe and target.startswith(inbox_url) else inbox_url


def _inbox_context(request: Request) -> dict[str, Any]:
    actor = request.actor
    filterset = NotificationFilterSet(request.GET or None, queryset=selectors.notification_list_for(actor=actor))
    filter_form(filterset.form)
    page_obj = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page_obj.object_list = selectors.inbox_items(actor=actor, notifications=list(page_obj.object_list))
    filtered = any(v for k, v in request.GET.items() if k != "page")
    return {
        "table": {
            "id": "notifications",
            "url": reverse("notifications:inbox"),
            "caption": _("Your notifications"),
            "filterset": filterset,
            "page_obj": page_obj,
            "columns": [_("Kind"), _("Notification"), _("Record"), _("Received"), _("Actions")],
            "row_template": "notifications/partials/_row.html",
            "empty_message": _("No notification matches these filters.") if filtered else _("You have no notifications."),
            "empty_action_url": "",
            "empty_action_label": "",
        },
        "unread": selectors.notification_unread_count(user=request.user),
        "next": request.get_full_path(),
    }


@never_cache
def inbox(request: Request) -> HttpResponse:
    context = _inbox_context(request)
    if wants_fragment(request):
        response = render(request, "components/table.html#results", context)
    else:
        response = render(request, "notifications/inbox.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@never_cache
@require_POST
def mark_read(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    try:
        notification = services.notification_mark_read(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None
    if wants_fragment(request):
        item = selectors.inbox_items(actor=actor, notifications=[notification])[0]
        response = render(request, "notifications/partials/_row.html", {"row": item, "next": _back(request)})
        response["HX-Trigger"] = CHANGED_EVENT
        return response
    return redirect(_back(request))


@never_cache
@require_POST
def mark_all_read(request: Request) -> HttpResponse:
    form = MarkAllReadForm(request.POST)
    kind = form.cleaned_data["kind"] if form.is_valid() else ""
    count = services.notification_mark_all_read(actor=request.actor, kind=kind)
    if count:
        messages.success(request, _("Marked %(count)s notifications as read.") % {"count": count})
    return redirect(_back(request))


@never_cache
@require_GET
def open_notification(request: Request, public_id: Any) -> HttpResponse:
    """Mark it read and go to its record if the reader may see it now, else to the kind's page."""
    actor = request.actor
    try:
        notification = services.notification_mark_read(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None
    item = selectors.inbox_items(actor=actor, notifications=[notification])[0]
    if item.had_target and item.record is None:
        messages.info(request, _("The record this notification is about is not available to you in your current role."))
    return redirect(item.url)


@never_cache
@require_GET
def badge(request: Request) -> HttpResponse:
    """The header badge alone, for htmx's polling. A passive request: it must not count as activity,
    so it neither modifies nor saves the session (nor adds messages)."""
    response = render(request, "notifications/_header_badge.html", {"passive": request_is_passive(request)})
    patch_vary_headers(response, ("HX-Request",))
    return response


@never_cache
def preferences(request: Request) -> HttpResponse:
    actor = request.actor
    current = services.email_preferences(request.user)
    initial = {"email_kinds": [code for code, wanted in current.items() if wanted]}
    form = PreferencesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.notification_preferences_set(actor=actor, email_kinds=form.cleaned_data["email_kinds"])
            except NotFound:
                raise Http404 from None
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Your notification preferences were saved."))
                return redirect("notifications:preferences")
        status = 400
    return render(
        request, "notifications/preferences.html",
        {"form": form, "has_email": bool(request.user.email)},  # type: ignore[union-attr]
        status=status,
    )
