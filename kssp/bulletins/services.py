"""Writes on bulletins: draft, edit, issue/withdraw (one transition service)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.bulletins import permissions as perms
from kssp.bulletins.choices import ALLOWED_TRANSITIONS, BulletinStatus
from kssp.bulletins.models import Bulletin
from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.markings import Classification, HandlingCode
from kssp.core.numbering import next_number
from kssp.core.policy import Actor
from kssp.core.records.access import policy_of

EDITABLE = ("kind", "title", "body", "classification", "handling_code", "valid_until", "contains_personal_data")


def _snapshot(bulletin: Bulletin) -> dict[str, Any]:
    return {name: getattr(bulletin, name) for name in (*EDITABLE, "status", "number")}


def _validate(actor: Actor, data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "title" in data and not str(data["title"] or "").strip():
        errors["title"] = [_("Give the bulletin a title.")]
    if "body" in data and not str(data["body"] or "").strip():
        errors["body"] = [_("Write the text of the bulletin.")]
    if "classification" in data:
        level = data["classification"]
        if level not in Classification.values:
            errors["classification"] = [_("Unknown classification.")]
        elif level > actor.clearance:
            errors["classification"] = [_("You cannot mark a record above your own security clearance.")]
    if data.get("handling_code") and data["handling_code"] not in HandlingCode.values:
        errors["handling_code"] = [_("Unknown handling code.")]
    valid_until = data.get("valid_until")
    if isinstance(valid_until, dt.date) and valid_until < timezone.localdate():
        errors["valid_until"] = [_("The date is in the past.")]
    return errors


@transaction.atomic
def bulletin_create(
    *,
    actor: Actor,
    title: str,
    body: str,
    kind: str,
    classification: int,
    handling_code: str = "",
    valid_until: dt.date | None = None,
    contains_personal_data: bool = False,
    public_id: uuid.UUID | None = None,
) -> Bulletin:
    """Draft a bulletin owned by the actor's unit and institution. ``public_id``: the UUID a device
    generated for it (offline capture, see kssp.core.offline); a new one otherwise."""
    if not actor.is_authenticated or not actor.has_perm(perms.CREATE):
        raise PermissionDenied()
    data = {
        "title": title,
        "body": body,
        "kind": kind,
        "classification": classification,
        "handling_code": handling_code or "",
        "valid_until": valid_until,
        "contains_personal_data": contains_personal_data,
    }
    errors = _validate(actor, data)
    if errors:
        raise ApplicationError(_("The bulletin was not saved."), fields=errors)
    from kssp.accounts.models import Unit

    unit = Unit.objects.select_related("institution").get(pk=actor.ids.unit_id)
    bulletin = Bulletin(
        owner_institution=unit.institution,
        owner_unit=unit,
        created_by=actor.user,
        number=next_number(prefix="BUL", institution_code=unit.institution.code),
        title=title.strip(),
        body=body.strip(),
        kind=kind,
        classification=classification,
        handling_code=handling_code or "",
        valid_until=valid_until,
        contains_personal_data=contains_personal_data,
    )
    if public_id is not None:
        bulletin.public_id = public_id
    bulletin.full_clean()
    bulletin.save()
    audit_record(actor=actor, event="bulletin.created", target=bulletin, after=_snapshot(bulletin))
    return bulletin


@transaction.atomic
def bulletin_update(*, actor: Actor, bulletin: Bulletin, **changes: Any) -> Bulletin:
    if not policy_of(Bulletin).can(actor, "view", bulletin):
        raise NotFound()
    if not policy_of(Bulletin).can(actor, "change", bulletin):
        raise PermissionDenied()
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ApplicationError(_("The bulletin was not saved."), fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    if bulletin.status == BulletinStatus.WITHDRAWN:
        raise ApplicationError(_("A withdrawn bulletin cannot be edited."), code="withdrawn")
    errors = _validate(actor, changes)
    if errors:
        raise ApplicationError(_("The bulletin was not saved."), fields=errors)
    before = _snapshot(bulletin)
    for key, value in changes.items():
        setattr(bulletin, key, value.strip() if isinstance(value, str) else value)
    bulletin.full_clean()
    bulletin.save()
    audit_record(actor=actor, event="bulletin.updated", target=bulletin, before=before, after=_snapshot(bulletin))
    return bulletin


@transaction.atomic
def bulletin_transition(*, actor: Actor, bulletin: Bulletin, to: str, reason: str = "") -> Bulletin:
    """Issue or withdraw. Withdrawing needs a reason."""
    if not policy_of(Bulletin).can(actor, "view", bulletin):
        raise NotFound()
    if not policy_of(Bulletin).can(actor, "change", bulletin):
        raise PermissionDenied()
    if to not in ALLOWED_TRANSITIONS.get(bulletin.status, frozenset()):
        raise ApplicationError(
            _("A bulletin cannot go from “%(from)s” to “%(to)s”.") % {"from": bulletin.get_status_display(), "to": to},
            fields={"status": [_("This change of status is not allowed.")]},
            code="invalid_transition",
        )
    if to == BulletinStatus.WITHDRAWN and not reason.strip():
        raise ApplicationError(_("The bulletin was not withdrawn."), fields={"reason": [_("Give the reason for withdrawing.")]})
    before = bulletin.status
    bulletin.status = to
    if to == BulletinStatus.ISSUED:
        bulletin.issued_at = timezone.now()
    bulletin.save(update_fields=["status", "issued_at", "updated_at"])
    audit_record(
        actor=actor, event="bulletin.transitioned", target=bulletin, before={"status": before}, after={"status": to}, reason=reason.strip()
    )
    return bulletin
