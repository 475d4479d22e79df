"""Security pages (issue #3 point 11): the second sign-in step and enrolment, backup codes, the PIN and
the locked screen, break-glass, one-time password reset links, and the access review of memberships.

Views parse input, call one service and render (ARCHITECTURE rule 1). The second step works on a
*pending* sign-in: after a correct password the session only remembers who owes a code (for
``MFA_PENDING_SECONDS``); the user is signed in, and the session stamped as verified, only when the
code is accepted. Wrong codes count in django-axes as failed sign-ins (username + IP), and django-otp
throttles each device.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any, cast
from urllib.parse import quote, urlencode

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice

from kssp.accounts import permissions as perms
from kssp.accounts import security
from kssp.accounts import services as account_services
from kssp.accounts import services_security as services
from kssp.accounts.actor import SESSION_KEY, acting_membership, actor_for
from kssp.accounts.forms_security import (
    BreakGlassForm,
    MembershipReviewForm,
    OtpCodeForm,
    OtpEnrolForm,
    PasswordResetForm,
    PinForm,
    UnlockForm,
    UserTargetForm,
)
from kssp.accounts.models import Membership, User
from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.forms import apply_service_error
from kssp.core.policy import Actor, Scope
from kssp.core.web import Request, require_perm

OTP_ISSUER = "KSSP"


# --- helpers ------------------------------------------------------------------------------------------


def _anonymous_actor(request: Request) -> Actor:
    return actor_for(
        None,
        None,
        source=getattr(request, "source", "web"),
        request_id=getattr(request, "request_id", None),
        ip=getattr(request, "client_ip", None),
    )


def _user_actor(request: Request, user: User) -> Actor:
    return actor_for(
        user,
        acting_membership(request, user),
        source=getattr(request, "source", "web"),
        request_id=getattr(request, "request_id", None),
        ip=getattr(request, "client_ip", None),
    )


def _me(request: Request) -> User:
    """The signed-in user as a model instance (``request.user`` is a lazy wrapper)."""
    user_id = request.user.pk
    if user_id is None:
        raise PermissionDenied
    return User.objects.get(pk=user_id)


def _safe_next(request: Request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return reverse("home")


def _credentials(user: User) -> dict[str, str]:
    return {"username": user.get_username()}


def _axes_refuses(request: Request, user: User) -> HttpResponse | None:
    """django-axes' lockout page if this username + address is locked (the second step shares the lock)."""
    if AxesProxyHandler.is_allowed(request, _credentials(user)):
        return None
    return get_lockout_response(request, None, _credentials(user))


