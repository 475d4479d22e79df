"""Writes on record links: create and remove, audited in the same transaction (ARCHITECTURE rule 1)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.links.link_types import link_type as lookup_link_type
from kssp.core.links.models import RecordLink
from kssp.core.links.policies import record_link_policy
from kssp.core.policy import Actor
from kssp.core.records import access as records

REASON_MAX = 2000


def _end(record: Any) -> dict[str, str]:
    return {"type": records.record_label(type(record)), "public_id": str(record.public_id)}


def _snapshot(link: RecordLink, source: Any, target: Any) -> dict[str, Any]:
    return {"link": str(link.public_id), "type": link.link_type, "from": _end(source), "to": _end(target), "evidential": link.evidential}


def _require_visible_ends(actor: Actor, own: Any, other: Any) -> None:
    """Both ends are declared records the actor may see: else ``NotFound`` (on ``target`` for the other)."""
    if not actor.is_authenticated:
        raise PermissionDenied()
    if records.record_type_for(own) is None or not records.can(actor, "view", own):
        raise NotFound()
    if records.record_type_for(other) is None or not records.can(actor, "view", other):
        raise NotFound(fields={"target": [_("There is no such record, or you may not see it.")]})


@transaction.atomic
def link_create(
    *, actor: Actor, source: Any, target: Any, link_type: str, evidential: bool | None = None, reason: str = ""
) -> RecordLink:
    """Link ``source`` → ``target`` with a registered type ("source derived from target").

    The actor must see both ends (a record one may not see answers NotFound, on the ``target`` field
    when it is the target) and may change at least one of them. Refused with a field error: an unknown
    type, a record linked to itself, the same link twice, an evidential link without a reason.
    """
    _require_visible_ends(actor, source, target)
    if not (records.can(actor, "change", source) or records.can(actor, "change", target)):
        raise PermissionDenied(_("You may link only records you may change."))

    errors: dict[str, list[str]] = {}
    spec = lookup_link_type(link_type)
    if spec is None:
        errors["link_type"] = [_("Choose a type of link.")]
    source_ct = ContentType.objects.get_for_model(source)
    target_ct = ContentType.objects.get_for_model(target)
    if source_ct == target_ct and source.pk == target.pk:
        errors["target"] = [_("A record cannot be linked to itself.")]
    reason = (reason or "").strip()
    if evidential is None:
        evidential = bool(spec and spec.evidential_default)
    if len(reason) > REASON_MAX:
        errors["reason"] = [_("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}]
    elif evidential and not reason:
        errors["reason"] = [_("Say why this link is evidential.")]
    if errors:
        raise ApplicationError(_("The records were not linked."), fields=errors)
    assert spec is not None

    same = Q(from_type=source_ct, from_id=source.pk, to_type=target_ct, to_id=target.pk)
    if spec.symmetric:
        same |= Q(from_type=target_ct, from_id=target.pk, to_type=source_ct, to_id=source.pk)
    if RecordLink.objects.active().filter(same, link_type=spec.code).exists():
        raise ApplicationError(
            _("The records were not linked."), fields={"target": [_("These records are already linked this way.")]}, code="duplicate"
        )
    ids = actor.ids
    link = RecordLink(
        link_type=spec.code,
        from_type=source_ct, from_id=source.pk, from_public_id=source.public_id,
        to_type=target_ct, to_id=target.pk, to_public_id=target.public_id,
        evidential=bool(evidential),
        reason=reason,
        created_by=actor.user,
        created_by_institution_id=ids.institution_id,
    )
    try:
        with transaction.atomic():
            link.save(force_insert=True)
    except IntegrityError:
        # The same link made a moment ago by someone else (the unique constraint on active links).
        raise ApplicationError(
            _("The records were not linked."), fields={"target": [_("These records are already linked this way.")]}, code="duplicate"
        ) from None
    audit_record(
        actor=actor, event="link.created", target=link, target_institution_id=source.owner_institution_id,
        after=_snapshot(link, source, target), reason=reason,
    )
    return link


@transaction.atomic
def link_remove(*, actor: Actor, link: RecordLink, reason: str) -> RecordLink:
    """End a link (the row stays, marked removed). Needs a reason and the right to change either end."""
    link = RecordLink.objects.select_for_update().get(pk=link.pk)
    if not record_link_policy.can(actor, "view", link) or link.removed_at is not None:
        raise NotFound()
    if not record_link_policy.can(actor, "remove", link):
        raise PermissionDenied(_("You may remove only links of records you may change."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("The link was not removed."), fields={"reason": [_("Give the reason for removing the link.")]})
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            _("The link was not removed."), fields={"reason": [_("Keep the reason under %(max)s characters.") % {"max": REASON_MAX}]}
        )
    link.removed_at = timezone.now()
    link.removed_by = actor.user
    link.removal_reason = reason
    link.save(update_fields=["removed_at", "removed_by", "removal_reason", "updated_at"])
    source = records.records_by_key({(link.from_type_id, link.from_id)}).get((link.from_type_id, link.from_id))
    audit_record(
        actor=actor, event="link.removed", target=link,
        target_institution_id=getattr(source, "owner_institution_id", None),
        before={"link": str(link.public_id), "type": link.link_type, "evidential": link.evidential,
                "from": str(link.from_public_id), "to": str(link.to_public_id)},
        reason=reason,
    )
    return link


# --- the one entry: a record linked to another, whatever the two ends are -----------------------------
#
# Two tables keep two legal meanings (docs/architecture.md, "Links"): a party's *role* in a record
# (``PartyLink``: the role, the data-subject category of Directive 2016/680 Art. 6, fact or assessment,
# the protection flags and the acquittal that retention and merges read) and a typed link between two
# records (``RecordLink``). Pages, forms and callers use only ``connection_create`` and
# ``connection_remove``; which table a link lands in follows from its two ends (``takes_role``).


def is_party(record_or_model: Any) -> bool:
    """Whether a record (or model) is a party of the shared index: a person, an organisation or a vehicle."""
    from kssp.core.parties.models import Organisation, Person, Vehicle

    model = record_or_model if isinstance(record_or_model, type) else type(record_or_model)
    return issubclass(model, (Person, Organisation, Vehicle))


def takes_role(one: Any, other: Any) -> bool:
    """Whether linking these two records (or models) gives a party a role in a record: exactly one end
    is a party. Two parties (a person and a vehicle) or two records are linked by a typed record link."""
    return is_party(one) != is_party(other)


#: The party service's field names, as the one form and the API name them.
_ROLE_FIELDS = {"person": "target", "organisation": "target", "vehicle": "target", "record": "target", "note": "reason"}


@transaction.atomic
def connection_create(
    *,
    actor: Actor,
    record: Any,
    other: Any,
    link_type: str = "",
    outgoing: bool = True,
    evidential: bool | None = None,
    reason: str = "",
    role: str = "",
    subject_category: str = "",
    nature: str = "fact",
    protected_witness: bool = False,
    juvenile: bool = False,
) -> Any:
    """Link ``record`` (the page's) to ``other``: the one way to link two records.

    When exactly one end is a party (``takes_role``) the party is given ``role`` in the other record
    (``party_link_create``: its checks, protections, audit event and the retention rules that read it;
    ``reason`` is kept as the link's note); otherwise the two records get a typed link
    (``link_create``: ``link_type`` read from ``record`` when ``outgoing``, else from ``other``).
    A record the actor may not see answers ``NotFound`` (the other end on the ``target`` field); the
    refusals of either service come back on the one form's fields (``target``, ``role``, ``reason``...).
    Returns the ``PartyLink`` or the ``RecordLink``.
    """
    _require_visible_ends(actor, record, other)
    if not takes_role(record, other):
        source, target = (record, other) if outgoing else (other, record)
        return link_create(actor=actor, source=source, target=target, link_type=link_type, evidential=evidential, reason=reason)

    from kssp.core.parties.services import party_link_create

    party, linked = (record, other) if is_party(record) else (other, record)
    party_field = party._meta.model_name
    try:
        return party_link_create(
            actor=actor, record=linked, **{party_field: party}, role=role, subject_category=subject_category,
            nature=nature, protected_witness=protected_witness, juvenile=juvenile, note=reason,
        )
    except ApplicationError as exc:
        if exc.fields:
            fields: dict[str, list[str]] = {}
            for name, texts in exc.fields.items():
                fields.setdefault(_ROLE_FIELDS.get(name, name), []).extend(texts)
            exc.fields = fields
        raise


def connection_remove(*, actor: Actor, link: Any, reason: str) -> Any:
    """End a link of either kind, with a reason (audited: ``link.removed`` or ``party_link.removed``);
    the row stays, marked removed. A link the actor may not see answers ``NotFound``."""
    if isinstance(link, RecordLink):
        return link_remove(actor=actor, link=link, reason=reason)
    from kssp.core.parties.models import PartyLink
    from kssp.core.parties.services import party_link_remove

    if not isinstance(link, PartyLink):
        raise NotFound()
    return party_link_remove(actor=actor, link=link, reason=reason)
