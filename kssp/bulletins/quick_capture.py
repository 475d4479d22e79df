"""Quick capture of a bulletin, offline-tolerant (issue #3 point 9): the pattern later modules copy.

The page draws a short form whose hidden ``public_id`` is the record's client-generated UUID (made by
the server when the page is drawn, replaced by ``crypto.randomUUID()`` in the page for each record).
``static/js/kssp-offline.js`` turns the form into a queue (``static/js/offline-queue.js``): a record is
kept on the device until the server has answered, and sent again with backoff when the connection
returns; ``static/sw.js`` (served next to the page, so that its scope is the page) keeps the page
itself available without a connection. The server side is ``kssp.core.offline.submit_once``: the same
UUID twice creates one record (201, then 200 with the same record); with other content it is refused
(409) and the first record is kept.

Without JavaScript the form is an ordinary form (a double submit of one page is still one record).
The offline queue asks for JSON (``Accept: application/json``) and gets ``kssp.core.offline``'s answer.

Mount (in ``kssp/bulletins/urls.py``)::

    from kssp.bulletins import quick_capture
    urlpatterns += quick_capture.urlpatterns
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
from django.urls import path, reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kssp.bulletins import permissions as perms
from kssp.bulletins import services
from kssp.bulletins.choices import BulletinKind
from kssp.bulletins.models import Bulletin
from kssp.bulletins.selectors import bulletin_list_visible_to
from kssp.core.exceptions import ApplicationError, Conflict
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.forms import BootstrapMixin, apply_service_error
from kssp.core.markings import Classification
from kssp.core.offline import CLIENT_ID_FIELD, offline_response, submit_once, wants_json
from kssp.core.offline_views import service_worker
from kssp.core.policy import Actor
from kssp.core.web import Request

# The page's response header that tells static/sw.js it may keep a copy for use without a connection.
SHELL_HEADER = "X-KSSP-Offline-Shell"


class QuickCaptureForm(BootstrapMixin, forms.Form):
    """The few fields one can type at a scene; the rest is completed later on the full form."""

    public_id = forms.UUIDField(widget=forms.HiddenInput())
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BulletinKind.choices, initial=BulletinKind.LOOKOUT)
    classification = forms.TypedChoiceField(
        label=gettext_lazy("Classification"), choices=Classification.choices, coerce=int, initial=Classification.RESTRICTED,
    )
    contains_personal_data = forms.BooleanField(label=gettext_lazy("Holds personal data"), required=False)
    body = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, clearance: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["public_id"].initial = uuid.uuid4()
        # Display only what the actor may choose; the service refuses the rest anyway.
        self.fields["classification"].widget.choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Classification.choices if value <= clearance
        ]

    def content(self) -> dict[str, Any]:
        """The arguments of ``bulletin_create`` (what the digest of the submission is computed over)."""
        return {name: value for name, value in self.cleaned_data.items() if name != CLIENT_ID_FIELD}


def _create(actor: Actor, client_id: uuid.UUID, content: dict[str, Any]) -> Bulletin:
    return services.bulletin_create(actor=actor, public_id=client_id, **content)


def owner_key(request: Request) -> str:
    """An opaque tag of the signed-in user, so that a shared tablet never sends one user's queued
    records in another user's session (the queue keeps them aside)."""
    user = request.user
    return salted_hmac("kssp.bulletins.quick_capture.owner", str(user.pk), algorithm="sha256").hexdigest()[:24]


def _page(request: Request, form: QuickCaptureForm, *, status: int = 200, conflict: str = "") -> HttpResponse:
    context = {
        "form": form,
        "conflict": conflict,
        "owner_key": owner_key(request),
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
    }
    response = render(request, "bulletins/quick_capture.html", context, status=status)
    if status == 200:
        response[SHELL_HEADER] = "1"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def quick_capture(request: Request) -> HttpResponse:
    actor: Actor = request.actor
    as_json = wants_json(request)
    if not actor.is_authenticated or not actor.has_perm(perms.CREATE):
        if as_json:
            return offline_response(status=403, state="refused", message=_("You do not have permission to do this."))
        raise PermissionDenied
    if request.method != "POST":
        return _page(request, QuickCaptureForm(clearance=actor.clearance))

    form = QuickCaptureForm(request.POST, clearance=actor.clearance)
    if not form.is_valid():
        if as_json:
            errors = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
            return offline_response(status=400, state="invalid", message=_("The bulletin was not saved."), fields=errors)
        return _page(request, form, status=400)
    client_id = form.cleaned_data[CLIENT_ID_FIELD]
    content = form.content()
    try:
        outcome = submit_once(
            actor=actor, model=Bulletin, public_id=client_id, content=content,
            create=lambda: _create(actor, client_id, content),
        )
    except Conflict as exc:
        if as_json:
            return offline_response(status=409, state="conflict", message=str(exc.message), public_id=client_id)
        fresh = QuickCaptureForm(initial={**content, CLIENT_ID_FIELD: uuid.uuid4()}, clearance=actor.clearance)
        return _page(request, fresh, status=409, conflict=str(exc.message))
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
        return _page(request, form, status=400)

    bulletin = outcome.obj
    visible = bulletin_list_visible_to(actor=actor).filter(pk=bulletin.pk).exists()
    url = reverse("bulletins:bulletin_detail", args=[bulletin.public_id]) if visible else ""
    if outcome.created:
        message = _("Bulletin %(number)s was saved as a draft.") % {"number": bulletin.number}
    elif visible:
        message = _("Bulletin %(number)s had already been received; nothing was changed.") % {"number": bulletin.number}
    else:
        message = _("This record had already been received; nothing was changed.")
    if as_json:
        return offline_response(
            status=outcome.status_code, state="created" if outcome.created else "duplicate", message=message,
            public_id=client_id, url=url,
        )
    messages.success(request, message)
    return redirect(url or reverse("bulletins:bulletin_quick_capture"))


urlpatterns = [
    path("quick-capture/", quick_capture, name="bulletin_quick_capture"),
    path("quick-capture/sw.js", service_worker, name="bulletin_quick_capture_sw"),
]
