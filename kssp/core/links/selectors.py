"""Reads on record links, always scoped by the actor (ARCHITECTURE rule 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet

from kssp.core.exceptions import NotFound
from kssp.core.links.models import RecordLink
from kssp.core.links.policies import record_link_policy
from kssp.core.policy import Actor
from kssp.core.records import access as records


def link_list_visible_to(
    *, actor: Actor, record: Any = None, evidential_only: bool = False, include_removed: bool = False
) -> QuerySet[RecordLink]:
    """Links whose two ends the actor may see (others are left out, not counted), newest first.

    ``record`` keeps the links from or to one record; ``evidential_only`` keeps the evidential ones (the
    court report and the prosecutor's view show only those).
    """
    qs = RecordLink.objects.filter(record_link_policy.visible_q(actor))
    if not include_removed:
        qs = qs.active()
    if record is not None:
        qs = qs.touching(record)
    if evidential_only:
        qs = qs.filter(evidential=True)
    return qs.select_related("created_by", "removed_by", "from_type", "to_type").order_by("-created_at", "-pk")


def link_get_visible_to(*, actor: Actor, public_id: Any, include_removed: bool = False) -> RecordLink:
    try:
        link = link_list_visible_to(actor=actor, include_removed=include_removed).filter(public_id=public_id).first()
    except (ValueError, TypeError, DjangoValidationError):
        link = None
    if link is None:
        raise NotFound()
    return link


@dataclass
class LinkRow:
    """One link as seen from one record: the label reads from that record towards the other end."""

    link: RecordLink
    outgoing: bool
    other: Any
    label: str
    other_title: str
    other_url: str | None
    other_type: str
    can_remove: bool
    #: The page's removal form for this row (set by the panel).
    remove_form: Any = None


def link_rows_for(*, actor: Actor, record: Any) -> list[LinkRow]:
    """The panel's rows for ``record``: links in both directions whose other end the actor may see."""
    links = list(link_list_visible_to(actor=actor, record=record))
    if not links:
        return []
    record_type = records.record_type_for(record)
    ct_id = record_type.content_type.pk if record_type is not None else None
    keys: set[tuple[int, int]] = set()
    for link in links:
        outgoing = link.from_type_id == ct_id and link.from_id == record.pk
        keys.add((link.to_type_id, link.to_id) if outgoing else (link.from_type_id, link.from_id))
    others = records.records_by_key(keys)
    may_change_record = records.can(actor, "change", record)
    rows = []
    for link in links:
        outgoing = link.from_type_id == ct_id and link.from_id == record.pk
        key = (link.to_type_id, link.to_id) if outgoing else (link.from_type_id, link.from_id)
        other = others.get(key)
        if other is None:
            continue
        rows.append(
            LinkRow(
                link=link,
                outgoing=outgoing,
                other=other,
                label=link.label_from(outgoing),
                other_title=records.record_title(other),
                other_url=records.record_url(other),
                other_type=str(type(other)._meta.verbose_name),
                can_remove=may_change_record or records.can(actor, "change", other),
            )
        )
    return rows
