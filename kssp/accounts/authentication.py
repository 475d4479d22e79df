"""API authentication: a personal token (``Authorization: Bearer <key>``), or the web session with CSRF.

A token is bound to one membership and acts as it: the request's actor is built from the token's
membership (source "api"), never from the session. A token that is unknown, revoked or expired, or
whose user or membership is no longer valid, is refused with the same 401 (no hint which).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from kssp.accounts.actor import actor_for
from kssp.accounts.models import ApiToken, User
from kssp.accounts.security import session_second_factor_ok

# last_used_at is written at most this often per token, so that a busy client does not turn every
# read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
MAX_KEY_LENGTH = 200


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2 or len(parts[1]) > MAX_KEY_LENGTH:
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <key>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid, or it was revoked or has expired.")) from None
        token = self._valid_token(key)
        django_request = request._request
        django_request.actor = actor_for(  # type: ignore[attr-defined]
            token.user,
            token.membership,
            source="api",
            request_id=getattr(django_request, "request_id", None),
            ip=getattr(django_request, "client_ip", None),
        )
        self._touch(token)
        return token.user, token

    def _valid_token(self, key: str) -> ApiToken:
        now = timezone.now()
        token = (
            ApiToken.objects.select_related("user", "membership__unit__institution", "membership__role")
            .filter(key_hash=ApiToken.hash_key(key))
            .first()
        )
        if (
            token is None
            or token.revoked_at is not None
            or (token.expires_at is not None and token.expires_at <= now)
            or not token.user.is_active
            or token.membership.user_id != token.user_id
            or not token.membership.is_valid()
        ):
            raise exceptions.AuthenticationFailed(_("The token is not valid, or it was revoked or has expired."))
        return token

    def _touch(self, token: ApiToken) -> None:
        now = timezone.now()
        if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
            return
        # A bookkeeping stamp, not a change of the token: one conditional UPDATE, not audited.
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class _CSRFCheck(CsrfViewMiddleware):
    def _reject(self, request: Any, reason: str) -> str:  # type: ignore[override]
        return reason


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in web session; unsafe methods need the CSRF token (header ``X-CSRFToken``).

    A user who must have a second factor is authenticated by the session only once the session has
    passed it (issue #3 point 11); a token is bound to one membership and needs no second factor.
    """

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None and not session_second_factor_ok(request._request, result[0]):
            raise exceptions.AuthenticationFailed(
                _("This session has not passed the second sign-in step. Sign in again in the browser, or use an API token."),
                code="mfa_required",
            )
        return result

    def enforce_csrf(self, request: Request) -> None:
        check = _CSRFCheck(lambda req: None)  # type: ignore[arg-type,return-value]
        check.process_request(request)  # type: ignore[arg-type]
        reason = check.process_view(request, None, (), {})  # type: ignore[arg-type]
        if reason:
            raise exceptions.PermissionDenied(
                _("The CSRF check failed: send the X-CSRFToken header from the page, or use an API token."),
                code="csrf_failed",
            )


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "kssp.accounts.authentication.TokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (api-tokens/), bound to one membership.",
        }


class SessionAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "kssp.accounts.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The web session; unsafe methods also need the X-CSRFToken header.",
        }
