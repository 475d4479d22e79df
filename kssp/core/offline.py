"""Offline-tolerant capture (issue #3 point 9): records created from client-generated UUIDs, and
idempotent submission, so that a tablet at a scene or a booth can queue and retry.

The rule every module follows:

* the client generates the record's ``public_id`` (a UUID, ``crypto.randomUUID()`` in the page) and
  sends it with the record;
* the first submission creates the record (201) and remembers ``(model, public_id)`` with a keyed
  digest of the content, in the same transaction as the service's write and audit event;
* the same id with the same content returns the first record (200) and writes nothing;
* the same id with other content, or from another user, is refused (409, ``offline_conflict``): the
  first record is kept and nothing is written;
* a submission the service refuses (field errors) leaves nothing behind, so the client may correct it
  and send it again with the same id.

``submit_once`` is the one primitive; ``IdempotentCreateMixin`` applies it to an API viewset's
``POST`` and ``offline_response`` answers the offline queue of a page form (``static/js/offline-queue.js``).
The service that creates the record must accept ``public_id`` and use it as the record's id.
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

CLIENT_ID_FIELD = "public_id"
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


def parse_client_id(value: Any) -> uuid.UUID:
    """The client id as a UUID, or an ApplicationError on the ``public_id`` field."""
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
            fields={CLIENT_ID_FIELD: [gettext("Send the UUID the device generated for this record.")]},
            code="invalid",
        )
    return parsed


# --- the primitive --------------------------------------------------------------------------------


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _replay(row: Any, *, actor: Actor, model: type[models.Model], digest: str) -> Submission:
    if row.digest != digest or row.submitted_by_id != actor.user_id:
        raise OfflineConflict()
    from kssp.core.models.scoping import every_row

    # The sender's own earlier submission (checked above): the record it created, whoever may now see it.
    obj = every_row(model, reason="the record of the sender's own earlier submission").filter(pk=row.object_id).first()
    if obj is None:
        raise AlreadyReceived()
    return Submission(obj, created=False)


def submit_once(
    *,
    actor: Actor,
    model: type[models.Model],
    public_id: Any,
    content: Mapping[str, Any],
    create: Callable[[], models.Model],
) -> Submission:
    """Create a record from a client-generated id at most once.

    ``content`` is the cleaned input (what the form or serializer validated, without the id); ``create``
    calls the module's service, which must give the record ``public_id``. The service's own refusals
    (``ApplicationError``) pass through and leave nothing written.
    """
    from kssp.core.offline_capture.models import OfflineSubmission

    client_id = parse_client_id(public_id)
    digest = content_digest(content)
    label = _label(model)
    for attempt in range(2):
        row = OfflineSubmission.objects.filter(model=label, public_id=client_id).first()
        if row is not None:
            return _replay(row, actor=actor, model=model, digest=digest)
        try:
            with transaction.atomic():
                obj = create()
                OfflineSubmission.objects.create(
                    model=label, public_id=client_id, object_id=obj.pk, digest=digest, submitted_by_id=actor.user_id
                )
        except IntegrityError:
            # Another request with the same id won the race (or the id is already some record's
            # public id): look again once; what is still unexplained is a conflict, never a 500.
            if attempt:
                raise OfflineConflict() from None
            continue
        return Submission(obj, created=True)
    raise OfflineConflict()  # pragma: no cover - the loop returns or raises


# --- interfaces -----------------------------------------------------------------------------------


class IdempotentCreateMixin:
    """``POST`` on a collection with an optional client-generated ``public_id`` (put it before
    ``ServiceCreateMixin`` in the bases; the serializer declares ``public_id`` as an optional writable
    UUID). Without an id: the plain create (201). With one: 201 the first time, 200 and the same record
    for the same content, 409 ``offline_conflict`` for other content. ``service_create`` receives the
    id in ``data["public_id"]``."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        serializer = view.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        client_id = data.pop(CLIENT_ID_FIELD, None)
        if client_id is None:
            obj = view.service_create(view.actor, data)
            return Response(view.created_representation(obj), status=http.HTTP_201_CREATED)
        submission = submit_once(
            actor=view.actor, model=view.model, public_id=client_id, content=data,
            create=lambda: view.service_create(view.actor, {**data, CLIENT_ID_FIELD: client_id}),
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