def _axes_failure(request: Request, user: User) -> None:
    """A wrong code counts as a failed sign-in for django-axes (username + IP)."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)


def _subject(request: Request) -> tuple[User | None, bool]:
    """Whose second factor this page is about: (user, pending). ``pending`` means not signed in yet."""
    if request.user.is_authenticated:
        return _me(request), False
    user, _data = security.pending_user(request)
    return user, True


def _expired_step(request: Request) -> HttpResponse:
    messages.warning(request, _("The sign-in took too long. Sign in again."))
    return redirect("accounts:login")


# --- the second sign-in step ----------------------------------------------------------------------------


def start_second_step(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """Called by the sign-in view after a correct password when the user owes a second factor."""
    request.session.cycle_key()
    request.session[security.PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "next": next_url,
        "since": security.now(),
    }
    if security.has_second_factor(user):
        return redirect("accounts:otp_verify")
    return redirect("accounts:otp_enrol")


def _complete(request: Request, user: User, device: Device, *, pending: bool) -> str:
    """Sign in (if pending) and stamp the session as verified. Returns where to go next."""
    if pending:
        data = request.session.pop(security.PENDING_KEY, {}) or {}
        next_url = _safe_next(request, data.get("next"))
        auth_login(request, user, backend=data.get("backend") or "django.contrib.auth.backends.ModelBackend")
        django_otp.login(request, device)
        membership = acting_membership(request, user)
        if membership is not None:
            request.session[SESSION_KEY] = membership.pk
        security.stamp_signed_in(request, verified=True)
        account_services.login_record(actor=_user_actor(request, user), success=True, username=user.get_username())
        return next_url
    django_otp.login(request, device)
    request.session[security.MFA_AT_KEY] = security.now()
    return reverse("accounts:security")


@never_cache
def otp_verify(request: Request) -> HttpResponse:
    user, pending = _subject(request)
    if user is None:
        return _expired_step(request)
    if not pending and (security.session_verified(request) or not security.has_second_factor(user)):
        return redirect("accounts:security")
    if not security.has_second_factor(user):
        return redirect("accounts:otp_enrol")
    refused = _axes_refuses(request, user)
    if refused is not None:
        return refused
    form = OtpCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = services.otp_verify(actor=_user_actor(request, user), user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            apply_service_error(form, exc)
            _axes_failure(request, user)
            status = 400
        else:
            if isinstance(device, StaticDevice):
                left = security.backup_codes_left(user)
                messages.warning(request, _("You signed in with a backup code. Backup codes left: %(count)s.") % {"count": left})
            return redirect(_complete(request, user, device, pending=pending))
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/security/otp_verify.html", {"form": form, "subject": user}, status=status)


def _qr_svg(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_inline(scale=5, light="#fff", title=_("QR code for your authenticator app"),
                                                      svgclass="kssp-qr"))


def _grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


@never_cache
def otp_enrol(request: Request) -> HttpResponse:
    user, pending = _subject(request)
    if user is None:
        return _expired_step(request)
    if security.has_second_factor(user):
        return redirect("accounts:otp_verify" if pending else "accounts:security")
    refused = _axes_refuses(request, user)
    if refused is not None:
        return refused
    actor = _user_actor(request, user)
    device = services.otp_enrolment_device(actor=actor, user=user)
    form = OtpEnrolForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.otp_enrol_confirm(actor=actor, user=user, code=form.cleaned_data["code"])
        except ApplicationError as exc:
            apply_service_error(form, exc)
            _axes_failure(request, user)
            status = 400
        else:
            next_url = _complete(request, user, device, pending=pending)
            return render(
                request,
                "accounts/security/backup_codes.html",
                {"codes": [security.format_backup_code(c) for c in codes], "next_url": next_url, "first_time": True},
            )
    elif request.method == "POST":
        status = 400
    uri = _config_url(device)
    secret = uri.split("secret=", 1)[1].split("&", 1)[0]
    context = {
        "form": form,
        "subject": user,
        "qr_svg": _qr_svg(uri),
        "otpauth_uri": uri,
        "secret": secret,
        "secret_grouped": _grouped(secret),
        "pending": pending,
    }
    return render(request, "accounts/security/otp_enrol.html", context, status=status)


def _config_url(device: Any) -> str:
    """The otpauth:// URI the QR code carries (Key Uri Format; the issuer names the platform)."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    label = quote(f"{OTP_ISSUER}:{device.user.get_username()}")
    params = urlencode({"secret": secret, "issuer": OTP_ISSUER, "algorithm": "SHA1", "digits": device.digits, "period": device.step})
    return f"otpauth://totp/{label}?{params}"


# --- the user's own security settings -------------------------------------------------------------------


@never_cache
def security_overview(request: Request) -> HttpResponse:
    user = _me(request)
    actor = request.actor
    context = {
        "has_totp": security.has_second_factor(user),
        "verified": security.session_verified(request),
        "mfa_required": security.mfa_required(user),
        "backup_left": security.backup_codes_left(user),
        "has_pin": security.has_pin(user),
        "pin_form": PinForm(),
        "can_break_glass": actor.has_perm(perms.BREAK_GLASS),
        "can_manage_users": actor.has_perm(perms.USERS_MANAGE),
        "can_review": actor.has_perm(perms.MEMBERSHIPS_MANAGE),
        "idle_minutes": max(1, round(float(security.setting("SCREEN_LOCK_IDLE_SECONDS")) / 60)),
        "shift_hours": security.setting("SHIFT_HOURS"),
    }
    return render(request, "accounts/security/overview.html", context)


@require_POST
def backup_codes_regenerate(request: Request) -> HttpResponse:
    user = _me(request)
    if security.has_second_factor(user) and not security.session_verified(request):
        raise PermissionDenied
    try:
        codes = services.backup_codes_regenerate(actor=request.actor, user=user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("accounts:security")
    return render(
        request,
        "accounts/security/backup_codes.html",
        {"codes": [security.format_backup_code(c) for c in codes], "next_url": reverse("accounts:security"), "first_time": False},
    )


@never_cache
def pin_set(request: Request) -> HttpResponse:
    form = PinForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.pin_set(actor=request.actor, user=_me(request), pin=form.cleaned_data["pin"],
                                 password=form.cleaned_data["password"])
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("Your screen-lock PIN is set."))
                return redirect("accounts:security")
        return render(request, "accounts/security/pin_form.html", {"form": form}, status=400)
    return render(request, "accounts/security/pin_form.html", {"form": form})


