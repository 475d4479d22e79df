"""Test helpers shared by the notification and worklist tests.

The kernel may not import a module (import-linter), so records are bulletins reached by app label and
written directly (their own services belong to the bulletins module)."""

from __future__ import annotations

import uuid
from typing import Any

from django.apps import apps
from django.db import transaction

from kssp.core.audit import audit_record
from kssp.core.markings import Classification


def bulletin_model() -> Any:
    return apps.get_model("bulletins", "Bulletin")


def make_record(
    person: Any, *, classification: int = Classification.RESTRICTED, title: str = "Stolen rifles", personal: bool = False
) -> Any:
    """A bulletin owned by ``person``'s unit, with its "created" audit event."""
    unit = person.membership.unit
    record = bulletin_model().objects.create(
        owner_institution=unit.institution, owner_unit=unit, created_by=person.user,
        number=f"T-{uuid.uuid4().hex[:12]}", title=title, body="Two AK-47 reported.",
        classification=classification, contains_personal_data=personal,
    )
    with transaction.atomic():
        audit_record(actor=person.actor, event="bulletin.created", target=record, after={"title": title})
    return record


def share(record: Any, owner: Any, *, institution: Any = None, unit: Any = None, user: Any = None, **kwargs: Any) -> Any:
    from kssp.core.services.grants import grant_create

    if user is not None:
        return grant_create(actor=owner.actor, obj=record, grantee_type="user", user=user.user,
                            institution=user.membership.unit.institution, reason="need to know", **kwargs)
    if unit is not None:
        return grant_create(actor=owner.actor, obj=record, grantee_type="unit", unit=unit, reason="need to know", **kwargs)
    return grant_create(actor=owner.actor, obj=record, grantee_type="institution", institution=institution,
                        reason="need to know", **kwargs)
