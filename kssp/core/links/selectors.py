"""Reads on record links, always scoped by the actor (ARCHITECTURE rule 2)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

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
    other_number: str
    other_url: str | None
    other_type: str
    can_remove: bool
    #: The page's removal form for this row (set by the panel).
    remove_form: Any = None
    #: A party's role in a record (a ``PartyLink``: "Driver", "Owner") rather than a typed record link.
    party_role: bool = False
    evidential: bool = False
    reason: str = ""
    protection: tuple[str, ...] = ()
    #: For a role: fact or assessment (Directive 2016/680 Art. 7).
    nature: str = ""


def link_rows_for(*, actor: Actor, record: Any) -> list[LinkRow]:
    """The panel's rows for ``record``: every link touching it whose other end the actor may see, in
    both directions — the record links made on the panels and the parties' roles in records (a person
    as driver of a vehicle's record, a suspect in a bulletin) — newest first, so a page lists each
    connection once and both of its ends list it."""
    rows = _record_link_rows(actor, record) + _party_role_rows(actor, record)
    rows.sort(key=lambda row: row.link.created_at, reverse=True)
    return rows


def _party_role_rows(actor: Actor, record: Any) -> list[LinkRow]:
    from django.contrib.contenttypes.models import ContentType

    from kssp.core.parties import permissions as party_perms
    from kssp.core.parties.models import Organisation, PartyLink, Person, Vehicle
    from kssp.core.parties.policies import linkable_models
    from kssp.core.parties.selectors import apply_protection

    # party_link_policy's rule (the parties' permission, the party and the record both visible), asked
    # only of the roles touching this record: they are read first, then their ends' visibility in one
    # query per type present (a detail page no longer compiles a filter for every declared type).
    if not actor.has_perm(party_perms.VIEW):
        return []
    party_field = {Person: "person", Organisation: "organisation", Vehicle: "vehicle"}.get(type(record))
    linkable = set(linkable_models())
    roles = PartyLink.objects.active().select_related("content_type", "person", "organisation", "vehicle", "created_by")
    # The records this party has a role in ("Keeper in" a vehicle's record, "Suspect in" a bulletin).
    as_party: list[PartyLink] = list(roles.filter(**{party_field: record})) if party_field is not None else []
    # The parties that have a role in this record (a vehicle is a record too: its keeper, its driver).
    content_type = ContentType.objects.get_for_model(type(record))
    in_record: list[PartyLink] = list(roles.filter(content_type=content_type, object_id=record.pk))
    if not as_party and not in_record:
        return []
    own = (content_type.pk, record.pk)

    def party_key(link: PartyLink) -> tuple[int, int]:
        party = link.party
        return ContentType.objects.get_for_model(type(party)).pk, party.pk

    keys = {own} | {(link.content_type_id, link.object_id) for link in as_party} | {party_key(link) for link in in_record}
    visible = records.visible_records_by_key(actor, keys)
    if own not in visible:
        return []
    pairs: list[tuple[PartyLink, Any, bool]] = [
        (link, visible.get((link.content_type_id, link.object_id)), True)
        for link in as_party if link.content_type.model_class() in linkable
    ]
    if type(record) in linkable:
        pairs += [(link, visible.get(party_key(link)), False) for link in in_record]
    persons = [other for _link, other, _o in pairs if isinstance(other, Person)]
    if isinstance(record, Person):
        persons.append(record)
    if persons:
        apply_protection(actor=actor, persons=persons)
    # A role is removed by whoever may change the record the party has the role in (the parties'
    # change permission too): ``party_link_policy``'s rule, decided once per record, not per row.
    may_change: dict[tuple[type, int], bool] = {}

    def can_remove(linked: Any) -> bool:
        key = (type(linked), linked.pk)
        if key not in may_change:
            may_change[key] = actor.has_perm(party_perms.CHANGE) and records.can(actor, "change", linked)
        return may_change[key]

    rows = []
    for link, other, from_party in pairs:
        if other is None:
            continue
        role = str(link.get_role_display())
        if link.subject_category:
            role = f"{role} ({link.get_subject_category_display()})"
        flags = tuple(str(flag) for flag, on in ((_("Protected witness"), link.protected_witness), (_("Juvenile"), link.juvenile)) if on)
        rows.append(LinkRow(
            link=link,  # type: ignore[arg-type]
            outgoing=from_party,
            other=other,
            label=role,  # "Driver", "Subject of the record (Suspect)": the party's role, read from either end
            other_title=display_name(actor, other),
            other_number=shown_number(other),
            other_url=records.record_url(other),
            other_type=str(type(other)._meta.verbose_name),
            can_remove=can_remove(other if from_party else record),
            party_role=True,
            nature=str(link.get_nature_display()),
            reason=link.note,
            protection=flags,
        ))
    return rows


def _record_link_rows(actor: Actor, record: Any) -> list[LinkRow]:
    # record_link_policy's rule (both ends visible), asked only of the links touching this record: read
    # them first, then their ends' visibility in one query per type present.
    record_type = records.record_type_for(record)
    if record_type is None or not actor.is_authenticated:
        return []
    links = list(
        RecordLink.objects.active().touching(record)
        .select_related("created_by", "removed_by", "from_type", "to_type").order_by("-created_at", "-pk")
    )
    if not links:
        return []
    ct_id = record_type.content_type.pk
    keys: set[tuple[int, int]] = {(ct_id, record.pk)}
    for link in links:
        outgoing = link.from_type_id == ct_id and link.from_id == record.pk
        keys.add((link.to_type_id, link.to_id) if outgoing else (link.from_type_id, link.from_id))
    others = records.visible_records_by_key(actor, keys)
    if (ct_id, record.pk) not in others:
        return []
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
                other_title=display_name(actor, other),
                other_number=shown_number(other),
                other_url=records.record_url(other),
                other_type=str(type(other)._meta.verbose_name),
                can_remove=may_change_record or records.can(actor, "change", other),
                evidential=link.evidential,
                reason=link.reason,
            )
        )
    return rows


def display_name(actor: Actor, record: Any) -> str:
    """How a linked record is named for ``actor``: the declaration's ``display_for`` (a person by the
    name the reader may see, a vehicle by plate and make, a bulletin by number and title unless it
    holds personal data)."""
    declaration = records.record_type_for(record)
    if declaration is None:
        return records.record_number(record)
    return declaration.display_for(actor, record)


def shown_number(record: Any) -> str:
    """The record's number where it has one (not the fragment of a public id)."""
    declaration = records.record_type_for(record)
    if declaration is None or not declaration.number_field:
        return ""
    return str(getattr(record, declaration.number_field, "") or "")