@require_POST
def pin_remove(request: Request) -> HttpResponse:
    services.pin_remove(actor=request.actor, user=_me(request))
    messages.info(request, _("Your PIN was removed; a locked screen now asks for your password."))
    return redirect("accounts:security")


# --- screen lock ------------------------------------------------------------------------------------------


def lock_session(request: HttpRequest, *, why: str) -> None:
    """Lock this session's screen (the middleware shows the lock screen until it is unlocked)."""
    if security.is_locked(request):
        return
    request.session[security.LOCKED_KEY] = {"since": security.now(), "why": why}
    services.screen_lock_record(actor=cast(Request, request).actor, why=why)


def locked_url(next_path: str = "") -> str:
    url = reverse("accounts:screen_locked")
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        url = f"{url}?{urlencode({'next': next_path})}"
    return url


@require_POST
def screen_lock(request: Request) -> HttpResponse:
    """The header's "Lock screen" button (``why=manual``), or the page script after the idle time (``why=idle``)."""
    lock_session(request, why="idle" if request.POST.get("why") == "idle" else "manual")
    return redirect(locked_url(_safe_next(request, request.POST.get("next"))))


@never_cache
def screen_locked(request: Request) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if not security.is_locked(request):
        return redirect(next_url)
    user = _me(request)
    uses_pin = security.has_pin(user)
    form = UnlockForm(request.POST or None, uses_pin=uses_pin)
    status = 200
    if request.method == "POST":
        outcome = services.screen_unlock(actor=request.actor, user=user, secret=request.POST.get("secret", ""))
        if outcome.ok:
            request.session.pop(security.LOCKED_KEY, None)
            request.session[security.LAST_ACTIVE_KEY] = security.now()
            return redirect(next_url)
        if outcome.exhausted:
            logout(request)
            messages.error(request, _("Too many wrong PINs: you were signed out. Sign in again with your password."))
            return redirect("accounts:login")
        form.is_valid()  # bound to the POST (the password widget never echoes the secret back)
        if uses_pin:
            message = _("Wrong PIN. %(count)s attempts left before you are signed out.") % {"count": outcome.remaining}
        else:
            message = _("Wrong password. %(count)s attempts left before you are signed out.") % {"count": outcome.remaining}
        form.add_error("secret", message)
        status = 400
    membership = acting_membership(request, user)
    context = {"form": form, "locked_user": user, "membership": membership, "next_url": next_url, "uses_pin": uses_pin}
    return render(request, "accounts/security/locked.html", context, status=status)


@require_POST
def activity(request: Request) -> HttpResponse:
    """Keep-alive from the page script while the user types or clicks (the middleware stamps activity)."""
    return HttpResponse(status=204)


# --- break-glass ---------------------------------------------------------------------------------------------


@never_cache
def break_glass(request: Request) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.BREAK_GLASS)
    maximum = int(security.setting("BREAK_GLASS_MAX_MINUTES"))
    form = BreakGlassForm(request.POST or None, types=services.break_glass_types(), max_minutes=maximum)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                access = services.break_glass_open(
                    actor=actor, record_type=data["record_type"], public_id=data["public_id"], reason=data["reason"],
                    minutes=data["minutes"],
                )
            except ServicePermissionDenied:
                raise PermissionDenied from None
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                until = timezone.localtime(access.expires_at).strftime("%H:%M")
                messages.warning(
                    request,
                    _("Break-glass access is open until %(until)s. It is recorded, and the owning institution's auditors are alerted.")
                    % {"until": until},
                )
                url = services.break_glass_record_url(access)
                if url:
                    return redirect(f"{url}?purpose=break-glass+access")
                return redirect("accounts:break_glass")
        status = 400
    context = {"form": form, "accesses": services.break_glass_list_of(actor=actor), "max_minutes": maximum}
    return render(request, "accounts/security/break_glass.html", context, status=status)


# --- password reset by a one-time link -------------------------------------------------------------------


