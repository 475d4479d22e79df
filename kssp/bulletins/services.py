"""Writes on bulletins: draft, edit, issue/withdraw. The kernel's ``RecordWrites`` does access,
markings, ownership, numbering and the audit; this module says only what a bulletin's fields must hold
and which changes of status are allowed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kssp.bulletins.choices import ALLOWED_TRANSITIONS, BulletinStatus
from kssp.bulletins.models import Bulletin
from kssp.core.policy import Actor
from kssp.core.services.records import RecordWrites

EDITABLE = ("kind", "title", "body", "classification", "handling_code", "valid_until", "contains_personal_data")


class BulletinWrites(RecordWrites[Bulletin]):
    model = Bulletin
    editable = EDITABLE
    transitions = ALLOWED_TRANSITIONS
    number_prefix = "BUL"
    not_saved = gettext_lazy("The bulletin was not saved.")
    not_changed = gettext_lazy("The bulletin was not withdrawn.")
    reasons = {BulletinStatus.WITHDRAWN: gettext_lazy("Give the reason for withdrawing.")}

    def clean(self, actor: Actor, data: dict[str, Any], record: Bulletin | None) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if "title" in data and not str(data["title"] or "").strip():
            errors["title"] = [_("Give the bulletin a title.")]
        if "body" in data and not str(data["body"] or "").strip():
            errors["body"] = [_("Write the text of the bulletin.")]
        valid_until = data.get("valid_until")
        if isinstance(valid_until, dt.date) and valid_until < timezone.localdate():
            errors["valid_until"] = [_("The date is in the past.")]
        return errors

    def refuse_update(self, record: Bulletin) -> Any:
        return _("A withdrawn bulletin cannot be edited.") if record.status == BulletinStatus.WITHDRAWN else None

    def on_transition(self, record: Bulletin, to: str) -> list[str]:
        if to == BulletinStatus.ISSUED:
            record.issued_at = timezone.now()
        return ["issued_at"]


writes = BulletinWrites()


def bulletin_create(*, actor: Actor, **data: Any) -> Bulletin:
    """Draft a bulletin owned by the actor's unit and institution; its public id is the server's."""
    return writes.create(actor=actor, **data)


def bulletin_update(*, actor: Actor, bulletin: Bulletin, **changes: Any) -> Bulletin:
    return writes.update(actor=actor, record=bulletin, **changes)


def bulletin_transition(*, actor: Actor, bulletin: Bulletin, to: str, reason: str = "") -> Bulletin:
    """Issue or withdraw. Withdrawing needs a reason."""
    return writes.transition(actor=actor, record=bulletin, to=to, reason=reason)
