"""Security operations (issue #3 point 11): second factor, screen lock, break-glass, reset links and
the periodic access review of memberships.

Services in the sense of ARCHITECTURE rule 1: keyword-only, ``actor`` first, atomic, validated and
audited in the same transaction. Where a refusal must itself be recorded (a wrong code, a wrong PIN, a
dead reset link), the refusal is written and committed first and only then raised, so that the audit
event and django-otp's throttling counter survive the refusal.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device, VerifyNotAllowed
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kssp.accounts import permissions as perms
from kssp.accounts import security
from kssp.accounts.models import BreakGlassAccess, Membership, PasswordResetLink, ScreenLock, User
from kssp.accounts.notification_kinds import ACCESS_REVIEW_DUE
from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.models.grants import Grant, ProtectedRecord
from kssp.core.models.scoping import every_row
from kssp.core.notifications import kinds as notification_kinds
from kssp.core.notifications.recipients import members
from kssp.core.notifications.services import notify, notify_on_commit
from kssp.core.policy import INTELLIGENCE_KIND, Actor, Scope, policy_for, registered_policies
from kssp.core.services.records import require_permission

# Grant.Kind has no break-glass value yet (kssp/core/models/grants.py belongs to the kernel); the value
# is stored as text and the kernel adds the choice (see the report of issue #3 point 11).
BREAK_GLASS_KIND = str(getattr(Grant.Kind, "BREAK_GLASS", "break_glass"))



def _as_user(actor: Actor, user: User) -> Actor:
    """The request's actor, relabelled as ``user`` (for events before the sign-in is complete)."""
    if actor.user_id == user.pk:
        return actor
    return dataclasses.replace(actor, user=user, label=user.username)


def _same_institution_user(actor: Actor, user: User) -> None:
    """An administrator acts only on users with a valid membership in the administrator's institution."""
    if not Membership.objects.valid().filter(user=user, unit__institution_id=actor.ids.institution_id).exists():
        raise NotFound()


# --- second factor: enrolment ------------------------------------------------------------------------


