"""Session security for signed-in staff (issue #3 point 11), in this order on every request:

1. **Shift limit**: a session ends ``SHIFT_HOURS`` after sign-in, whatever the activity (absolute).
2. **Second factor**: a user who must have one and whose session has not passed it is signed out (a
   session can lack it only if it began before the requirement, or its device was reset since).
3. **Screen lock**: a locked session (the "Lock screen" button, or ``SCREEN_LOCK_IDLE_SECONDS`` without
   activity) shows the lock screen on every page until the PIN is entered. Activity is any request
   except passive polls: a view that serves a passive htmx poll sets ``request.kssp_passive = True``,
   and such a request neither counts as activity nor keeps a session awake.

Install after MessageMiddleware (it adds messages) and after ActorMiddleware/OTPMiddleware::

    "django_otp.middleware.OTPMiddleware",
    "kssp.accounts.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kssp.accounts.middleware_security.SessionSecurityMiddleware",
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from kssp.accounts import security
from kssp.accounts import services_security as services

# Activity is stamped at most this often (seconds; less for a very short idle time), so that a busy page
# does not write the session on every request.
ACTIVITY_RESOLUTION = 30.0

# Paths that never need a session check (served before any personal data is shown).
ALWAYS_OPEN = ("/static/", "/healthz", "/public/", "/i18n/")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


class SessionSecurityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(ALWAYS_OPEN):
            return self.get_response(request)
        refused = self._check(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        self._stamp_activity(request)
        return response

    # --- the checks --------------------------------------------------------------------------------

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        moment = security.now()
        login_at = session.get(security.LOGIN_AT_KEY)
        if not isinstance(login_at, int | float):
            # A session that predates this middleware (or a test login): the shift starts now.
            session[security.LOGIN_AT_KEY] = moment
            session.setdefault(security.LAST_ACTIVE_KEY, moment)
            login_at = moment
        hours = float(security.setting("SHIFT_HOURS"))
        if moment - float(login_at) > hours * 3600:
            services.session_expired_record(actor=request.actor, hours=hours)  # type: ignore[attr-defined]
            return self._sign_out(request, _("Your shift session ended after %(hours)s hours. Sign in again.") % {"hours": _hours(hours)})

        if not security.session_verified(request) and security.mfa_required(request.user):  # type: ignore[arg-type]
            return self._sign_out(request, _("Sign in again and enter the code from your authenticator app."))

        if self._exempt_from_lock(request):
            return None
        if not security.is_locked(request):
            last = session.get(security.LAST_ACTIVE_KEY)
            idle = float(security.setting("SCREEN_LOCK_IDLE_SECONDS"))
            if isinstance(last, int | float) and moment - float(last) > idle:
                from kssp.accounts.views_security import lock_session

                lock_session(request, why="idle")
            elif not isinstance(last, int | float):
                session[security.LAST_ACTIVE_KEY] = moment
        if security.is_locked(request):
            return self._locked(request)
        return None

    def _exempt_from_lock(self, request: HttpRequest) -> bool:
        open_paths = {
            reverse("accounts:screen_lock"), reverse("accounts:screen_locked"), reverse("accounts:logout"), reverse("accounts:login")
        }
        return request.path in open_paths

    # --- responses ------------------------------------------------------------------------------------

    def _sign_out(self, request: HttpRequest, message: str) -> HttpResponse:
        logout(request)
        if _is_api(request):
            return JsonResponse({"error": {"code": "not_authenticated", "message": message, "fields": {}}}, status=401)
        messages.warning(request, message)
        login = reverse("accounts:login")
        if request.method == "GET" and not _is_htmx(request):
            login = f"{login}?{urlencode({'next': request.get_full_path()})}"
        if _is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = login
            return response
        return redirect(login)

    def _locked(self, request: HttpRequest) -> HttpResponse:
        from kssp.accounts.views_security import locked_url

        if _is_api(request):
            message = _("The screen is locked. Unlock it in the browser, or use an API token.")
            return JsonResponse({"error": {"code": "session_locked", "message": message, "fields": {}}}, status=403)
        target = locked_url(request.get_full_path() if request.method == "GET" and not _is_htmx(request) else "")
        if _is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)

    # --- activity -------------------------------------------------------------------------------------

    def _stamp_activity(self, request: HttpRequest) -> None:
        if getattr(request, "kssp_passive", False):
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or security.is_locked(request):
            return
        moment = security.now()
        last = request.session.get(security.LAST_ACTIVE_KEY)
        resolution = min(ACTIVITY_RESOLUTION, float(security.setting("SCREEN_LOCK_IDLE_SECONDS")) / 4)
        if not isinstance(last, int | float) or moment - float(last) >= resolution:
            request.session[security.LAST_ACTIVE_KEY] = moment


def _hours(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
