"""Idempotent create forms (issue #7 point 2): a form token issued when a create form is drawn.

Pressing Back and sending a create form again must not create a second record. Every create form gets
a ``form_token`` field (``add_form_token``) whose value is drawn with the page; ``create_once`` runs
the create service at most once per (sender, token) and answers a second submission with the first
record (and what the first answer showed, e.g. the public site's tracking code).

The token travels in a text input the page hides (``FormTokenInput``), not an ``<input type=hidden>``:
browsers restore typed form state when the user goes Back to a page served with ``no-store``, but not
hidden inputs, so a hidden token would be drawn anew and the resubmission would look like a new form.

Without a token (the API, an old page, a token that is not one of ours) the create runs as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django import forms
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

FORM_TOKEN_FIELD = "form_token"  # noqa: S105 - a field name
F = TypeVar("F", bound=forms.BaseForm)
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class FormTokenInput(forms.TextInput):
    """A text input kept out of sight and out of the keyboard's way, treated by templates as hidden
    (``form.hidden_fields``) so that every form template already renders it."""

    def __init__(self) -> None:
        super().__init__(attrs={"hidden": True, "tabindex": "-1", "aria-hidden": "true", "class": "kssp-form-token",
                                "data-kssp-form-token": ""})

    @property
    def is_hidden(self) -> bool:
        return True


class FormTokenField(forms.CharField):
    def __init__(self) -> None:
        super().__init__(required=False, widget=FormTokenInput(), max_length=200, strip=True)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        # Not one of ours (a damaged or forged page): the form is still handled, only not idempotently.
        return text if _TOKEN_RE.match(text or "") else ""


def new_token() -> str:
    return secrets.token_urlsafe(24)


def add_form_token(form: F) -> F:
    """Give ``form`` its token field (a fresh token when the form is drawn unbound). Returns the form."""
    if FORM_TOKEN_FIELD not in form.fields:
        form.fields[FORM_TOKEN_FIELD] = FormTokenField()
    if not form.is_bound:
        form.fields[FORM_TOKEN_FIELD].initial = new_token()
    return form


class FormTokenMixin:
    """For page forms that create a record: the token field is added on construction."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_form_token(self)  # type: ignore[arg-type,type-var]


def already_sent_message(name: str = "") -> str:
    """What a second submission of the same page is told (it is shown the first record)."""
    if not name:
        return gettext("This form had already been sent: the record was saved then. Nothing new was created.")
    return gettext("This form had already been sent: %(name)s was saved then. Nothing new was created.") % {"name": name}


def form_token(form: forms.BaseForm) -> str:
    """The cleaned token of a valid form ('' when none)."""
    return str(getattr(form, "cleaned_data", {}).get(FORM_TOKEN_FIELD) or "")


def without_token(data: Mapping[str, Any]) -> dict[str, Any]:
    """The cleaned data a create service takes: everything but the token."""
    return {k: v for k, v in data.items() if k != FORM_TOKEN_FIELD}


def sender_scope(request: HttpRequest) -> str:
    """Who sent the form: the signed-in user, or the public site (tokens are 192 random bits)."""
    user = getattr(request, "user", None)
    tag = f"user:{user.pk}" if user is not None and user.is_authenticated else "public"
    return salted_hmac("kssp.core.form_tokens.scope", tag, algorithm="sha256").hexdigest()[:64]


def _digest(token: str) -> str:
    return salted_hmac("kssp.core.form_tokens.digest", token, algorithm="sha256").hexdigest()


def _key(token: str) -> bytes:
    return hashlib.sha256(salted_hmac("kssp.core.form_tokens.key", token, algorithm="sha256").digest()).digest()


def _seal(token: str, extra: Mapping[str, Any]) -> bytes:
    if not extra:
        return b""
    nonce = os.urandom(12)
    return nonce + AESGCM(_key(token)).encrypt(nonce, json.dumps(dict(extra)).encode(), None)


def _open(token: str, blob: bytes) -> dict[str, Any]:
    blob = bytes(blob or b"")
    if not blob:
        return {}
    try:
        return dict(json.loads(AESGCM(_key(token)).decrypt(blob[:12], blob[12:], None)))
    except Exception:  # noqa: BLE001 - an unreadable answer is shown as none
        return {}


@dataclass(frozen=True)
class Created:
    """What ``create_once`` did: the record, whether this call created it, and the first answer's extra."""

    obj: Any
    created: bool
    extra: dict[str, Any] = field(default_factory=dict)


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _first(row: Any, model: type[models.Model], token: str) -> Created | None:
    from kssp.core.models.scoping import every_row

    # The sender's own earlier submission: the record it created (the caller shows it only if the
    # sender may still see it).
    obj = every_row(model, reason="the record of the sender's own earlier form").filter(pk=row.object_id).first()
    if obj is None:
        return None
    return Created(obj, created=False, extra=_open(token, row.extra))


def create_once(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    model: type[models.Model],
    create: Callable[[], Any],
    extra: Callable[[Any], Mapping[str, Any]] | None = None,
) -> Created:
    """Run ``create`` (the module's service; it returns the record) at most once per form token.

    The service's refusals pass through and leave nothing behind, so the corrected form may be sent
    again with the same token. ``extra(record)`` names what the first answer showed that must be shown
    again (stored encrypted with a key derived from the token).
    """
    from kssp.core.offline_capture.models import FormSubmission

    token = form_token(form)
    if not token:
        return Created(create(), created=True)
    scope, digest, label = sender_scope(request), _digest(token), _label(model)
    for attempt in range(3):
        row = FormSubmission.objects.filter(scope=scope, token=digest).first()
        if row is not None:
            first = _first(row, model, token) if row.model == label else None
            if first is not None:
                return first
            row.delete()  # the first record is gone (erased): this is a new form
        try:
            with transaction.atomic():
                record = create()
                sealed = _seal(token, extra(record) if extra else {})
                FormSubmission.objects.create(scope=scope, token=digest, model=label, object_id=record.pk, extra=sealed)
        except IntegrityError:
            if attempt == 2:
                raise
            continue  # a concurrent submission of the same page won: answer with its record
        return Created(record, created=True)
    raise AssertionError("unreachable")  # pragma: no cover
