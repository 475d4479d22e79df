"""Offline-tolerant capture (issue #3 point 9): idempotent submission of records made on a device, so
that a tablet at a scene or a booth can queue and retry.

The rule every module follows (issue #7 point 3 for who makes the id):

* the record's ``public_id`` is always made by the server; no client chooses it;
* the client generates a UUID for each record it queues (``crypto.randomUUID()`` in the page) and sends
  it with the record as its idempotency key (the page's hidden ``public_id`` field, the API's
  ``client_uuid``);
* the first submission creates the record (201) and remembers ``(user, client UUID)`` with the record
  type, the record and a keyed digest of the content, in the same transaction as the service's write
  and audit event (``OfflineSubmission``);
* the same user sending the same UUID with the same content gets the first record back (200) and
  writes nothing; with other content it is refused (409, ``offline_conflict``) and the first is kept;
* the same UUID from another user is simply theirs: it creates their own record and tells them nothing
  about anyone else's (keys are per sender, and no record is ever found by a client's UUID);
* a submission the service refuses (field errors) leaves nothing behind, so the client may correct it
  and send it again with the same UUID.

``submit_once`` is the one primitive; ``IdempotentCreateMixin`` applies it to an API viewset's
``POST`` and ``offline_response`` answers the offline queue of a page form (``static/js/offline-queue.js``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from kssp.core.audit.crypto import canonical_json
from kssp.core.exceptions import ApplicationError, Conflict
from kssp.core.policy import Actor

#: The page form's hidden field holding the client UUID (the offline queue's name for it; it is never the
#: record's public id, which the server makes).
CLIENT_ID_FIELD = "public_id"
#: The API's optional body field holding the client UUID (``public_id`` is read-only there).
API_CLIENT_ID_FIELD = "client_uuid"
_DIGEST_SALT = "kssp.core.offline.content-digest"


class OfflineConflict(Conflict):
    """The client id was already used for other content (or by someone else): the first record stands."""

    code = "offline_conflict"
    default_message = _(
        "A record with this client id was already received with different content. The first record was kept "
        "and nothing was changed. Start a new record to send different content."
    )


class AlreadyReceived(Conflict):
    """The client id was already used for a record the sender can no longer see."""

    code = "already_received"
    default_message = _("This record was already received.")


@dataclass(frozen=True)
class Submission:
    """What ``submit_once`` did: the record, and whether this call created it."""

    obj: Any
    created: bool

    @property
    def status_code(self) -> int:
        return http.HTTP_201_CREATED if self.created else http.HTTP_200_OK


# --- the digest -----------------------------------------------------------------------------------


def _normalise(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_normalise(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, models.Model):
        return f"{value._meta.label_lower}:{getattr(value, 'public_id', None) or value.pk}"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if hasattr(value, "chunks") and hasattr(value, "seek"):  # an uploaded file: its bytes, not its name
        sha = hashlib.sha256()
        value.seek(0)
        for chunk in value.chunks():
            sha.update(chunk)
        value.seek(0)
        return "sha256:" + sha.hexdigest()
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, (dt.date, dt.time, uuid.UUID, Decimal)):
        return str(value)
    return value


def content_digest(content: Mapping[str, Any]) -> str:
    """A keyed digest of the cleaned content of a submission (the same content gives the same digest).

    Keyed from the server secret so that someone who reads only the database cannot confirm a guess of
    the content from the digest.
    """
    return salted_hmac(_DIGEST_SALT, canonical_json(_normalise(content)), algorithm="sha256").hexdigest()


def parse_client_id(value: Any, *, field: str = CLIENT_ID_FIELD) -> uuid.UUID:
    """The client id as a UUID, or an ApplicationError on ``field`` (the page's hidden field by default)."""
    if isinstance(value, uuid.UUID):
        parsed = value
    else:
        try:
            parsed = uuid.UUID(str(value or "").strip())
        except (TypeError, ValueError):
            parsed = None
    if parsed is None or parsed.int == 0:
        raise ApplicationError(
            gettext("The record has no valid client id."),
            fields={field: [gettext("Send the UUID the device generated for this record.")]},
            code="invalid",
        )
    return parsed


# --- the primitive --------------------------------------------------------------------------------


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _replay(row: Any, *, model: type[models.Model], digest: str) -> Submission:
    if row.model != _label(model) or row.digest != digest:
        raise OfflineConflict()
    from kssp.core.models.scoping import every_row

    # The sender's own earlier submission (the row is keyed by sender): the record it created, whoever
    # may now see it; the caller answers through the reader's selector.
    obj = every_row(model, reason="the record of the sender's own earlier submission").filter(pk=row.object_id).first()
    if obj is None:
        raise AlreadyReceived()
    return Submission(obj, created=False)


def submit_once(
    *,
    actor: Actor,
    model: type[models.Model],
    client_uuid: Any,
    content: Mapping[str, Any],
    create: Callable[[], models.Model],
    field: str = CLIENT_ID_FIELD,
) -> Submission:
    """Create a record at most once per (sender, client UUID).

    ``content`` is the cleaned input (what the form or serializer validated, without the UUID);
    ``create`` calls the module's service, which makes the record and its ``public_id`` as for any
    create. The service's own refusals (``ApplicationError``) pass through and leave nothing written.
    """
    from kssp.core.offline_capture.models import OfflineSubmission

    client_id = parse_client_id(client_uuid, field=field)
    digest = content_digest(content)
    # Keyed by sender: a user's own keys, or the public site's (no user).
    sender = {"user_id": actor.user_id} if actor.user_id is not None else {"user__isnull": True}
    keyed = OfflineSubmission.objects.filter(client_uuid=client_id, **sender)
    for attempt in range(2):
        row = keyed.first()
        if row is not None:
            return _replay(row, model=model, digest=digest)
        try:
            with transaction.atomic():
                obj = create()
                OfflineSubmission.objects.create(
                    user_id=actor.user_id, client_uuid=client_id, model=_label(model), object_id=obj.pk, digest=digest
                )
        except IntegrityError:
            # The same sender's other request with the same UUID won the race: look again once; what is
            # still unexplained is a conflict, never a 500.
            if attempt:
                raise OfflineConflict() from None
            continue
        return Submission(obj, created=True)
    raise OfflineConflict()  # pragma: no cover - the loop returns or raises


# --- interfaces -----------------------------------------------------------------------------------


class IdempotentCreateMixin:
    """``POST`` on a collection with an optional client-generated ``client_uuid`` (put it before
    ``ServiceCreateMixin`` in the bases; the serializer declares ``client_uuid`` as an optional
    write-only UUID, and ``public_id`` read-only). Without one: the plain create (201). With one: 201 the
    first time, 200 and the same record when the same user sends the same content again, 409
    ``offline_conflict`` for other content. The record's ``public_id`` is the server's either way."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        serializer = view.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client_id = data.pop(API_CLIENT_ID_FIELD, None)
        if client_id is None:
            obj = view.service_create(view.actor, data)
            return Response(view.created_representation(obj), status=http.HTTP_201_CREATED)
        submission = submit_once(
            actor=view.actor, model=view.model, client_uuid=client_id, content=data, field=API_CLIENT_ID_FIELD,
            create=lambda: view.service_create(view.actor, data),
        )
        obj = submission.obj
        if not submission.created:
            # Answer the replay through the selector, like any read: nothing the sender may not see.
            obj = view.select_list(view.actor).filter(pk=obj.pk).first()
            if obj is None:
                raise AlreadyReceived()
        return Response(view.created_representation(obj), status=submission.status_code)


def wants_json(request: HttpRequest) -> bool:
    """Whether the offline queue (or another script) asked for a JSON answer instead of a page."""
    return "application/json" in request.headers.get("Accept", "")


def offline_response(
    *,
    status: int,
    state: str,
    message: str,
    public_id: Any = None,
    url: str = "",
    fields: Mapping[str, list[str]] | None = None,
) -> JsonResponse:
    """The JSON answer to a queued form submission: ``state`` is created, duplicate, conflict, invalid
    or refused; ``message`` a translated sentence; ``fields`` the field errors."""
    body = {
        "state": state,
        "message": str(message),
        "public_id": str(public_id) if public_id else None,
        "url": url,
        "fields": {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()},
    }
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response
