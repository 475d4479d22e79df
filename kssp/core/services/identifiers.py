"""The numbers a record carries besides its own (issue #6 point 1): added by an institution in one of
the schemes the record type declares, unique within that institution's scheme, removed with a reason."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.models.identifiers import RecordIdentifier, identifier_key
from kssp.core.policy import Actor
from kssp.core.services.records import require_visible


@transaction.atomic
def identifier_add(*, actor: Actor, record: Any, scheme: str, value: str) -> RecordIdentifier:
    """Give ``record`` the actor's institution's number in ``scheme``. 404 if the record is not
    visible, 403 if the actor may not change it; field errors for an undeclared scheme, a number that
    does not fit it, or one already used in the institution's scheme (named without naming the record)."""
    declaration = require_visible(actor, record, "change")
    institution_id = actor.institution_id
    if institution_id is None:
        raise PermissionDenied()
    schemes = {s.code: s for s in declaration.identifier_schemes}
    errors: dict[str, list[str]] = {}
    value = " ".join(str(value or "").split())
    chosen = schemes.get(scheme)
    if chosen is None:
        errors["scheme"] = [_("This kind of record has no such numbering scheme.")]
    elif chosen.institution_kinds and actor.institution_kind not in chosen.institution_kinds:
        errors["scheme"] = [_("Your institution does not issue numbers in this scheme.")]
    key = identifier_key(value)
    if not key:
        errors["value"] = [_("This field is required.")]
    elif len(value) > 80:
        errors["value"] = [_("At most %(count)s characters.") % {"count": 80}]
    elif chosen is not None and chosen.pattern and not re.fullmatch(chosen.pattern, value):
        errors["value"] = [_("This is not a number of this scheme (for example: %(example)s).") % {"example": chosen.example or "—"}]
    if errors:
        raise ApplicationError(_("The number was not added."), fields=errors)
    content_type = ContentType.objects.get_for_model(type(record))
    existing = RecordIdentifier.objects.filter(institution_id=institution_id, scheme=scheme)
    if existing.filter(content_type=content_type, object_id=record.pk).exists():
        raise ApplicationError(_("The number was not added."), fields={
            "scheme": [_("This record already has your institution's number in this scheme; remove it first.")]})
    if existing.filter(value_key=key).exists():
        raise ApplicationError(_("The number was not added."), fields={
            "value": [_("Your institution already uses this number in this scheme for another record.")]})
    try:
        with transaction.atomic():
            identifier = RecordIdentifier.objects.create(
                content_type=content_type, object_id=record.pk, institution_id=institution_id, scheme=scheme,
                value=value, value_key=key, created_by=actor.user,
            )
    except IntegrityError:  # a concurrent writer took it between the check and the insert
        raise ApplicationError(_("The number was not added."), fields={
            "value": [_("Your institution already uses this number in this scheme for another record.")]}) from None
    audit_record(actor=actor, event="identifier.added", target=record, after={"scheme": scheme, "value": value})
    return identifier


@transaction.atomic
def identifier_remove(*, actor: Actor, identifier: RecordIdentifier, reason: str) -> None:
    """Remove one of the actor's institution's numbers from a record the actor may change."""
    record = identifier.content_type.get_object_for_this_type(pk=identifier.object_id)
    require_visible(actor, record, "change")
    if identifier.institution_id != actor.institution_id:
        raise ApplicationError(_("Only the institution that gave a number may remove it."), code="not_yours")
    if not (reason or "").strip():
        raise ApplicationError(_("The number was not removed."), fields={"reason": [_("Give the reason.")]})
    before = {"scheme": identifier.scheme, "value": identifier.value}
    identifier.delete()
    audit_record(actor=actor, event="identifier.removed", target=record, before=before, reason=reason.strip())