@transaction.atomic
def otp_enrolment_device(*, actor: Actor, user: User) -> TOTPDevice:
    """The not-yet-confirmed authenticator of ``user`` (created on first call; the same secret until it
    is confirmed, so that reloading the page does not change the QR code). Not audited until confirmed."""
    if security.totp_device(user) is not None:
        raise ApplicationError(_("An authenticator is already set up for this account."), code="already_enrolled")
    device = security.totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def _new_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
    codes = ["".join(secrets.choice(security.BACKUP_CODE_ALPHABET) for _i in range(security.BACKUP_CODE_LENGTH))
             for _n in range(security.BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def otp_enrol_confirm(*, actor: Actor, user: User, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the new authenticator with a code it shows; returns the device and fresh backup codes
    (shown once). A wrong code is recorded and refused."""
    device = security.totp_device(user, confirmed=False)
    if device is None or security.totp_device(user) is not None:
        raise ApplicationError(_("Start the set-up again."), code="no_enrolment")
    outcome = _check_totp(actor=_as_user(actor, user), user=user, device=device, code=code, stage="enrolment")
    if outcome is not None:
        raise ApplicationError(outcome, fields={"code": [outcome]}, code="otp_invalid")
    return _confirm_enrolment(actor=_as_user(actor, user), user=user, device=device)


@transaction.atomic
def _confirm_enrolment(*, actor: Actor, user: User, device: TOTPDevice) -> tuple[TOTPDevice, list[str]]:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).exclude(pk=device.pk).delete()
    codes = _new_backup_codes(user)
    audit_record(actor=actor, event="auth.otp_enrolled", target=user, extra={"backup_codes": len(codes)})
    return device, codes


@transaction.atomic
def backup_codes_regenerate(*, actor: Actor, user: User) -> list[str]:
    """Replace the user's backup codes (the old ones stop working). Only for oneself, once enrolled."""
    if actor.user_id != user.pk:
        raise NotFound()
    if security.totp_device(user) is None:
        raise ApplicationError(_("Set up an authenticator first."), code="not_enrolled")
    codes = _new_backup_codes(user)
    audit_record(actor=actor, event="auth.backup_codes_generated", target=user, extra={"backup_codes": len(codes)})
    return codes


@transaction.atomic
def otp_reset(*, actor: Actor, user: User, reason: str) -> None:
    """An administrator removes a user's authenticator and backup codes (lost phone). The user sets up a
    new one at the next sign-in; sessions that passed the old one are signed out by the middleware."""
    require_permission(actor, perms.USERS_MANAGE)
    _same_institution_user(actor, user)
    if user.pk == actor.user_id:
        raise ApplicationError(_("Ask another administrator to reset your own two-factor authentication."), code="self")
    if not (reason or "").strip():
        raise ApplicationError(_("Two-factor authentication was not reset."), fields={"reason": [_("Give the reason.")]})
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    audit_record(actor=actor, event="auth.otp_reset", target=user, reason=reason.strip(), extra={"removed": removed},
                 target_institution_id=actor.institution_id)


# --- second factor: verification --------------------------------------------------------------------


def _is_replay(device: TOTPDevice, token: int) -> bool:
    """Whether ``token`` is a code of this device for a time step already used (django-otp refuses
    any step not above ``last_t``; this tells the user why)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    base = totp.drift
    for offset in range(-device.tolerance, device.tolerance + 1):
        totp.drift = base + offset
        if totp.t() <= device.last_t and totp.token() == token:
            return True
    return False


def _throttle_message(device: Device) -> str | None:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return None
    if data and data.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS and data.get("locked_until"):
        seconds = max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)
        return _("Too many wrong codes. Wait %(seconds)s seconds and try again.") % {"seconds": seconds}
    return _("Too many wrong codes. Wait a moment and try again.")


def _record_otp(actor: Actor, user: User, *, ok: bool, method: str, stage: str, reason: str = "") -> None:
    with transaction.atomic():
        if ok:
            event = "auth.backup_code_used" if method == "backup_code" else "auth.otp_verified"
            audit_record(actor=actor, event=event, target=user, extra={"method": method, "stage": stage})
        else:
            audit_record(actor=actor, event="auth.otp_failed", target=user, extra={"method": method, "stage": stage, "why": reason})


def _check_totp(*, actor: Actor, user: User, device: TOTPDevice, code: str, stage: str) -> str | None:
    """Verify a TOTP code; returns None if accepted, else the message for the user (recorded)."""
    throttled = _throttle_message(device)
    if throttled:
        _record_otp(actor, user, ok=False, method="totp", stage=stage, reason="throttled")
        return throttled
    cleaned = "".join(code.split())
    if not security.looks_like_totp(cleaned):
        _record_otp(actor, user, ok=False, method="totp", stage=stage, reason="malformed")
        return _("Enter the 6-digit code your authenticator app shows.")
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        accepted = locked.verify_token(cleaned)
    if accepted:
        device.refresh_from_db()
        _record_otp(actor, user, ok=True, method="totp", stage=stage)
        return None
    locked.refresh_from_db()
    if _is_replay(locked, int(cleaned)):
        _record_otp(actor, user, ok=False, method="totp", stage=stage, reason="replayed")
        return _("This code has already been used. Wait for the next code from your authenticator app.")
    _record_otp(actor, user, ok=False, method="totp", stage=stage, reason="wrong")
    return _("The code is not correct. Check the time on your phone and try the current code.")


def otp_verify(*, actor: Actor, user: User, code: str) -> Device:
    """The second sign-in step: a current TOTP code, or one of the backup codes (each works once).

    Returns the device that accepted the code. Refusals are recorded (``auth.otp_failed`` with why:
    wrong, replayed, throttled, malformed) and raised as ``ApplicationError`` on the ``code`` field."""
    actor = _as_user(actor, user)
    raw = (code or "").strip()
    device = security.totp_device(user)
    if device is None:
        raise ApplicationError(_("Set up an authenticator first."), code="not_enrolled")
    if not raw:
        message = _("Enter the code.")
        raise ApplicationError(message, fields={"code": [message]}, code="required")
    if security.looks_like_totp(raw):
        refusal = _check_totp(actor=actor, user=user, device=device, code=raw, stage="sign-in")
        if refusal is None:
            return device
        raise ApplicationError(refusal, fields={"code": [refusal]}, code="otp_invalid")
    backup = security.backup_device(user)
    normalised = security.normalise_backup_code(raw)
    if backup is None or len(normalised) != security.BACKUP_CODE_LENGTH:
        _record_otp(actor, user, ok=False, method="backup_code", stage="sign-in", reason="malformed")
        message = _("Enter the 6-digit code from your authenticator app, or one of your backup codes.")
        raise ApplicationError(message, fields={"code": [message]}, code="otp_invalid")
    throttled = _throttle_message(backup)
    if throttled:
        _record_otp(actor, user, ok=False, method="backup_code", stage="sign-in", reason="throttled")
        raise ApplicationError(throttled, fields={"code": [throttled]}, code="otp_throttled")
    with transaction.atomic():
        locked = StaticDevice.objects.select_for_update().get(pk=backup.pk)
        accepted = locked.verify_token(normalised)  # deletes the code it accepts: single use
    if not accepted:
        _record_otp(actor, user, ok=False, method="backup_code", stage="sign-in", reason="wrong")
        message = _("This backup code is not valid. Each backup code works only once.")
        raise ApplicationError(message, fields={"code": [message]}, code="otp_invalid")
    _record_otp(actor, user, ok=True, method="backup_code", stage="sign-in")
    return locked


# --- screen lock -------------------------------------------------------------------------------------

# PINs anyone would try first (besides repeated digits and straight runs, refused by rule).
COMMON_PINS = frozenset({
    "1004", "2000", "2580", "0852", "1379", "1397", "7913", "1122", "1212", "6969", "4321", "5683", "1313",
    "112233", "121212", "123321", "654321", "159753", "147258", "258369", "696969", "777777", "131313",
    "123123", "101010", "202020", "000000", "112358",
})


def _pin_errors(pin: str, user: User) -> list[str]:
    if not pin.isdigit() or not pin.isascii():
        return [_("The PIN may contain digits only.")]
    if not 4 <= len(pin) <= 12:
        return [_("The PIN must have 4 to 12 digits.")]
    digits = [int(c) for c in pin]
    steps = {b - a for a, b in zip(digits, digits[1:], strict=False)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}) or steps == {1, -9} or steps == {-1, 9}:
        return [_("This PIN is too easy to guess (repeated or consecutive digits).")]
    for period in range(1, len(pin) // 2 + 1):
        if len(pin) % period == 0 and pin == pin[:period] * (len(pin) // period):
            return [_("This PIN is too easy to guess (a repeated pattern).")]
    if pin in COMMON_PINS:
        return [_("This PIN is among the most common ones. Choose another.")]
    if user.username and pin in "".join(ch for ch in user.username if ch.isdigit()):
        return [_("The PIN must not be part of your username.")]
    return []


@transaction.atomic
def pin_set(*, actor: Actor, user: User, pin: str, password: str) -> ScreenLock:
    """Set or change the quick-unlock PIN; the account password confirms it is the user."""
    if actor.user_id != user.pk:
        raise NotFound()
    errors: dict[str, list[str]] = {}
    if not user.check_password(password or ""):
        errors["password"] = [_("The password is not correct.")]
    pin_problems = _pin_errors((pin or "").strip(), user)
    if pin_problems:
        errors["pin"] = pin_problems
    if errors:
        raise ApplicationError(_("The PIN was not set."), fields=errors)
    lock, _created = ScreenLock.objects.select_for_update().get_or_create(user=user)
    had_pin = lock.has_pin
    lock.pin_hash = make_password(pin.strip())
    lock.pin_set_at = timezone.now()
    lock.failed_attempts = 0
    lock.save()
    audit_record(actor=actor, event="auth.pin_set", target=user, extra={"changed": had_pin})
    return lock


@transaction.atomic
def pin_remove(*, actor: Actor, user: User) -> None:
    if actor.user_id != user.pk:
        raise NotFound()
    updated = ScreenLock.objects.filter(user=user).exclude(pin_hash="").update(pin_hash="", pin_set_at=None, failed_attempts=0)
    if updated:
        audit_record(actor=actor, event="auth.pin_removed", target=user)


@transaction.atomic
def screen_lock_record(*, actor: Actor, why: str) -> None:
    """Record that the session's screen was locked (``why``: "manual" or "idle"); the session holds the state."""
    audit_record(actor=actor, event="auth.screen_locked", extra={"why": why})


@dataclass(frozen=True)
class UnlockOutcome:
    ok: bool
    exhausted: bool = False
    remaining: int = 0


@transaction.atomic
def screen_unlock(*, actor: Actor, user: User, secret: str) -> UnlockOutcome:
    """Check the PIN (or, for a user without one, the account password) on a locked screen.

    Wrong attempts are counted on the user's row under a lock, so that parallel requests cannot try more
    than allowed; at the limit the outcome is ``exhausted`` and the caller signs the session out. Every
    attempt is recorded. Never raises for a wrong secret (the record must commit)."""
    limit = int(security.setting("SCREEN_LOCK_MAX_FAILURES"))
    lock, _created = ScreenLock.objects.select_for_update().get_or_create(user=user)
    candidate = (secret or "").strip()
    if lock.has_pin:
        good = bool(candidate) and check_password(candidate, lock.pin_hash)
    else:
        good = bool(candidate) and user.check_password(candidate)
    if good:
        lock.failed_attempts = 0
        lock.save(update_fields=["failed_attempts"])
        audit_record(actor=actor, event="auth.screen_unlocked", extra={"with": "pin" if lock.has_pin else "password"})
        return UnlockOutcome(ok=True, remaining=limit)
    lock.failed_attempts += 1
    if lock.failed_attempts >= limit:
        attempts = lock.failed_attempts
        lock.failed_attempts = 0
        lock.save(update_fields=["failed_attempts"])
        audit_record(actor=actor, event="auth.unlock_failed", extra={"attempt": attempts})
        audit_record(actor=actor, event="auth.unlock_exhausted", extra={"attempts": attempts})
        return UnlockOutcome(ok=False, exhausted=True, remaining=0)
    lock.save(update_fields=["failed_attempts"])
    audit_record(actor=actor, event="auth.unlock_failed", extra={"attempt": lock.failed_attempts})
    return UnlockOutcome(ok=False, remaining=limit - lock.failed_attempts)


@transaction.atomic
def session_expired_record(*, actor: Actor, hours: float) -> None:
    audit_record(actor=actor, event="auth.session_expired", extra={"shift_hours": hours})


# --- password reset by a one-time link ---------------------------------------------------------------


@transaction.atomic
def password_reset_issue(*, actor: Actor, user: User) -> tuple[PasswordResetLink, str]:
    """Issue a one-time reset link for a user of the administrator's institution. Earlier unused links
    of that user stop working. The token is returned once; only its SHA-256 is stored."""
    require_permission(actor, perms.USERS_MANAGE)
    _same_institution_user(actor, user)
    if user.pk == actor.user_id:
        raise ApplicationError(_("You cannot issue a reset link for yourself."), code="self")
    if not user.is_active:
        raise ApplicationError(_("This account is disabled."), code="inactive")
    now = timezone.now()
    PasswordResetLink.objects.filter(user=user, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    minutes = int(security.setting("PASSWORD_RESET_MINUTES"))
    link = PasswordResetLink.objects.create(
        user=user,
        token_hash=PasswordResetLink.hash_token(token),
        issued_by=actor.user,
        issued_by_institution_id=actor.institution_id,
        expires_at=now + dt.timedelta(minutes=minutes),
    )
    audit_record(
        actor=actor, event="auth.password_reset_issued", target=user,
        extra={"link": str(link.public_id), "expires_at": link.expires_at}, target_institution_id=actor.institution_id,
    )
    return link, token


def reset_link_for(token: str) -> PasswordResetLink | None:
    """The link a token names (usable or not), or None. Only the hash is looked up."""
    if not token or len(token) > 100:
        return None
    return PasswordResetLink.objects.select_related("user").filter(token_hash=PasswordResetLink.hash_token(token)).first()


def password_reset_complete(*, actor: Actor, token: str, password: str, password_again: str) -> User:
    """Set a new password with a reset link: the link must be unused and unexpired, and the password
    must pass the validators. The link is spent in the same transaction; a dead link is recorded."""
    link = reset_link_for(token)
    if link is None:
        raise NotFound(_("This link is not valid. Ask your administrator for a new one."))
    if not link.is_usable():
        with transaction.atomic():
            audit_record(actor=_as_user(actor, link.user), event="auth.password_reset_refused", target=link.user,
                         extra={"link": str(link.public_id), "why": "used" if link.used_at else "expired"})
        raise ApplicationError(_("This link has expired or was already used. Ask your administrator for a new one."), code="expired")
    errors: dict[str, list[str]] = {}
    if password != password_again:
        errors["password_again"] = [_("The two passwords differ.")]
    else:
        try:
            validate_password(password, link.user)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ApplicationError(_("The password was not changed."), fields=errors)
    with transaction.atomic():
        locked = PasswordResetLink.objects.select_for_update().select_related("user").get(pk=link.pk)
        if not locked.is_usable():  # spent by a parallel request a moment ago
            raise ApplicationError(_("This link has expired or was already used. Ask your administrator for a new one."), code="expired")
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at", "updated_at"])
        user = locked.user
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=_as_user(actor, user), event="auth.password_reset_done", target=user, extra={"link": str(locked.public_id)})

        def _unlock() -> None:
            from axes.utils import reset as axes_reset

            axes_reset(username=user.get_username())

        transaction.on_commit(_unlock)
    return user


# --- break-glass --------------------------------------------------------------------------------------


def break_glass_types() -> list[tuple[str, Any]]:
    """Record types that can be opened by break-glass: every protected record with a registered policy."""
    out = []
    for model in registered_policies():
        if issubclass(model, ProtectedRecord):
            out.append((f"{model._meta.app_label}.{model._meta.model_name}", model._meta.verbose_name))
    return sorted(out, key=lambda item: str(item[1]))


def break_glass_record_url(access: BreakGlassAccess) -> str | None:
    app_label, model_name = access.target_type.split(".", 1)
    try:
        return reverse(f"{app_label}:{model_name}_detail", args=[access.target_public_id])
    except NoReverseMatch:
        return None


def _alert_break_glass(*, actor: Actor, access: BreakGlassAccess, record: Any) -> None:
    """After the commit: tell the owning institution's internal auditors (who may search its audit trail)."""
    membership = Membership.objects.select_related("unit__institution").get(pk=access.membership_id)
    notify_on_commit(
        recipients=members(institution_id=access.target_institution_id, permission="audit.view_institution"),
        kind=notification_kinds.BREAK_GLASS_ALERT.code,
        target=record,
        context={
            "who": access.user.get_full_name() or access.user.username,
            "institution": notification_kinds.names(membership.unit.institution),
            "reason": access.reason,
            "until": notification_kinds.moment(access.expires_at),
        },
        dedupe_key=f"break_glass:{access.public_id}",
        exclude_user_ids=[access.user_id],
    )


@transaction.atomic
def break_glass_open(*, actor: Actor, record_type: str, public_id: Any, reason: str, minutes: int) -> BreakGlassAccess:
    """Open one record outside the actor's scope for ``minutes`` (at most the configured time box).

    It gives sight of the record only: the actor still needs the record type's view permission and a
    clearance at least the record's classification, and the Intelligence Agency's records (and its staff)
    never cross this way (users-review point 4). A record that does not exist or may not be opened this
    way gives one and the same answer. The access is a named-user grant that expires, recorded with the
    reason, and the owning institution's internal auditors are alerted."""
    require_permission(actor, perms.BREAK_GLASS)
    ids = actor.ids
    errors: dict[str, list[str]] = {}
    reason = (reason or "").strip()
    if len(reason) < 15:
        errors["reason"] = [_("Explain the emergency in a full sentence (at least 15 characters).")]
    maximum = int(security.setting("BREAK_GLASS_MAX_MINUTES"))
    if not isinstance(minutes, int) or not 1 <= minutes <= maximum:
        errors["minutes"] = [_("Choose a duration of 1 to %(max)s minutes.") % {"max": maximum}]
    if errors:
        raise ApplicationError(_("Break-glass access was not opened."), fields=errors)

    not_found = ApplicationError(
        _("Break-glass access was not opened."),
        fields={"public_id": [_("No record with this reference can be opened by break-glass.")]},
        code="not_found",
    )
    allowed_types = dict(break_glass_types())
    if record_type not in allowed_types:
        raise not_found
    model = apps.get_model(record_type)
    policy = policy_for(model)
    record = every_row(model, reason="break-glass: the record is checked below and the access audited").select_related(
        "owner_institution", "owner_unit"
    ).filter(public_id=public_id).first()
    if (
        record is None
        or not actor.has_perm(getattr(policy, "view_perm", ""))
        or record.classification > actor.clearance
        or record.owner_institution.kind == INTELLIGENCE_KIND
        or actor.institution_kind == INTELLIGENCE_KIND
    ):
        raise not_found
    if policy.can(actor, "view", record):
        raise ApplicationError(
            _("You can already open this record; break-glass is not needed."),
            fields={"public_id": [_("You can already open this record; break-glass is not needed.")]},
            code="already_visible",
        )
    expires = timezone.now() + dt.timedelta(minutes=minutes)
    grant = Grant.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_id=record.pk,
        kind=BREAK_GLASS_KIND,
        grantee_type=Grant.GranteeType.USER,
        grantee_institution_id=ids.institution_id,
        grantee_user_id=ids.user_id,
        reason=reason,
        may_reshare=False,
        expires_at=expires,
        granted_by_id=ids.user_id,
        granted_by_institution_id=ids.institution_id,
    )
    access = BreakGlassAccess.objects.create(
        user_id=ids.user_id,
        membership_id=ids.membership_id,
        grant=grant,
        target_institution_id=record.owner_institution_id,
        target_type=record_type,
        target_public_id=record.public_id,
        reason=reason,
        expires_at=expires,
    )
    audit_record(
        actor=actor,
        event="access.break_glass",
        target=record,
        reason=reason,
        after={"grant": str(grant.public_id), "access": str(access.public_id), "expires_at": expires, "minutes": minutes},
    )
    _alert_break_glass(actor=actor, access=access, record=record)
    return access


def break_glass_list_of(*, actor: Actor) -> list[BreakGlassAccess]:
    """The actor's own break-glass accesses of the last 30 days (newest first)."""
    user_id = actor.user_id
    if user_id is None:
        return []
    since = timezone.now() - dt.timedelta(days=30)
    return list(BreakGlassAccess.objects.filter(user_id=user_id, created_at__gte=since).select_related("grant")[:50])


# --- periodic access review of memberships -------------------------------------------------------------


def memberships_due_for_review(*, at: dt.datetime | None = None, institution_id: int | None = None) -> Any:
    """Valid memberships not reviewed (or, if never reviewed, not created) within ACCESS_REVIEW_DAYS."""
    moment = at or timezone.now()
    cutoff = moment - dt.timedelta(days=int(security.setting("ACCESS_REVIEW_DAYS")))
    qs = (
        Membership.objects.valid(on=timezone.localtime(moment).date())
        .filter(Q(last_reviewed_at__lt=cutoff) | Q(last_reviewed_at__isnull=True, created_at__lt=cutoff))
        .select_related("user", "unit__institution", "role")
        .order_by("unit__path", "user__username")
    )
    if institution_id is not None:
        qs = qs.filter(unit__institution_id=institution_id)
    return qs


@transaction.atomic
def membership_review_confirm(*, actor: Actor, membership: Membership) -> Membership:
    """Confirm in the access review that a membership is still needed (four eyes: not one's own)."""
    require_permission(actor, perms.MEMBERSHIPS_MANAGE)
    if membership.unit.institution_id != actor.institution_id and actor.scope != Scope.NATIONAL:
        raise NotFound()
    if membership.user_id == actor.user_id:
        raise ApplicationError(_("Another administrator must review your own membership."), code="self")
    if not membership.is_valid():
        raise ApplicationError(_("This membership has already ended."), code="already_ended")
    before = {"last_reviewed_at": membership.last_reviewed_at}
    membership.last_reviewed_at = timezone.now()
    membership.save(update_fields=["last_reviewed_at", "updated_at"])
    audit_record(
        actor=actor, event="membership.review_confirmed", target=membership, before=before,
        after={"last_reviewed_at": membership.last_reviewed_at}, target_institution_id=membership.unit.institution_id,
    )
    return membership


def access_review_remind(*, at: dt.datetime) -> dict[str, Any]:
    """Tell each institution's administrators how many memberships await review (the sweeper job).
    Idempotent: one notification per administrator, institution and day (``dedupe_key``)."""
    counts: dict[int, int] = {}
    institutions: dict[int, Any] = {}
    for membership in memberships_due_for_review(at=at):
        institution = membership.unit.institution
        counts[institution.pk] = counts.get(institution.pk, 0) + 1
        institutions[institution.pk] = institution
    day = timezone.localtime(at).date().isoformat()
    days = int(security.setting("ACCESS_REVIEW_DAYS"))
    with transaction.atomic():
        for institution_id, count in counts.items():
            notify(
                recipients=members(institution_id=institution_id, permission=perms.MEMBERSHIPS_MANAGE),
                kind=ACCESS_REVIEW_DUE.code,
                context={"count": count, "institution": notification_kinds.names(institutions[institution_id]), "days": days},
                dedupe_key=f"access_review:{institution_id}:{day}",
            )
    return {"due": sum(counts.values()), "institutions": {institutions[k].code: v for k, v in sorted(counts.items())}}
