"""Security operations (issue #3 point 11): settings, the reads the login flow and the session
middleware need, and the session stamps they share.

Nothing here writes to the database: the writes (enrolment, verification, PIN, lock, break-glass,
reset links, access review) are services in ``kssp.accounts.services_security``.

Settings (``settings.KSSP``, each with a default):

* ``MFA_REQUIRED`` — require the second factor of every user whose valid membership has a role that
  sees personal data or is privileged. Default: on, except in test runs, where the test helpers do not
  yet complete a second step (tests that check the second step switch it on).
* ``SHIFT_HOURS`` (12) — absolute session limit from sign-in, whatever the activity.
* ``SCREEN_LOCK_IDLE_SECONDS`` (900) — inactivity before the screen locks (passive polls do not count).
* ``SCREEN_LOCK_MAX_FAILURES`` (10) — wrong PINs on a locked screen before a full sign-out.
* ``MFA_PENDING_SECONDS`` (600) — how long a correct password waits for the second step.
* ``PASSWORD_RESET_MINUTES`` (30) — validity of an administrator's one-time reset link.
* ``BREAK_GLASS_MAX_MINUTES`` (60) — longest break-glass time box.
* ``ACCESS_REVIEW_DAYS`` (90) — a membership not reviewed for this long is due for review.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from kssp.accounts.models import Membership, ScreenLock, User

DEFAULTS: dict[str, Any] = {
    "SHIFT_HOURS": 12,
    "SCREEN_LOCK_IDLE_SECONDS": 15 * 60,
    "SCREEN_LOCK_MAX_FAILURES": 10,
    "MFA_PENDING_SECONDS": 10 * 60,
    "PASSWORD_RESET_MINUTES": 30,
    "BREAK_GLASS_MAX_MINUTES": 60,
    "ACCESS_REVIEW_DAYS": 90,
}

# Session keys (one place, so that tests and the middleware agree).
PENDING_KEY = "kssp_mfa_pending"  # {"user": pk, "backend": str, "next": str, "since": epoch}
LOGIN_AT_KEY = "kssp_login_at"  # epoch seconds of the completed sign-in (the shift limit counts from it)
MFA_AT_KEY = "kssp_mfa_at"  # epoch seconds of the second step (absent: the session was never verified)
LAST_ACTIVE_KEY = "kssp_last_active"  # epoch seconds of the last request that was not a passive poll
LOCKED_KEY = "kssp_locked"  # {"since": epoch, "why": "manual" | "idle"} while the screen is locked

# Backup codes: lower-case letters and digits without look-alikes (0/o, 1/l/i).
BACKUP_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
BACKUP_CODE_LENGTH = 10
BACKUP_CODE_COUNT = 10


def setting(name: str) -> Any:
    return settings.KSSP.get(name, DEFAULTS[name])


def mfa_enforced() -> bool:
    return bool(settings.KSSP.get("MFA_REQUIRED", not getattr(settings, "TESTING", False)))


def now() -> float:
    return time.time()


# --- who needs the second factor --------------------------------------------------------------------


def role_needs_mfa_q() -> Q:
    return Q(role__sees_personal_data=True) | Q(role__privileged=True)


def mfa_required(user: User) -> bool:
    """Whether ``user`` must pass a second factor: any valid membership whose role sees personal data
    (users-review point 12) or is privileged (administrators issue reset links and memberships), and
    any account that may open the Django admin (staff, superuser)."""
    if not mfa_enforced():
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.valid().filter(user=user).filter(role_needs_mfa_q()).exists()


def totp_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()


def backup_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_codes_left(user: User) -> int:
    device = backup_device(user)
    return device.token_set.count() if device is not None else 0


def has_second_factor(user: User) -> bool:
    return totp_device(user) is not None


def second_step_needed(user: User) -> bool:
    """After a correct password: ask for a code if the user must have one, or has one anyway."""
    return mfa_required(user) or has_second_factor(user)


def screen_lock_of(user: User) -> ScreenLock | None:
    return ScreenLock.objects.filter(user=user).first()


def has_pin(user: User) -> bool:
    lock = screen_lock_of(user)
    return lock is not None and lock.has_pin


def normalise_backup_code(raw: str) -> str:
    return "".join(ch for ch in raw.lower() if ch.isalnum())


def looks_like_totp(raw: str) -> bool:
    digits = "".join(ch for ch in raw if not ch.isspace())
    return digits.isdigit() and len(digits) in (6, 8)


def format_backup_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


# --- session state ------------------------------------------------------------------------------------


def pending_user(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    """The user who gave a correct password and now owes the second step, if still within time."""
    data = request.session.get(PENDING_KEY)
    if not isinstance(data, dict):
        return None, {}
    if now() - float(data.get("since", 0)) > float(setting("MFA_PENDING_SECONDS")):
        request.session.pop(PENDING_KEY, None)
        return None, {}
    user_pk = data.get("user")
    user = User.objects.filter(pk=user_pk, is_active=True).first() if isinstance(user_pk, int) else None
    if user is None:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    return user, data


def session_verified(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def session_second_factor_ok(request: HttpRequest, user: Any) -> bool:
    """For API session authentication: the session passed the second step, or the user needs none."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if session_verified(request):
        return True
    return not mfa_required(user)


def is_locked(request: HttpRequest) -> bool:
    return isinstance(request.session.get(LOCKED_KEY), dict)


def stamp_signed_in(request: HttpRequest, *, verified: bool) -> None:
    moment = now()
    request.session[LOGIN_AT_KEY] = moment
    request.session[LAST_ACTIVE_KEY] = moment
    request.session.pop(LOCKED_KEY, None)
    if verified:
        request.session[MFA_AT_KEY] = moment
