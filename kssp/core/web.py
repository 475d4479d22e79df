"""The web toolkit every page view uses (issue #6 point 4).

* ``Request``: the request as the platform's middleware leaves it, typed, so that ``request.actor`` is
  an ``Actor`` without ``type: ignore``.
* ``LoginRequired``: Django's ``LoginRequiredMiddleware`` with the platform's exemptions listed once,
  in the settings (``LOGIN_EXEMPT_URL_NAMES`` and ``LOGIN_EXEMPT_NAMESPACES``): every other page sends
  an anonymous visitor to sign-in, whatever its view forgot.
* ``run_create``: ``run_service`` for create forms, at most once per form token (issue #7 point 2).
* ``run_service``, ``done``, ``wants_fragment``: running one service from a view, turning its refusals
  into form errors, 404 and 403, and answering htmx requests with a client redirect or a fragment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.form_tokens import Created, create_once
from kssp.core.forms import apply_service_error

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kssp.core.policy import Actor

T = TypeVar("T")


class Request(HttpRequest):
    """An ``HttpRequest`` after the platform's middleware (for type checking only)."""

    actor: Actor
    htmx: HtmxDetails
    request_id: str
    client_ip: str | None
    source: str


class LoginRequired(LoginRequiredMiddleware):
    """Sign-in for every page but the listed exemptions (public site, health, sign-in and reset, the
    service worker, language switch, and areas that answer for themselves such as ``/api/``, where DRF
    answers 401). A view may also be marked with Django's ``login_not_required``."""

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any) -> Any:
        if is_login_exempt(request):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def is_login_exempt(request: HttpRequest) -> bool:
    match = request.resolver_match
    if match is None:
        return False
    if match.view_name in settings.LOGIN_EXEMPT_URL_NAMES:
        return True
    return bool(match.namespaces) and match.namespaces[0] in settings.LOGIN_EXEMPT_NAMESPACES


class Failed:
    """What ``run_service`` returns when the service refused: its errors are on the form."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "FAILED"


FAILED = Failed()


def run_service(form: Any, service: Callable[..., T], *, aliases: dict[str, str] | None = None, **kwargs: Any) -> T | Failed:
    """Call a service: a refusal becomes errors on ``form`` (returns ``FAILED``); a record the actor may
    not see answers 404, an action the actor may not take 403."""
    try:
        return service(**kwargs)
    except NotFound:
        raise Http404 from None
    except ServicePermissionDenied as exc:
        raise PermissionDenied(str(exc.message)) from None
    except (ApplicationError, ValidationError) as exc:
        apply_service_error(form, exc, aliases=aliases)
        return FAILED


def run_create(
    request: HttpRequest, form: Any, service: Callable[..., Any], *, model: Any,
    extra: Callable[[Any], Any] | None = None, aliases: dict[str, str] | None = None, **kwargs: Any,
) -> Created | Failed:
    """``run_service`` for a create form with a token (``kssp.core.form_tokens``): the service runs at
    most once per page drawn; a second submission of the same page answers ``Created(first, created=False)``."""
    try:
        return create_once(request, form, model=model, create=lambda: service(**kwargs), extra=extra)
    except NotFound:
        raise Http404 from None
    except ServicePermissionDenied as exc:
        raise PermissionDenied(str(exc.message)) from None
    except (ApplicationError, ValidationError) as exc:
        apply_service_error(form, exc, aliases=aliases)
        return FAILED


def call_or_404(service: Callable[..., T], **kwargs: Any) -> T:
    """Call a reading service whose ``NotFound`` must answer as the 404 page."""
    try:
        return service(**kwargs)
    except NotFound:
        raise Http404 from None


def require_perm(actor: Actor, code: str) -> None:
    if not actor.is_authenticated or not actor.has_perm(code):
        raise PermissionDenied


def purpose_of(request: HttpRequest, default: str) -> str:
    """The purpose of a reading for the consultation log: the page's own, or one a link passes."""
    return (request.GET.get("purpose") or "").strip()[:300] or default


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request that replaces part of the page (not a boosted navigation)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted  # type: ignore[union-attr]


def done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful POST: a client redirect for htmx, a 302 otherwise."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
