"""Reads on the party index, always as an actor (ARCHITECTURE rule 2).

* Every reading of a person is a consultation with a purpose (LED Art. 25): the detail selector logs
  one event per person, a search or a list one event whose encrypted payload holds the criteria and the
  public ids shown.
* Protected witnesses and juveniles (a flag on any active link of the person) are shown pseudonymised
  ("Witness W-3F9A", year of birth only, no numbers, documents or addresses) to everyone who holds no
  specific grant on that person: a grant naming the user, or the user's unit, made with
  ``kssp.core.services.grants.grant_create``. A search never returns them to such a reader, so that a
  name cannot be used to learn that its bearer is a protected witness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record, consultation_record
from kssp.core.exceptions import ApplicationError, NotFound, PermissionDenied
from kssp.core.models.grants import Grant
from kssp.core.parties import matching
from kssp.core.parties import permissions as perms
from kssp.core.parties.models import Organisation, PartyLink, Person, PersonDocument, PersonMerge, PersonSearch, Vehicle
from kssp.core.parties.policies import party_link_policy
from kssp.core.parties.reasons import MERGED_SPELLING, describe
from kssp.core.policy import Actor, policy_for
from kssp.core.records.access import policy_of, record_list_visible_to

PURPOSE_DETAIL = "person detail"
MAX_CANDIDATES = 2000
PERSONAL_NUMBER_LENGTH = 10


# --- protection (pseudonymised display) -------------------------------------------------------------


@dataclass(frozen=True)
class Protection:
    protected_witness: bool = False
    juvenile: bool = False
    revealed: bool = False

    @property
    def is_protected(self) -> bool:
        return self.protected_witness or self.juvenile

    @property
    def masked(self) -> bool:
        return self.is_protected and not self.revealed


def pseudonym_code(person: Person) -> str:
    """Four hex digits keyed with the server's secret: stable, and not computable from outside."""
    return salted_hmac("kssp.parties.pseudonym", str(person.public_id)).hexdigest()[:4].upper()


def pseudonym(person: Person, protection: Protection) -> str:
    code = pseudonym_code(person)
    if protection.protected_witness:
        return _("Witness %(code)s") % {"code": f"W-{code}"}
    return _("Juvenile %(code)s") % {"code": f"J-{code}"}


def protections_for(*, actor: Actor, persons: Iterable[Person]) -> dict[int, Protection]:
    """The protection of each person (two queries however many persons)."""
    ids = [p.pk for p in persons]
    flags: dict[int, tuple[bool, bool]] = {}
    rows = (
        PartyLink.objects.active()
        .filter(person_id__in=ids)
        .filter(Q(protected_witness=True) | Q(juvenile=True))
        .values_list("person_id", "protected_witness", "juvenile")
    )
    for person_id, witness, juvenile in rows:
        old = flags.get(person_id, (False, False))
        flags[person_id] = (old[0] or witness, old[1] or juvenile)
    revealed: set[int] = set()
    if flags:
        revealed = set(
            Grant.objects.active()
            .for_model(Person)
            .naming(actor)
            .filter(object_id__in=list(flags), grantee_type__in=[Grant.GranteeType.USER, Grant.GranteeType.UNIT])
            .values_list("object_id", flat=True)
        )
    return {pid: Protection(*flags.get(pid, (False, False)), revealed=pid in revealed) for pid in ids}


def apply_protection(*, actor: Actor, persons: Sequence[Person]) -> Sequence[Person]:
    """Attach ``protection`` to each person (what ``person_view`` and the serializers read)."""
    found = protections_for(actor=actor, persons=persons)
    for person in persons:
        person.protection = found[person.pk]  # type: ignore[attr-defined]
    return persons


def _dob_text(person: Person, *, year_only: bool) -> str:
    dob = person.date_of_birth
    if dob is None:
        return ""
    prefix = "~" if dob.approximate else ""
    if year_only or dob.month is None:
        return f"{prefix}{dob.year}"
    if dob.day is None:
        return f"{prefix}{dob.month:02d}.{dob.year}"
    return f"{prefix}{dob.day:02d}.{dob.month:02d}.{dob.year}"