@never_cache
def password_reset(request: Request, token: str) -> HttpResponse:
    """The page of a one-time reset link. Opening it spends nothing; only a successful POST does."""
    template = "accounts/security/password_reset.html"
    form = PasswordResetForm(request.POST or None)
    link = services.reset_link_for(token)
    if link is None:
        return render(request, template, {"form": form, "usable": False}, status=404)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.password_reset_complete(
                    actor=_anonymous_actor(request), token=token, password=form.cleaned_data["password"],
                    password_again=form.cleaned_data["password_again"],
                )
            except ApplicationError as exc:  # NotFound included: the link vanished meanwhile
                if exc.code not in {"expired", "not_found"}:
                    apply_service_error(form, exc)
            else:
                if request.user.is_authenticated:
                    logout(request)
                messages.success(request, _("Your new password is set. Sign in with it."))
                return redirect("accounts:login")
        link.refresh_from_db()
    usable = link.is_usable()
    return render(request, template, {"form": form, "usable": usable}, status=status if usable else 410)


# --- administrators: users' sign-in security, access review -------------------------------------------


def _institution_users(actor: Actor) -> Any:
    """Active users with a valid membership in the administrator's institution."""
    memberships = Membership.objects.valid().filter(unit__institution_id=actor.ids.institution_id)
    return User.objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by("last_name", "first_name", "username")


def _user_of_institution(actor: Actor, public_id: Any) -> User:
    user = _institution_users(actor).filter(public_id=public_id).first()
    if user is None:
        raise Http404
    return user


@never_cache
def account_security_admin(request: Request) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.USERS_MANAGE)
    issued: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        target = UserTargetForm(request.POST)
        if not target.is_valid():
            raise Http404
        user = _user_of_institution(actor, target.cleaned_data["user"])
        action = request.POST.get("action")
        try:
            if action == "reset_link":
                link, token = services.password_reset_issue(actor=actor, user=user)
                issued = {
                    "user": user,
                    "url": request.build_absolute_uri(reverse("accounts:password_reset", args=[token])),
                    "expires_at": link.expires_at,
                }
            elif action == "reset_otp":
                services.otp_reset(actor=actor, user=user, reason=request.POST.get("reason", "")[:1000])
                messages.success(request, _("Two-factor authentication of %(user)s was reset.") % {"user": user})
                return redirect("accounts:account_security_admin")
            else:
                raise Http404
        except NotFound:
            raise Http404 from None
        except ServicePermissionDenied:
            raise PermissionDenied from None
        except ApplicationError as exc:
            fields = exc.fields or {}
            detail = "; ".join(str(m) for msgs in fields.values() for m in msgs)
            messages.error(request, f"{exc.message} {detail}".strip())
            status = 400
    users = _institution_users(actor)
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    rows = [
        {"user": u, "has_totp": security.has_second_factor(u), "has_pin": security.has_pin(u), "is_self": u.pk == actor.user_id}
        for u in page.object_list
    ]
    context = {"rows": rows, "page_obj": page, "issued": issued}
    return render(request, "accounts/security/account_admin.html", context, status=status)


@never_cache
def access_review(request: Request) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.MEMBERSHIPS_MANAGE)
    status = 200
    if request.method == "POST":
        form = MembershipReviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a membership and what to do with it."))
            status = 400
        else:
            membership = (
                Membership.objects.select_related("unit__institution", "role", "user")
                .filter(public_id=form.cleaned_data["membership"])
                .first()
            )
            if membership is None or (membership.unit.institution_id != actor.institution_id and actor.scope != Scope.NATIONAL):
                raise Http404
            try:
                if form.cleaned_data["decision"] == "confirm":
                    services.membership_review_confirm(actor=actor, membership=membership)
                    messages.success(request, _("Membership confirmed: %(m)s, %(user)s.") % {"m": membership, "user": membership.user})
                else:
                    account_services.membership_end(actor=actor, membership=membership, reason=form.cleaned_data["reason"] or "")
                    messages.success(request, _("Membership ended: %(m)s, %(user)s.") % {"m": membership, "user": membership.user})
                return redirect("accounts:access_review")
            except NotFound:
                raise Http404 from None
            except ServicePermissionDenied:
                raise PermissionDenied from None
            except ApplicationError as exc:
                fields = exc.fields or {}
                detail = "; ".join(str(m) for msgs in fields.values() for m in msgs)
                messages.error(request, f"{exc.message} {detail}".strip())
                status = 400
    due = services.memberships_due_for_review(institution_id=actor.ids.institution_id)
    page = Paginator(due, 50).get_page(request.GET.get("page"))
    context = {"page_obj": page, "days": security.setting("ACCESS_REVIEW_DAYS")}
    return render(request, "accounts/security/access_review.html", context, status=status)