@dataclass(frozen=True)
class Candidate:
    """One record the picker offers: ``value`` is what the form sends back ("type:public id")."""

    value: str
    type_name: str
    title: str
    number: str
    detail: str


PICKER_PURPOSE = "linking records"


def candidate_for(actor: Actor, record: Any) -> Candidate:
    """How the picker offers one record the actor may see (the one picked, shown again with the form)."""
    declaration = records.record_type_for(record)
    assert declaration is not None
    title, number = display_name(actor, record), shown_number(record)
    return Candidate(
        value=f"{declaration.label}:{record.public_id}", type_name=str(declaration.verbose_name).capitalize(),
        title=title, number="" if number in title else number, detail="",
    )


def link_candidates(*, actor: Actor, text: str, exclude: Any = None, limit: int = 8) -> list[Candidate]:
    """Records of every declared type the actor may see that match ``text`` — a name (any spelling or
    script, through the person matching), a number, a plate, a VIN or a serial — found by the kernel's
    search (each type through its own selector; the reading of persons is logged with the purpose
    "linking records"). Records the actor may not see are never offered and never counted."""
    from kssp.core.search.query import QueryError, parse_query
    from kssp.core.search.selectors import search_visible_to

    try:
        query = parse_query(text, purpose=PICKER_PURPOSE)
    except QueryError:
        return []
    by_code = {rt.code: rt for rt in records.record_types().values() if not rt.is_dependent}
    outcome = search_visible_to(actor=actor, query=query, limit=limit)
    out: list[Candidate] = []
    for group in outcome.groups:
        declaration = by_code.get(group.type.code)
        if declaration is None:
            continue
        for result in group.results:
            if result.public_id is None:
                continue
            if type(exclude) is declaration.model and getattr(exclude, "public_id", None) == result.public_id:
                continue
            out.append(Candidate(
                value=f"{declaration.label}:{result.public_id}", type_name=str(group.type.label),
                title=result.title, number=result.number if result.number != result.title else "",
                detail=result.detail,
            ))
    # Types kept out of the global search are still found by their number (through their own policy).
    for declaration in by_code.values():
        if declaration.searchable or not declaration.number_field:
            continue
        for record in records.search_visible(actor, declaration.label, text, limit=limit, exclude=exclude):
            out.append(Candidate(
                value=f"{declaration.label}:{record.public_id}", type_name=str(declaration.verbose_name).capitalize(),
                title=declaration.display_for(actor, record), number="", detail="",
            ))
    return out