@dataclass
class PersonView:
    """What a reader is shown of a person: everything, or the pseudonymised part."""

    person: Person
    protection: Protection
    name: str
    given_name: str
    family_name: str
    father_name: str
    date_of_birth: str
    birth_year: int | None
    sex: str
    sex_label: str
    personal_number: str
    nationality: Any
    addresses: list[str]
    name_script: str
    name_script_label: str

    @property
    def masked(self) -> bool:
        return self.protection.masked

    @property
    def public_id(self) -> Any:
        return self.person.public_id


def person_view(person: Person) -> PersonView:
    """The display of a person whose protection was applied (``apply_protection``); a person without it
    is shown masked, so that a forgotten call cannot leak a protected identity."""
    protection: Protection = getattr(person, "protection", None) or Protection(protected_witness=True)
    if protection.masked:
        return PersonView(
            person=person, protection=protection, name=pseudonym(person, protection), given_name="", family_name="",
            father_name="", date_of_birth=_dob_text(person, year_only=True), birth_year=person.birth_year, sex="",
            sex_label="", personal_number="", nationality=None, addresses=[], name_script="", name_script_label="",
        )
    return PersonView(
        person=person, protection=protection, name=person.full_name, given_name=person.given_name,
        family_name=person.family_name, father_name=person.father_name, date_of_birth=_dob_text(person, year_only=False),
        birth_year=person.birth_year, sex=person.sex, sex_label=str(person.get_sex_display()),
        personal_number=person.personal_number, nationality=person.nationality,
        addresses=[line.strip() for line in person.addresses.splitlines() if line.strip()],
        name_script=person.name_script, name_script_label=str(person.get_name_script_display()),
    )


# --- persons --------------------------------------------------------------------------------------


def person_list_visible_to(
    *, actor: Actor, filters: dict[str, Any] | None = None, include_merged: bool = False
) -> QuerySet[Person]:
    """Persons the actor may see (no consultation: callers that show them log it)."""
    qs = Person.objects.visible_to(actor).select_related("nationality", "owner_institution", "owner_unit")
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    if filters:
        from kssp.core.parties.filters import PersonFilterSet

        qs = PersonFilterSet(filters, queryset=qs).qs
    return qs.order_by("family_name", "given_name", "pk")


