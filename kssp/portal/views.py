"""The public site (issue #3 point 10): home, message to the institutions, status by tracking code,
what we record, and the language switch. No login, no address (AnonymityMiddleware), no cookie but
the language and, on pages with a form, CSRF.

Every page goes through ``portal_page`` (language, no shared caching). Bad input answers with the
form and a translated message (400), a used-up hourly allowance with 429, a missing receiving unit
with 503; nothing is ever half-written, and a robot that fills the honeypot is told "received".
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from kssp.core.exceptions import ApplicationError, Conflict
from kssp.core.form_tokens import create_once
from kssp.core.forms import apply_service_error
from kssp.core.offline import submit_once
from kssp.portal import conf, ratelimit, services, tracking
from kssp.portal.forms import ContactForm, StatusForm
from kssp.portal.i18n import portal_page
from kssp.portal.models import PublicSubmission
from kssp.portal.selectors import public_submission_for_code

logger = logging.getLogger(__name__)


def _message(request: HttpRequest, *, title: str, message: str, status: int, retry_after: int | None = None) -> HttpResponse:
    response = render(request, "portal/message.html", {"title": title, "message": message, "status": status}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _too_many(request: HttpRequest) -> HttpResponse:
    return _message(
        request,
        title=_("Please wait a little"),
        message=_("Too many requests came from your connection in the last hour. Please try again later. "
                  "In an emergency call 192 (police) or 112."),
        status=429,
        retry_after=ratelimit.limiter.retry_after(),
    )


_ERRORS = {
    400: (gettext_lazy("Bad request"), gettext_lazy("The request could not be understood.")),
    403: (gettext_lazy("Not allowed"), gettext_lazy("You do not have permission to do this.")),
    404: (gettext_lazy("Not found"), gettext_lazy("There is nothing here, or you may not see it.")),
    500: (gettext_lazy("Something went wrong"), gettext_lazy("The error was logged. Nothing was saved.")),
}


@portal_page
def error_page(request: HttpRequest, *, status: int) -> HttpResponse:
    """The public site's error pages, in its own layout and language (settings.KSSP_SECTION_ERROR_VIEWS)."""
    title, message = _ERRORS.get(status, _ERRORS[500])
    return _message(request, title=str(title), message=str(message), status=status)


@require_GET
@portal_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html")


@require_GET
@portal_page
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html", {"code_bits": tracking.BITS})


@require_http_methods(["GET", "POST"])
@csrf_protect
@portal_page
def contact(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "portal/contact.html", {"form": ContactForm()})
    if not ratelimit.allow(request, "submit"):
        return _too_many(request)
    form = ContactForm(request.POST)
    if form.is_robot:
        # Looks received; nothing is kept. The code shown is random and leads nowhere.
        logger.info("public message discarded: the honeypot field was filled")
        return render(request, "portal/received.html", {"code": tracking.new_code(), "created": True})
    if not form.is_valid():
        return render(request, "portal/contact.html", {"form": form}, status=400)
    issued: dict[str, str] = {}
    actor = services.public_actor(request_id=getattr(request, "request_id", None))
    arguments = form.service_arguments()

    def create() -> PublicSubmission:
        submission, code = services.public_submission_create(actor=actor, **arguments)
        issued["code"] = code
        return submission

    def create_once_by_client_id() -> PublicSubmission:
        outcome = submit_once(
            actor=actor, model=PublicSubmission, client_uuid=form.cleaned_data["public_id"], content=arguments, create=create
        )
        return cast(PublicSubmission, outcome.obj)

    try:
        # The page's form token: sending the same page again (Back, then "send") answers with the first
        # message's tracking code, kept encrypted under a key only that page holds.
        result = create_once(
            request, form, model=PublicSubmission, create=create_once_by_client_id,
            extra=lambda _submission: {"code": issued.get("code", "")},
        )
    except services.PortalUnavailable as exc:
        return _message(request, title=_("Not available"), message=str(exc.message), status=503)
    except Conflict:
        # The page was sent before with other content: the first message stands; offer a fresh form.
        form = ContactForm(initial={**arguments, "public_id": uuid.uuid4()})
        return render(request, "portal/contact.html", {"form": form, "conflict": True}, status=409)
    except ApplicationError as exc:
        apply_service_error(form, exc)
        return render(request, "portal/contact.html", {"form": form}, status=400)
    code = issued.get("code") or str(result.extra.get("code") or "")
    if not code:
        return render(request, "portal/received.html", {"created": False})
    return render(request, "portal/received.html", {"code": code, "created": True, "again": not result.created})


@require_http_methods(["GET", "POST"])
@csrf_protect
@portal_page
def status(request: HttpRequest) -> HttpResponse:
    """The sender's view of their message, by tracking code. The code travels in the body of a POST,
    never in the address (which browsers keep in their history and servers in their logs)."""
    if request.method != "POST":
        return render(request, "portal/status.html", {"form": StatusForm()})
    if not ratelimit.allow(request, "lookup"):
        return _too_many(request)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/status.html", {"form": form}, status=400)
    submission = public_submission_for_code(code=form.cleaned_data["code"])
    if submission is None:
        form.add_error("code", _("No message has this tracking code. Check the code and try again."))
        return render(request, "portal/status.html", {"form": form}, status=404)
    return render(request, "portal/status.html", {"form": StatusForm(), "submission": submission, "found": True})


@require_GET
def language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the public site's language: sets the language cookie (the only cookie of a plain visit)
    and goes back to the page, which must be a page of the public site."""
    target = request.GET.get("next", "")
    public_root = reverse("portal:home")
    if not (url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith(public_root)):
        target = public_root
    response = HttpResponseRedirect(target)
    if code in conf.languages():
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, code,
            max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=cast(Any, settings.LANGUAGE_COOKIE_SAMESITE),
        )
    response["Cache-Control"] = "no-store"
    return response
