"""Quick capture of any record type, offline-tolerant (issue #3 point 9, made generic in #6 point 4).

A record type with an ``offline_form`` in its declaration gets a short page (``<code>_quick_capture``)
whose hidden ``public_id`` field carries the client-generated UUID of each queued record (made by the
server when the page is drawn, replaced by ``crypto.randomUUID()`` in the page for each record): the
sender's idempotency key, never the record's public id, which the server makes. ``static/js/kssp-offline.js``
turns the form into a queue (``static/js/offline-queue.js``): a record is kept on the device until the
server has answered, and sent again with backoff when the connection returns; ``static/sw.js`` (served
next to the page, so that its scope is the page) keeps the page available without a connection. The
server side is ``kssp.core.offline.submit_once``: the same user sending the same UUID twice creates one
record (201, then 200 with the same record); with other content it is refused (409) and the first
record is kept; another user's same UUID is another record.

Without JavaScript the form is an ordinary form (a double submit of one page is still one record). The
offline queue asks for JSON (``Accept: application/json``) and gets ``kssp.core.offline``'s answer.

The offline form: a plain form with a hidden ``public_id`` (``forms.UUIDField``), taking
``clearance=``; its other cleaned fields are the arguments of the type's create service.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kssp.core.exceptions import ApplicationError, Conflict
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.forms import apply_service_error
from kssp.core.offline import CLIENT_ID_FIELD, offline_response, submit_once, wants_json
from kssp.core.offline_views import service_worker
from kssp.core.views_records import RecordPages
from kssp.core.web import Request

# The page's response header that tells static/sw.js it may keep a copy for use without a connection.
SHELL_HEADER = "X-KSSP-Offline-Shell"


def owner_key(request: Request) -> str:
    """An opaque tag of the signed-in user, so that a shared tablet never sends one user's queued
    records in another user's session (the queue keeps them aside)."""
    return salted_hmac("kssp.core.quick_capture.owner", str(request.user.pk), algorithm="sha256").hexdigest()[:24]


class QuickCapture:
    """The quick-capture page of one record type, from its pages and its declaration's offline form."""

    template = "records/quick_capture.html"

    def __init__(self, pages: RecordPages, *, label_field: str = "title") -> None:
        self.pages = pages
        self.label_field = label_field  # what the device's queue shows for a waiting record

    @property
    def form_class(self) -> type[forms.Form]:
        form = self.pages.declaration.offline_form
        if form is None:
            raise LookupError(f"{self.pages.declaration.label} declares no offline_form")
        return form

    def make_form(self, data: Any = None, *, clearance: int, initial: dict[str, Any] | None = None) -> forms.Form:
        form = self.form_class(data, initial=initial, clearance=clearance)  # type: ignore[call-arg]
        if data is None and not (initial or {}).get(CLIENT_ID_FIELD):
            form.fields[CLIENT_ID_FIELD].initial = uuid.uuid4()
        return form

    def page(self, request: Request, form: forms.Form, *, status: int = 200, conflict: str = "") -> HttpResponse:
        pages = self.pages
        context = {
            "form": form,
            "conflict": conflict,
            "owner_key": owner_key(request),
            "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
            "plural_label": pages.declaration.plural_label,
            "list_url": pages.url("list"),
            "page_url": pages.url("quick_capture"),
            "sw_url": pages.url("quick_capture_sw"),
            "label_field": self.label_field,
            "submit_label": pages.text("save_new", _("Save")),
        }
        response = render(request, self.template, context, status=status)
        if status == 200:
            response[SHELL_HEADER] = "1"
        return response

    def view(self, request: Request) -> HttpResponse:
        actor = request.actor
        pages = self.pages
        as_json = wants_json(request)
        if not actor.is_authenticated or not actor.has_perm(pages.declaration.create_perm):
            if as_json:
                return offline_response(status=403, state="refused", message=_("You do not have permission to do this."))
            raise PermissionDenied
        if request.method != "POST":
            return self.page(request, self.make_form(clearance=actor.clearance))
        form = self.make_form(request.POST, clearance=actor.clearance)
        if not form.is_valid():
            if as_json:
                errors = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
                return offline_response(status=400, state="invalid", message=str(pages.writes.not_saved), fields=errors)
            return self.page(request, form, status=400)
        client_id = form.cleaned_data[CLIENT_ID_FIELD]
        content = {name: value for name, value in form.cleaned_data.items() if name != CLIENT_ID_FIELD}
        try:
            outcome = submit_once(
                actor=actor, model=pages.model, client_uuid=client_id, content=content,
                create=lambda: pages.writes.create(actor=actor, **content),
            )
        except Conflict as exc:
            if as_json:
                return offline_response(status=409, state="conflict", message=str(exc.message), public_id=client_id)
            fresh = self.make_form(initial={**content, CLIENT_ID_FIELD: uuid.uuid4()}, clearance=actor.clearance)
            return self.page(request, fresh, status=409, conflict=str(exc.message))
        except ServicePermissionDenied as exc:
            if as_json:
                return offline_response(status=403, state="refused", message=str(exc.message), public_id=client_id)
            raise PermissionDenied(str(exc.message)) from None
        except ApplicationError as exc:
            if as_json:
                return offline_response(
                    status=exc.status, state="invalid", message=str(exc.message), public_id=client_id,
                    fields={name: [str(m) for m in msgs] for name, msgs in exc.fields.items()},
                )
            apply_service_error(form, exc)
            return self.page(request, form, status=400)

        record = outcome.obj
        visible = pages.model.objects.visible_to(actor).filter(pk=record.pk).exists()
        url = pages.url("detail", record.public_id) if visible else ""
        number = pages.declaration.number(record)
        if outcome.created:
            message = pages.created_message(record)
        elif visible:
            message = _("%(number)s had already been received; nothing was changed.") % {"number": number}
        else:
            message = _("This record had already been received; nothing was changed.")
        if as_json:
            return offline_response(
                status=outcome.status_code, state="created" if outcome.created else "duplicate", message=message,
                public_id=client_id, url=url,
            )
        messages.success(request, message)
        return redirect(url or pages.url("quick_capture"))

    def urls(self) -> list[URLPattern]:
        code = self.pages.declaration.code
        return [
            path("quick-capture/", never_cache(require_http_methods(["GET", "POST"])(self.view)), name=f"{code}_quick_capture"),
            # Reachable without a session (LOGIN_EXEMPT_URL_NAMES): the browser refreshes it on its own.
            path("quick-capture/sw.js", service_worker, name=f"{code}_quick_capture_sw"),
        ]
