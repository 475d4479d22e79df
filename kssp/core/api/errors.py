"""One error shape for the whole API (ARCHITECTURE rule 10)::

    {"error": {"code": "invalid", "message": "…", "fields": {"title": ["…"]}}}

``exception_handler`` is DRF's ``EXCEPTION_HANDLER``. It maps DRF's exceptions, Django's
``ValidationError``/``Http404``/``PermissionDenied``/``RequestDataTooBig`` and the services'
``ApplicationError`` family (which carry their own ``status`` and ``code``) to that shape. Anything
else is a bug and is left to Django's 500 handler; bad input never reaches it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from kssp.core.exceptions import ApplicationError

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
logger = logging.getLogger(__name__)


class PayloadTooLarge(exceptions.APIException):
    """The body is larger than ``settings.API_MAX_JSON_BYTES``."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"

    def __init__(self) -> None:
        limit_kib = max(1, settings.API_MAX_JSON_BYTES // 1024)
        super().__init__(
            _("The request body is too large: at most %(limit)s KiB are accepted.") % {"limit": limit_kib},
            code=self.default_code,
        )


@dataclass
class ApiError:
    status: int
    code: str
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        body = {"error": {"code": self.code, "message": self.message, "fields": self.fields}}
        return Response(body, status=self.status, headers=self.headers)


def flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """``{"a": {"b": ["x"]}, "c": [{"d": ["y"]}]}`` → ``{"a.b": ["x"], "c.0.d": ["y"]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for key, value in detail.items():
            name = NON_FIELD if key in ("__all__", NON_FIELD) and not prefix else str(key)
            out.update(flatten_fields(value, f"{prefix}.{name}" if prefix else name))
        return out
    if isinstance(detail, (list, tuple)):
        if all(not isinstance(item, (Mapping, list, tuple)) for item in detail):
            messages = [str(item) for item in detail]
            if messages:
                out[prefix or NON_FIELD] = messages
            return out
        for index, item in enumerate(detail):
            if isinstance(item, (Mapping, list, tuple)):
                out.update(flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
            elif item:
                out.setdefault(prefix or NON_FIELD, []).append(str(item))
        return out
    out[prefix or NON_FIELD] = [str(detail)]
    return out


def _first_code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    while isinstance(codes, (list, dict)):
        if not codes:
            return exc.default_code
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes) if codes else exc.default_code


def _own_messages() -> dict[str, str]:
    """Our wording (in our catalogue) for DRF's stock errors; DRF's own text is used otherwise."""
    return {
        "not_authenticated": _("Sign in, or send an API token in the header “Authorization: Bearer <key>”."),
        "not_found": not_found_message(),
        "permission_denied": _("You do not have permission to do this."),
        "unsupported_media_type": _("Send the request body as application/json."),
        "not_acceptable": _("The API answers only in JSON."),
    }


def not_found_message() -> str:
    return _("There is nothing here, or you may not see it.")


def _from_api_exception(exc: exceptions.APIException, context: Mapping[str, Any]) -> ApiError:
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    if isinstance(exc, exceptions.ValidationError):
        return ApiError(exc.status_code, "invalid", _("Some fields are not valid."), flatten_fields(exc.detail), headers)
    code = _first_code(exc)
    if isinstance(exc.detail, (list, dict)):
        return ApiError(exc.status_code, code, _("The request could not be completed."), flatten_fields(exc.detail), headers)
    detail = str(exc.detail)
    if isinstance(exc, exceptions.MethodNotAllowed):
        method = getattr(context.get("request"), "method", "")
        message = _("The method %(method)s is not allowed here.") % {"method": method}
    elif detail == str(exc.default_detail) or isinstance(exc, (exceptions.UnsupportedMediaType, exceptions.NotAcceptable)):
        # A stock message (or one that only repeats the request back): say it in our words.
        message = _own_messages().get(code, detail)
    else:
        message = detail  # raised with a message of its own (authentication, CSRF, parser, pagination)
    return ApiError(exc.status_code, code, message, {}, headers)


def to_api_error(exc: BaseException, context: Mapping[str, Any] | None = None) -> ApiError | None:
    """The API error for ``exc``, or None for an exception that is a bug (left to the 500 handler)."""
    context = context or {}
    if isinstance(exc, ApplicationError):
        fields = {str(name): [str(m) for m in messages] for name, messages in exc.fields.items()}
        return ApiError(exc.status, exc.code, str(exc.message), flatten_fields(fields) if fields else {})
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        return ApiError(400, "invalid", _("Some fields are not valid."), flatten_fields(detail))
    if isinstance(exc, (Http404, ObjectDoesNotExist)):
        return ApiError(404, "not_found", not_found_message())
    if isinstance(exc, DjangoPermissionDenied):
        return ApiError(403, "permission_denied", _("You do not have permission to do this."))
    if isinstance(exc, RequestDataTooBig):
        return to_api_error(PayloadTooLarge(), context)
    if isinstance(exc, SuspiciousOperation):
        return ApiError(400, "bad_request", _("The request could not be understood."))
    if isinstance(exc, exceptions.APIException):
        return _from_api_exception(exc, context)
    if isinstance(exc, IntegrityError):
        # Services check uniqueness first; what reaches here is a concurrent write of the same thing.
        logger.warning("integrity error answered as 409: %s", exc)
        return ApiError(409, "conflict", _("The record changed or already exists. Reload it and try again."))
    return None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    error = to_api_error(exc, context)
    if error is None:
        return None
    set_rollback()
    return error.response()