def _person_or_404(actor: Actor, public_id: Any) -> Person:
    try:
        return person_list_visible_to(actor=actor, include_merged=True).get(public_id=public_id)
    except (Person.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None


def person_target(*, actor: Actor, public_id: Any) -> Person:
    """The person an action is about (not displayed, so no consultation); NotFound if not visible."""
    return _person_or_404(actor, public_id)


def person_get_visible_to(*, actor: Actor, public_id: Any, purpose: str = "", case_ref: str = "") -> Person:
    """One person, or NotFound for a missing and a forbidden one alike. Writes a consultation event with
    the purpose (and case reference) every time: a person always holds personal data."""
    person = _person_or_404(actor, public_id)
    consultation_record(
        actor=actor, target=person, purpose=(purpose or PURPOSE_DETAIL)[:300], case_ref=(case_ref or "")[:100],
        event="person.consulted",
    )
    apply_protection(actor=actor, persons=[person])
    return person


def person_documents_for(*, actor: Actor, person: Person) -> list[PersonDocument]:
    """The person's documents, none for a pseudonymised person."""
    if getattr(person, "protection", Protection(protected_witness=True)).masked:
        return []
    return list(person.documents.select_related("issuing_country").order_by("doc_type", "number", "pk"))


def person_merges_for(*, actor: Actor, person: Person) -> dict[str, Any]:
    """The open merge that absorbed this person (if any) and the open merges it received."""
    absorbed = (
        PersonMerge.objects.filter(duplicate=person, undone_at__isnull=True).select_related("survivor", "merged_by").first()
    )
    received = list(
        PersonMerge.objects.filter(survivor=person, undone_at__isnull=True).select_related("duplicate", "merged_by")
    )
    return {"absorbed": absorbed, "received": received}


# --- search ------------------------------------------------------------------------------------------


@dataclass
class PersonMatch:
    person: Person
    view: PersonView
    score: float
    percent: int
    reasons: list[matching.Reason]
    reason_texts: list[str] = field(default_factory=list)


@dataclass
class SearchResult:
    search: PersonSearch
    matches: list[PersonMatch]


def _parse_dob(value: Any, errors: dict[str, list[str]]) -> matching.PartialDate | None:
    if value in (None, ""):
        return None
    if isinstance(value, matching.PartialDate):
        return value
    if isinstance(value, dt.date):
        return matching.PartialDate.from_date(value)
    try:
        return matching.parse_partial_date(str(value))
    except ValueError:
        errors.setdefault("date_of_birth", []).append(
            _("Write the date of birth as dd.mm.yyyy, mm.yyyy or yyyy (add ~ if approximate).")
        )
        return None


def validate_personal_number(value: str) -> str | None:
    """The message for a personal number that is not 10 digits, or None."""
    if value and (len(value) != PERSONAL_NUMBER_LENGTH or not value.isdigit()):
        return _("A Kosovo personal number has 10 digits.")
    return None


def _log_search(
    *, actor: Actor, kind: str, purpose: str, case_ref: str, criteria: dict[str, Any], results: list[Person]
) -> PersonSearch:
    with transaction.atomic():
        search = PersonSearch.objects.create(
            kind=kind, actor=actor.user, institution_id=actor.institution_id, purpose=purpose[:300], case_ref=case_ref[:100],
            result_count=len(results),
        )
        audit_record(
            actor=actor, event="person.searched", target=search, data_subject=search, purpose=purpose, case_ref=case_ref,
            extra={"kind": kind, "criteria": criteria, "results": [str(p.public_id) for p in results]},
            target_institution_id=actor.institution_id,
        )
    return search


def _candidate(person: Person, documents: dict[int, list[str]]) -> matching.Candidate:
    return matching.Candidate(
        ref=person, given_name=person.given_name, family_name=person.family_name, father_name=person.father_name,
        date_of_birth=person.date_of_birth, personal_number=person.personal_number,
        document_numbers=tuple(documents.get(person.pk, [])),
    )


def _survivor_of(person: Person, by_pk: dict[int, Person]) -> Person | None:
    seen = set()
    current: Person | None = person
    while current is not None and current.merged_into_id is not None and current.pk not in seen:
        seen.add(current.pk)
        current = by_pk.get(current.merged_into_id)
    return current


def _rank(
    *, actor: Actor, query: matching.Query, base: QuerySet[Person], limit: int, exclude: Person | None = None
) -> list[PersonMatch]:
    words = matching.tokens(query.name)
    name_q = Q()
    if words:
        keys = sorted({w.key for w in words})
        prefixes = sorted({w.loose[: matching.PREFIX_LENGTH] for w in words})
        name_q = (
            Q(given_key__in=keys) | Q(family_key__in=keys) | Q(given_prefix__in=prefixes) | Q(family_prefix__in=prefixes)
        )
        dob = query.date_of_birth
        if dob is not None:
            name_q &= Q(birth_year__isnull=True) | Q(birth_year__range=(dob.year - 1, dob.year + 1))
    q = name_q
    personal_number = matching.normalise_identifier(query.personal_number)
    if personal_number:
        q |= Q(personal_number=personal_number)
    document_number = matching.normalise_identifier(query.document_number)
    if document_number:
        held = PersonDocument.objects.unscoped(reason="matched only within the visible persons of base")
        q |= Q(pk__in=held.filter(number_key=document_number).values("person_id"))
    if not q:
        return []
    rows = list(base.filter(q).order_by("pk")[:MAX_CANDIDATES])
    documents: dict[int, list[str]] = {}
    read = PersonDocument.objects.unscoped(reason="documents of the visible persons just read")
    for person_id, number in read.filter(person__in=[r.pk for r in rows]).values_list("person_id", "number"):
        documents.setdefault(person_id, []).append(number)

    ranked = matching.rank(query, [_candidate(p, documents) for p in rows], limit=MAX_CANDIDATES)
    # A merged duplicate's spelling finds its survivor (if the reader may see it).
    merged_ids = {m.ref.merged_into_id for m in ranked if m.ref.merged_into_id}
    by_pk: dict[int, Person] = {}
    pending = set(merged_ids)
    while pending:
        found = list(base.filter(pk__in=pending))
        by_pk.update({p.pk: p for p in found})
        pending = {p.merged_into_id for p in found if p.merged_into_id and p.merged_into_id not in by_pk}
    best: dict[int, tuple[Person, matching.Match, bool]] = {}
    for match in ranked:
        person: Person | None = match.ref
        via_duplicate = False
        if person is not None and person.merged_into_id is not None:
            person, via_duplicate = _survivor_of(person, by_pk), True
        if person is None or person.merged_into_id is not None or (exclude is not None and person.pk == exclude.pk):
            continue
        kept = best.get(person.pk)
        if kept is None or match.score > kept[1].score:
            best[person.pk] = (person, match, via_duplicate)
    persons = [entry[0] for entry in best.values()]
    apply_protection(actor=actor, persons=persons)
    results: list[PersonMatch] = []
    for person, match, via_duplicate in sorted(best.values(), key=lambda e: (-e[1].score, e[0].pk)):
        if person.protection.masked:  # type: ignore[attr-defined]
            continue  # never confirm by name that someone is a protected witness or a juvenile
        reasons = list(match.reasons)
        if via_duplicate:
            reasons.append(matching.Reason(MERGED_SPELLING))
        results.append(
            PersonMatch(
                person=person, view=person_view(person), score=match.score, percent=match.percent, reasons=reasons,
                reason_texts=[describe(r) for r in reasons],
            )
        )
    return results[:limit]


def person_search(
    *,
    actor: Actor,
    name: str = "",
    date_of_birth: Any = None,
    personal_number: str = "",
    document_number: str = "",
    purpose: str = "",
    case_ref: str = "",
    limit: int = 50,
) -> SearchResult:
    """Persons matching a name (across Albanian and Serbian spellings and scripts), a date of birth
    (with tolerance), a personal number or a document number; only those the actor may see, ranked,
    each with its reasons. A purpose or a case reference is required; the search is logged."""
    if not actor.is_authenticated or not actor.has_perm(perms.VIEW):
        raise PermissionDenied()
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    purpose = (purpose or "").strip()
    case_ref = (case_ref or "").strip()
    personal_number = "".join((personal_number or "").split())
    document_number = (document_number or "").strip()
    if not purpose and not case_ref:
        errors["purpose"] = [_("Give the purpose of the search or a case reference; it is recorded in the audit trail.")]
    if len(purpose) > 300:
        errors.setdefault("purpose", []).append(_("At most 300 characters."))
    if len(case_ref) > 100:
        errors["case_ref"] = [_("At most 100 characters.")]
    if len(name) > 200:
        errors["name"] = [_("At most 200 characters.")]
    elif name and not matching.tokens(name):
        errors["name"] = [_("Write at least one letter of the name.")]
    message = validate_personal_number(personal_number)
    if message:
        errors["personal_number"] = [message]
    if len(document_number) > 40:
        errors["document_number"] = [_("At most 40 characters.")]
    dob = _parse_dob(date_of_birth, errors)
    if not (name or personal_number or document_number) and not errors.get("personal_number"):
        errors.setdefault("name", []).append(_("Give a name, a personal number or a document number."))
    if errors:
        raise ApplicationError(_("The search was not run."), fields=errors)
    query = matching.Query(name=name, date_of_birth=dob, personal_number=personal_number, document_number=document_number)
    base = Person.objects.visible_to(actor).select_related("nationality", "owner_unit", "owner_institution")
    matches = _rank(actor=actor, query=query, base=base, limit=limit)
    criteria = {
        "name": name, "date_of_birth": str(date_of_birth or ""), "personal_number": personal_number,
        "document_number": document_number,
    }
    search = _log_search(
        actor=actor, kind=PersonSearch.Kind.SEARCH, purpose=purpose, case_ref=case_ref, criteria=criteria,
        results=[m.person for m in matches],
    )
    return SearchResult(search=search, matches=matches)


def person_duplicate_candidates(*, actor: Actor, person: Person, name: str = "", limit: int = 20) -> list[PersonMatch]:
    """Persons that may be the same as ``person`` and that the actor could merge into it: same owning
    institution, within the actor's own reach, not merged. The check is logged like a search."""
    if not actor.has_perm(perms.MERGE):
        raise PermissionDenied()
    base = (
        Person.objects.visible_to(actor)
        .filter(policy_of(Person).scope_q(actor), owner_institution_id=person.owner_institution_id)
        .select_related("nationality", "owner_unit", "owner_institution")
    )
    query = matching.Query(
        name=name.strip() or f"{person.given_name} {person.family_name}", date_of_birth=None if name.strip() else person.date_of_birth,
        personal_number="" if name.strip() else person.personal_number,
    )
    matches = _rank(actor=actor, query=query, base=base, limit=limit, exclude=person)
    _log_search(
        actor=actor, kind=PersonSearch.Kind.DUPLICATE_CHECK, purpose=_("duplicate check before a merge"),
        case_ref="", criteria={"survivor": str(person.public_id), "name": name.strip()}, results=[m.person for m in matches],
    )
    return matches


def person_list_logged(*, actor: Actor, persons: Sequence[Person], purpose: str = "", case_ref: str = "") -> Sequence[Person]:
    """Log a page of a person list as one consultation (the API's list), and apply protection."""
    _log_search(
        actor=actor, kind=PersonSearch.Kind.LIST, purpose=(purpose or "person list").strip(), case_ref=(case_ref or "").strip(),
        criteria={}, results=list(persons),
    )
    return apply_protection(actor=actor, persons=persons)


# --- organisations and vehicles -----------------------------------------------------------------


def organisation_list_visible_to(
    *, actor: Actor, filters: dict[str, Any] | None = None, purpose: str = "",
) -> QuerySet[Organisation]:
    """With a ``purpose``, reading the list is a consultation (one event naming the rows returned)."""
    base = record_list_visible_to(actor=actor, model=Organisation, purpose=purpose) if purpose else Organisation.objects.visible_to(actor)
    qs = base.select_related("owner_institution", "owner_unit")
    if filters:
        from kssp.core.parties.filters import OrganisationFilterSet

        qs = OrganisationFilterSet(filters, queryset=qs).qs
    return qs.order_by("name", "pk")


def organisation_get_visible_to(*, actor: Actor, public_id: Any, purpose: str = "", case_ref: str = "") -> Organisation:
    try:
        organisation = organisation_list_visible_to(actor=actor).get(public_id=public_id)
    except (Organisation.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None
    if organisation.contains_personal_data:
        consultation_record(
            actor=actor, target=organisation, purpose=(purpose or "organisation detail")[:300], case_ref=(case_ref or "")[:100],
            event="organisation.consulted",
        )
    return organisation


def vehicle_list_visible_to(
    *, actor: Actor, filters: dict[str, Any] | None = None, purpose: str = "",
) -> QuerySet[Vehicle]:
    """With a ``purpose``, reading the list is a consultation (one event naming the rows returned)."""
    base = record_list_visible_to(actor=actor, model=Vehicle, purpose=purpose) if purpose else Vehicle.objects.visible_to(actor)
    qs = base.select_related("plate_format", "owner_institution", "owner_unit")
    if filters:
        from kssp.core.parties.filters import VehicleFilterSet

        qs = VehicleFilterSet(filters, queryset=qs).qs
    return qs.order_by("plate_key", "vin_key", "pk")


def vehicle_get_visible_to(*, actor: Actor, public_id: Any, purpose: str = "", case_ref: str = "") -> Vehicle:
    try:
        vehicle = vehicle_list_visible_to(actor=actor).get(public_id=public_id)
    except (Vehicle.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None
    if vehicle.contains_personal_data:
        consultation_record(
            actor=actor, target=vehicle, purpose=(purpose or "vehicle detail")[:300], case_ref=(case_ref or "")[:100],
            event="vehicle.consulted",
        )
    return vehicle


# --- links -------------------------------------------------------------------------------------------


def party_link_list_visible_to(*, actor: Actor, filters: dict[str, Any] | None = None, active: bool = True) -> QuerySet[PartyLink]:
    qs = PartyLink.objects.filter(party_link_policy.visible_q(actor)).select_related(
        "content_type", "person", "organisation", "vehicle"
    )
    if active:
        qs = qs.active()
    if filters:
        from kssp.core.parties.filters import PartyLinkFilterSet

        qs = PartyLinkFilterSet(filters, queryset=qs).qs
    return qs.order_by("-created_at", "pk")


def party_link_get_visible_to(*, actor: Actor, public_id: Any) -> PartyLink:
    try:
        link = party_link_list_visible_to(actor=actor, active=False).get(public_id=public_id)
    except (PartyLink.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFound() from None
    if link.person is not None:
        apply_protection(actor=actor, persons=[link.person])
    return link


def record_label(record: models.Model) -> str:
    """How a linked record is named on a panel (parties by what they are, others by ``str``)."""
    if isinstance(record, Vehicle):
        parts = [record.plate, " ".join(p for p in (record.make, record.model) if p)]
        return " · ".join(p for p in parts if p) or record.vin or _("Vehicle")
    if isinstance(record, Organisation):
        return record.name
    if isinstance(record, Person):
        return person_view(record).name
    return str(record)


def record_url(record: models.Model) -> str:
    """The record's detail page by the house convention ``<app>:<model>_detail`` with its public id."""
    public_id = getattr(record, "public_id", None)
    if public_id is None:
        return ""
    meta = record._meta
    for name in (f"{meta.app_label}:{meta.model_name}_detail",):
        try:
            return reverse(name, args=[public_id])
        except NoReverseMatch:
            continue
    return ""


@dataclass
class LinkedRecord:
    link: PartyLink
    record: models.Model
    type_label: str
    label: str
    url: str


def party_links_for_person(*, actor: Actor, person: Person) -> list[LinkedRecord]:
    """The records linked to ``person`` that the actor may see; links to others are omitted, not
    counted (one query per kind of record)."""
    return party_links_for_party(actor=actor, party=person)


def party_links_for_party(*, actor: Actor, party: Person | Organisation | Vehicle) -> list[LinkedRecord]:
    """The records linked to a person, an organisation or a vehicle that the actor may see."""
    field_name = {Person: "person", Organisation: "organisation", Vehicle: "vehicle"}[type(party)]
    links = list(party_link_list_visible_to(actor=actor).filter(**{field_name: party}))
    by_type: dict[int, list[PartyLink]] = {}
    for link in links:
        by_type.setdefault(link.content_type_id, []).append(link)
    out: list[LinkedRecord] = []
    for content_type_id, group in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        records = policy_for(model).visible(actor).filter(pk__in=[link.object_id for link in group]).in_bulk()
        people = [r for r in records.values() if isinstance(r, Person)]
        if people:
            apply_protection(actor=actor, persons=people)
        for link in group:
            record = records.get(link.object_id)
            if record is None:
                continue
            out.append(
                LinkedRecord(link=link, record=record, type_label=str(model._meta.verbose_name).capitalize(),
                             label=record_label(record), url=record_url(record))
            )
    out.sort(key=lambda item: item.link.created_at, reverse=True)
    return out


def party_links_for_record(*, actor: Actor, record: models.Model) -> list[PartyLink]:
    """The parties linked to a record (for the record's own page), visible ones only, with persons'
    protection applied."""
    links = list(
        party_link_list_visible_to(actor=actor).filter(
            content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
        )
    )
    apply_protection(actor=actor, persons=[link.person for link in links if link.person is not None])
    return links
