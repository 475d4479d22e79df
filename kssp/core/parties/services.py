"""Writes on the party index (ARCHITECTURE rule 1): each service checks, validates, writes and audits in
one transaction. Payloads about a party are encrypted with the party's key (``personal_data`` events).

Merging is reversible: ``person_merge`` re-points the duplicate's documents and links to the survivor
and records their ids; ``person_unmerge`` puts exactly those back. Both use ``QuerySet.update`` so that
no other column (not even ``updated_at``) changes, and the round trip restores every row as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied
from kssp.core.markings import Classification, check_markings
from kssp.core.models.reference import Country
from kssp.core.parties import matching
from kssp.core.parties import permissions as perms
from kssp.core.parties.choices import DocumentType, NameScript, Nature, OrganisationType, PartyRole, Sex, SubjectCategory
from kssp.core.parties.models import (
    Organisation,
    PartyLink,
    Person,
    PersonDocument,
    PersonMerge,
    PlateFormat,
    Vehicle,
)
from kssp.core.parties.policies import linkable_models, party_link_policy
from kssp.core.parties.selectors import protections_for, validate_personal_number
from kssp.core.policy import Actor, policy_for
from kssp.core.records.access import policy_of
from kssp.core.services.records import require_permission, require_visible

PERSON_EDITABLE = (
    "given_name", "family_name", "father_name", "date_of_birth", "sex", "personal_number", "nationality", "addresses",
    "classification", "handling_code",
)
ORGANISATION_EDITABLE = ("name", "business_number", "org_type", "classification", "handling_code", "contains_personal_data")
VEHICLE_EDITABLE = (
    "plate", "plate_format", "vin", "make", "model", "colour", "classification", "handling_code", "contains_personal_data",
)
NAME_MAX = 100
VIN_CHARACTERS = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
BUSINESS_NUMBER = re.compile(r"^[A-Z0-9]{4,20}$")


# --- shared checks -------------------------------------------------------------------------------------



def _text(data: dict[str, Any], name: str, errors: dict[str, list[str]], *, required: bool = False, max_length: int) -> str:
    value = data.get(name)
    text = "" if value is None else str(value).strip()
    if required and not text:
        errors.setdefault(name, []).append(_("This field is required."))
    elif len(text) > max_length:
        errors.setdefault(name, []).append(_("At most %(count)s characters.") % {"count": max_length})
    return text


def _choice(data: dict[str, Any], name: str, choices: Any, errors: dict[str, list[str]], *, blank: bool = False) -> str:
    value = data.get(name) or ""
    if (value or not blank) and value not in choices.values:
        errors.setdefault(name, []).append(_("Choose one of the offered values."))
    return str(value)


def _country(data: dict[str, Any], name: str, errors: dict[str, list[str]]) -> Country | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, Country):
        return value
    country = Country.objects.filter(code=str(value).upper()).first()
    if country is None:
        errors.setdefault(name, []).append(_("Unknown country code."))
    return country


# --- persons -----------------------------------------------------------------------------------------


def _dob(value: Any, errors: dict[str, list[str]]) -> matching.PartialDate | None:
    if value in (None, ""):
        return None
    dob: matching.PartialDate | None
    try:
        if isinstance(value, matching.PartialDate):
            dob = value
        elif isinstance(value, dt.date):
            dob = matching.PartialDate.from_date(value)
        else:
            dob = matching.parse_partial_date(str(value))
    except ValueError:
        errors["date_of_birth"] = [_("Write the date of birth as dd.mm.yyyy, mm.yyyy or yyyy (add ~ if approximate).")]
        return None
    if dob is None:
        return None
    today = timezone.localdate()
    full = dob.as_date()
    if dob.year > today.year or (full is not None and full > today):
        errors["date_of_birth"] = [_("The date of birth is in the future.")]
    elif dob.year < 1900:
        errors["date_of_birth"] = [_("The date of birth is before 1900.")]
    return dob


def _person_snapshot(person: Person) -> dict[str, Any]:
    dob = person.date_of_birth
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "father_name": person.father_name,
        "name_script": person.name_script,
        "date_of_birth": (
            None if dob is None else {"year": dob.year, "month": dob.month, "day": dob.day, "approximate": dob.approximate}
        ),
        "sex": person.sex,
        "personal_number": person.personal_number,
        "nationality": person.nationality.code if person.nationality_id and person.nationality else None,
        "addresses": person.addresses,
        "classification": person.classification,
        "handling_code": person.handling_code,
    }


def _person_fields(actor: Actor, data: dict[str, Any], *, person: Person | None) -> dict[str, Any]:
    """Validated column values for the keys present in ``data`` (all of them on create)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    creating = person is None
    for name in ("given_name", "family_name"):
        if creating or name in data:
            values[name] = _text(data, name, errors, required=True, max_length=NAME_MAX)
            if values[name] and not matching.tokens(values[name]):
                errors.setdefault(name, []).append(_("Write the name with letters."))
    if creating or "father_name" in data:
        values["father_name"] = _text(data, "father_name", errors, max_length=NAME_MAX)
    names = {n: values.get(n, getattr(person, n, "")) for n in ("given_name", "family_name", "father_name")}
    scripts = {n: matching.detect_script(v) for n, v in names.items() if v}
    overall = matching.detect_script(*names.values())
    if overall == "mixed":
        majority = "cyrillic" if sum(s == "cyrillic" for s in scripts.values()) > len(scripts) / 2 else "latin"
        for n, script in scripts.items():
            if script != majority and (n in data or creating):
                errors.setdefault(n, []).append(_("Write all the names in one script, as in the document."))
        if not any(n in errors for n in names):
            errors.setdefault("given_name", []).append(_("Write all the names in one script, as in the document."))
    elif overall:
        values["name_script"] = NameScript.CYRILLIC if overall == "cyrillic" else NameScript.LATIN
    if creating or "date_of_birth" in data:
        dob = _dob(data.get("date_of_birth"), errors)
        values.update(
            birth_year=dob.year if dob else None, birth_month=dob.month if dob else None, birth_day=dob.day if dob else None,
            birth_approximate=bool(dob and dob.approximate),
        )
    if creating or "sex" in data:
        values["sex"] = _choice({"sex": data.get("sex") or Sex.UNKNOWN}, "sex", Sex, errors)
    if creating or "personal_number" in data:
        number = "".join(str(data.get("personal_number") or "").split())
        message = validate_personal_number(number)
        if message:
            errors["personal_number"] = [message]
        elif number:
            # Only persons the actor can see are compared: a refusal must not reveal another's record.
            clash = Person.objects.visible_to(actor).filter(personal_number=number, merged_into__isnull=True)
            if person is not None:
                clash = clash.exclude(pk=person.pk)
            if clash.exists():
                errors["personal_number"] = [
                    _("A person with this personal number is already in the index: open that record, or merge the two.")
                ]
        values["personal_number"] = number
    if creating or "nationality" in data:
        values["nationality"] = _country(data, "nationality", errors)
    if creating or "addresses" in data:
        values["addresses"] = _text(data, "addresses", errors, max_length=2000)
    values.update(check_markings(actor, data, errors))
    if errors:
        raise ApplicationError(_("The person was not saved."), fields=errors)
    return values


def _set_keys(person: Person) -> None:
    person.given_key = matching.name_key(person.given_name)[:200]
    person.family_key = matching.name_key(person.family_name)[:200]
    person.given_prefix = matching.name_prefix(person.given_name)
    person.family_prefix = matching.name_prefix(person.family_name)


@transaction.atomic
def person_create(
    *,
    actor: Actor,
    given_name: str,
    family_name: str,
    father_name: str = "",
    date_of_birth: Any = None,
    sex: str = Sex.UNKNOWN,
    personal_number: str = "",
    nationality: Country | str | None = None,
    addresses: str = "",
    classification: int = Classification.RESTRICTED,
    handling_code: str = "",
) -> Person:
    """Add a person, owned by the actor's unit. Names are kept in the script written."""
    require_permission(actor, perms.CREATE)
    values = _person_fields(
        actor,
        {
            "given_name": given_name, "family_name": family_name, "father_name": father_name, "date_of_birth": date_of_birth,
            "sex": sex, "personal_number": personal_number, "nationality": nationality, "addresses": addresses,
            "classification": classification, "handling_code": handling_code,
        },
        person=None,
    )
    ids = actor.ids
    person = Person(
        owner_institution_id=ids.institution_id, owner_unit_id=ids.unit_id, created_by=actor.user,
        contains_personal_data=True, **values,
    )
    _set_keys(person)
    person.save()
    audit_record(actor=actor, event="person.created", target=person, after=_person_snapshot(person))
    return person


def _visible_or_404(actor: Actor, person: Person, field: str | None = None) -> None:
    if not policy_of(Person).can(actor, "view", person):
        raise NotFound(fields={field: [_("There is no such person, or you may not see it.")]} if field else None)


def _require_revealed(actor: Actor, person: Person) -> None:
    if protections_for(actor=actor, persons=[person])[person.pk].masked:
        raise PermissionDenied(_("This person is protected; only holders of a specific grant on the person may do this."))


def _changeable(actor: Actor, person: Person) -> None:
    _visible_or_404(actor, person)
    if not policy_of(Person).can(actor, "change", person):
        raise PermissionDenied()
    if person.is_merged:
        raise ApplicationError(_("This person was merged into another; change that record instead."), code="merged")
    _require_revealed(actor, person)


@transaction.atomic
def person_update(*, actor: Actor, person: Person, **changes: Any) -> Person:
    _changeable(actor, person)
    unknown = set(changes) - set(PERSON_EDITABLE)
    if unknown:
        raise ApplicationError(_("The person was not saved."), fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    if not changes:
        return person
    values = _person_fields(actor, changes, person=person)
    before = _person_snapshot(person)
    for key, value in values.items():
        setattr(person, key, value)
    _set_keys(person)
    person.save()
    audit_record(actor=actor, event="person.updated", target=person, before=before, after=_person_snapshot(person))
    return person


def _document_snapshot(document: PersonDocument) -> dict[str, Any]:
    return {
        "document": str(document.public_id),
        "doc_type": document.doc_type,
        "number": document.number,
        "issuing_country": document.issuing_country.code if document.issuing_country else None,
        "expires_on": document.expires_on,
    }


@transaction.atomic
def person_document_add(
    *,
    actor: Actor,
    person: Person,
    doc_type: str,
    number: str,
    issuing_country: Country | str | None = None,
    expires_on: dt.date | None = None,
) -> PersonDocument:
    """Add an identity or travel document to a person."""
    _changeable(actor, person)
    errors: dict[str, list[str]] = {}
    data = {"doc_type": doc_type, "number": number, "issuing_country": issuing_country}
    doc_type = _choice(data, "doc_type", DocumentType, errors)
    number = _text(data, "number", errors, required=True, max_length=40)
    key = matching.normalise_identifier(number)
    if number and not key:
        errors.setdefault("number", []).append(_("Write the number with letters and digits."))
    country = _country(data, "issuing_country", errors)
    if key and "doc_type" not in errors and person.documents.filter(doc_type=doc_type, number_key=key).exists():
        errors.setdefault("number", []).append(_("This person already has this document."))
    if errors:
        raise ApplicationError(_("The document was not added."), fields=errors)
    document = PersonDocument.objects.create(
        person=person, doc_type=doc_type, number=number, number_key=key, issuing_country=country, expires_on=expires_on,
        created_by=actor.user,
    )
    audit_record(actor=actor, event="person_document.added", target=person, after=_document_snapshot(document))
    return document


# --- organisations and vehicles --------------------------------------------------------------------


def _organisation_snapshot(organisation: Organisation) -> dict[str, Any]:
    return {name: getattr(organisation, name) for name in ORGANISATION_EDITABLE}


def _organisation_fields(actor: Actor, data: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if creating or "name" in data:
        values["name"] = _text(data, "name", errors, required=True, max_length=200)
        values["name_key"] = matching.name_key(values["name"])[:300]
    if creating or "business_number" in data:
        raw = _text(data, "business_number", errors, max_length=20)
        key = matching.normalise_identifier(raw)
        if raw and not BUSINESS_NUMBER.match(key):
            errors.setdefault("business_number", []).append(_("Write the business number with 4 to 20 letters and digits."))
        values["business_number"], values["business_number_key"] = raw, key
    if creating or "org_type" in data:
        values["org_type"] = _choice(data, "org_type", OrganisationType, errors)
    if "contains_personal_data" in data:
        values["contains_personal_data"] = bool(data["contains_personal_data"])
    values.update(check_markings(actor, data, errors))
    if errors:
        raise ApplicationError(_("The organisation was not saved."), fields=errors)
    return values


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    name: str,
    business_number: str = "",
    org_type: str = OrganisationType.BUSINESS,
    classification: int = Classification.RESTRICTED,
    handling_code: str = "",
    contains_personal_data: bool = False,
) -> Organisation:
    require_permission(actor, perms.CREATE)
    values = _organisation_fields(
        actor,
        {"name": name, "business_number": business_number, "org_type": org_type, "classification": classification,
         "handling_code": handling_code, "contains_personal_data": contains_personal_data},
        creating=True,
    )
    ids = actor.ids
    organisation = Organisation.objects.create(
        owner_institution_id=ids.institution_id, owner_unit_id=ids.unit_id, created_by=actor.user, **values
    )
    audit_record(actor=actor, event="organisation.created", target=organisation, after=_organisation_snapshot(organisation))
    return organisation


@transaction.atomic
def organisation_update(*, actor: Actor, organisation: Organisation, **changes: Any) -> Organisation:
    require_visible(actor, organisation, "change")
    unknown = set(changes) - set(ORGANISATION_EDITABLE)
    if unknown:
        raise ApplicationError(
            _("The organisation was not saved."), fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)}
        )
    if not changes:
        return organisation
    values = _organisation_fields(actor, changes, creating=False)
    before = _organisation_snapshot(organisation)
    for key, value in values.items():
        setattr(organisation, key, value)
    organisation.save()
    audit_record(
        actor=actor, event="organisation.updated", target=organisation, before=before, after=_organisation_snapshot(organisation)
    )
    return organisation


def _vehicle_snapshot(vehicle: Vehicle) -> dict[str, Any]:
    out = {name: getattr(vehicle, name) for name in VEHICLE_EDITABLE if name != "plate_format"}
    out["plate_format"] = vehicle.plate_format.code if vehicle.plate_format else None
    return out


def _vehicle_fields(actor: Actor, data: dict[str, Any], *, vehicle: Vehicle | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    creating = vehicle is None
    if creating or "plate" in data:
        values["plate"] = _text(data, "plate", errors, max_length=20)
        values["plate_key"] = matching.normalise_plate(values["plate"])
        if values["plate"] and not values["plate_key"]:
            errors.setdefault("plate", []).append(_("Write the plate with letters and digits."))
    if creating or "plate_format" in data:
        value = data.get("plate_format")
        if value in (None, ""):
            values["plate_format"] = None
        elif isinstance(value, PlateFormat):
            values["plate_format"] = value
        else:
            values["plate_format"] = PlateFormat.objects.filter(code=str(value), active=True).first()
            if values["plate_format"] is None:
                errors.setdefault("plate_format", []).append(_("Unknown plate format."))
    if creating or "vin" in data:
        raw = _text(data, "vin", errors, max_length=17)
        key = matching.normalise_identifier(raw)
        if raw and len(key) == 17 and not VIN_CHARACTERS.match(key):
            errors.setdefault("vin", []).append(_("A VIN has no letters I, O or Q."))
        elif raw and not 5 <= len(key) <= 17:
            errors.setdefault("vin", []).append(_("A VIN or chassis number has 5 to 17 letters and digits (17 since 1981)."))
        values["vin"], values["vin_key"] = key, key
    for name, length in (("make", 60), ("model", 60), ("colour", 40)):
        if creating or name in data:
            values[name] = _text(data, name, errors, max_length=length)
    plate = values.get("plate", vehicle.plate if vehicle else "")
    vin = values.get("vin", vehicle.vin if vehicle else "")
    if not plate and not vin and "plate" not in errors and "vin" not in errors:
        errors.setdefault("plate", []).append(_("Give the plate or the VIN."))
    if "contains_personal_data" in data:
        values["contains_personal_data"] = bool(data["contains_personal_data"])
    values.update(check_markings(actor, data, errors))
    if errors:
        raise ApplicationError(_("The vehicle was not saved."), fields=errors)
    return values


@transaction.atomic
def vehicle_create(
    *,
    actor: Actor,
    plate: str = "",
    plate_format: PlateFormat | str | None = None,
    vin: str = "",
    make: str = "",
    model: str = "",
    colour: str = "",
    classification: int = Classification.RESTRICTED,
    handling_code: str = "",
    contains_personal_data: bool = True,
) -> Vehicle:
    """Add a vehicle (a plate or a VIN is needed). A plate is personal data of its keeper by default."""
    require_permission(actor, perms.CREATE)
    values = _vehicle_fields(
        actor,
        {"plate": plate, "plate_format": plate_format, "vin": vin, "make": make, "model": model, "colour": colour,
         "classification": classification, "handling_code": handling_code, "contains_personal_data": contains_personal_data},
        vehicle=None,
    )
    ids = actor.ids
    vehicle = Vehicle.objects.create(owner_institution_id=ids.institution_id, owner_unit_id=ids.unit_id, created_by=actor.user, **values)
    audit_record(actor=actor, event="vehicle.created", target=vehicle, after=_vehicle_snapshot(vehicle))
    return vehicle


@transaction.atomic
def vehicle_update(*, actor: Actor, vehicle: Vehicle, **changes: Any) -> Vehicle:
    require_visible(actor, vehicle, "change")
    unknown = set(changes) - set(VEHICLE_EDITABLE)
    if unknown:
        raise ApplicationError(_("The vehicle was not saved."), fields={k: [_("This field cannot be changed.")] for k in sorted(unknown)})
    if not changes:
        return vehicle
    values = _vehicle_fields(actor, changes, vehicle=vehicle)
    before = _vehicle_snapshot(vehicle)
    for key, value in values.items():
        setattr(vehicle, key, value)
    vehicle.save()
    audit_record(actor=actor, event="vehicle.updated", target=vehicle, before=before, after=_vehicle_snapshot(vehicle))
    return vehicle


# --- links -------------------------------------------------------------------------------------------


def _link_snapshot(link: PartyLink, record: models.Model) -> dict[str, Any]:
    party = link.party
    return {
        "link": str(link.public_id),
        "record": {"type": f"{record._meta.app_label}.{record._meta.model_name}", "public_id": str(getattr(record, "public_id", ""))},
        "party": {"type": party._meta.model_name, "public_id": str(party.public_id)},
        "role": link.role,
        "subject_category": link.subject_category,
        "nature": link.nature,
        "protected_witness": link.protected_witness,
        "juvenile": link.juvenile,
        "note": link.note,
    }


@transaction.atomic
def party_link_create(
    *,
    actor: Actor,
    record: models.Model,
    person: Person | None = None,
    organisation: Organisation | None = None,
    vehicle: Vehicle | None = None,
    role: str,
    subject_category: str = "",
    nature: str = Nature.FACT,
    protected_witness: bool = False,
    juvenile: bool = False,
    note: str = "",
) -> PartyLink:
    """Link a record of any module to a party, with the role, the data-subject category (for persons),
    fact or assessment, and the protection flags. The actor must see both and may change the record."""
    parties = [p for p in (person, organisation, vehicle) if p is not None]
    if len(parties) != 1:
        raise ApplicationError(_("The link was not saved."), fields={"party": [_("Choose exactly one person, organisation or vehicle.")]})
    party = parties[0]
    party_field = party._meta.model_name or "party"
    if type(record) not in linkable_models():
        raise ApplicationError(_("The link was not saved."), fields={"record": [_("Parties cannot be linked to this kind of record.")]})
    record_policy = policy_for(type(record))
    if not record_policy.can(actor, "view", record):
        raise NotFound(fields={"record": [_("There is no such record, or you may not see it.")]})
    if not policy_for(type(party)).can(actor, "view", party):
        raise NotFound(fields={party_field: [_("There is no such record, or you may not see it.")]})
    if not actor.has_perm(perms.CHANGE) or not record_policy.can(actor, "change", record):
        raise PermissionDenied(_("You may not change this record."))
    errors: dict[str, list[str]] = {}
    if type(record) is type(party) and record.pk == party.pk:
        errors["record"] = [_("A record cannot be linked to itself.")]
    if isinstance(party, Person) and party.is_merged:
        errors[party_field] = [_("This person was merged into another; link that record instead.")]
    data = {"role": role, "subject_category": subject_category, "nature": nature}
    role = _choice(data, "role", PartyRole, errors)
    nature = _choice(data, "nature", Nature, errors)
    if isinstance(party, Person):
        subject_category = _choice(data, "subject_category", SubjectCategory, errors)
    else:
        if subject_category:
            errors["subject_category"] = [_("Data-subject categories apply to persons only.")]
        if protected_witness or juvenile:
            errors["protected_witness"] = [_("Only a person can be a protected witness or a juvenile.")]
    note = _text({"note": note}, "note", errors, max_length=2000)
    if errors:
        raise ApplicationError(_("The link was not saved."), fields=errors)
    if PartyLink.objects.active().for_record(record).filter(**{party_field: party}, role=role).exists():
        raise ApplicationError(
            _("The link was not saved."), fields={"role": [_("This party already has this role in the record.")]},
            code="duplicate",
        )
    link = PartyLink.objects.create(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk,
        person=person, organisation=organisation, vehicle=vehicle, role=role, subject_category=subject_category,
        nature=nature, protected_witness=bool(protected_witness), juvenile=bool(juvenile), note=note,
        created_by=actor.user, created_by_institution_id=actor.ids.institution_id,
    )
    audit_record(
        actor=actor, event="party_link.created", target=record, data_subject=party, after=_link_snapshot(link, record),
        target_institution_id=getattr(record, "owner_institution_id", None),
    )
    return link


@transaction.atomic
def party_link_remove(*, actor: Actor, link: PartyLink, reason: str) -> PartyLink:
    """Mark a link removed (kept for the history). Removing a protection flag's link needs a grant on
    the person, since it would reveal the person to everyone else."""
    if not party_link_policy.can(actor, "view", link):
        raise NotFound()
    if not party_link_policy.can(actor, "remove", link):
        raise PermissionDenied(_("You may not change this record."))
    if link.person is not None and (link.protected_witness or link.juvenile):
        _require_revealed(actor, link.person)
    if link.removed_at is not None:
        raise ApplicationError(_("This link was already removed."), code="already_removed")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("The link was not removed."), fields={"reason": [_("Give the reason for removing the link.")]})
    record = party_link_policy.record_of(link)
    link.removed_at, link.removed_by, link.remove_reason = timezone.now(), actor.user, reason
    link.save(update_fields=["removed_at", "removed_by", "remove_reason", "updated_at"])
    audit_record(
        actor=actor, event="party_link.removed", target=record, data_subject=link.party, before=_link_snapshot(link, record),
        reason=reason, target_institution_id=getattr(record, "owner_institution_id", None),
    )
    return link


@transaction.atomic
def party_link_record_acquittal(*, actor: Actor, link: PartyLink, acquitted_on: dt.date) -> PartyLink:
    """Record that the acquittal of a suspect became final on ``acquitted_on``: retention then reviews a
    person linked only as an acquitted suspect (``kssp.core.retention.rules``)."""
    if not party_link_policy.can(actor, "view", link):
        raise NotFound()
    if not party_link_policy.can(actor, "remove", link):
        raise PermissionDenied(_("You may not change this record."))
    errors: dict[str, list[str]] = {}
    if link.subject_category != SubjectCategory.SUSPECT:
        errors["acquitted_at"] = [_("Only a suspect's link can record an acquittal.")]
    elif link.removed_at is not None:
        errors["acquitted_at"] = [_("This link was removed.")]
    elif not isinstance(acquitted_on, dt.date) or acquitted_on > timezone.localdate():
        errors["acquitted_at"] = [_("Give the day the acquittal became final (not in the future).")]
    if errors:
        raise ApplicationError(_("The acquittal was not recorded."), fields=errors)
    record = party_link_policy.record_of(link)
    before = link.acquitted_at
    link.acquitted_at = acquitted_on
    link.save(update_fields=["acquitted_at", "updated_at"])
    audit_record(
        actor=actor, event="party_link.acquittal_recorded", target=record, data_subject=link.party,
        before={"acquitted_at": before}, after=_link_snapshot(link, record) | {"acquitted_at": acquitted_on},
        target_institution_id=getattr(record, "owner_institution_id", None),
    )
    return link


# --- merging ---------------------------------------------------------------------------------------


def person_merge_check(*, actor: Actor, survivor: Person, duplicate: Person) -> None:
    """Everything a merge checks before it writes (the merge page runs it for its preview).

    A person the actor cannot see answers NotFound (on its field), exactly like a missing one.
    """
    _visible_or_404(actor, survivor, "survivor")
    _visible_or_404(actor, duplicate, "duplicate")
    require_permission(actor, perms.MERGE)
    for person in (survivor, duplicate):
        if not policy_of(Person).can(actor, "change", person):
            raise PermissionDenied(_("Only persons within your own reach can be merged."))
        _require_revealed(actor, person)
    errors: dict[str, list[str]] = {}
    if survivor.pk == duplicate.pk:
        errors["duplicate"] = [_("Choose another person: a person cannot be merged into itself.")]
    elif duplicate.is_merged:
        errors["duplicate"] = [_("This person was already merged into another.")]
    elif survivor.is_merged:
        errors["survivor"] = [_("This person was merged into another; merge into that record instead.")]
    elif survivor.owner_institution_id != duplicate.owner_institution_id:
        errors["duplicate"] = [_("Persons held by different institutions cannot be merged.")]
    elif duplicate.classification > survivor.classification:
        errors["duplicate"] = [
            _("The duplicate is classified higher than the person it would merge into; raise that person's classification first.")
        ]
    elif duplicate.handling_code and duplicate.handling_code != survivor.handling_code:
        errors["duplicate"] = [_("The duplicate carries a handling code the other person does not; align them first.")]
    if errors:
        raise ApplicationError(_("The persons were not merged."), fields=errors)


@transaction.atomic
def person_merge(*, actor: Actor, survivor: Person, duplicate: Person, reason: str) -> PersonMerge:
    """Merge ``duplicate`` into ``survivor``: its documents and links move; it stays, marked merged
    (searches for its spelling find the survivor). Audited with a reason; ``person_unmerge`` undoes it."""
    person_merge_check(actor=actor, survivor=survivor, duplicate=duplicate)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("The persons were not merged."), fields={"reason": [_("Give the reason for the merge.")]})
    # Lock both rows and read them again: a concurrent merge of either must not interleave.
    both = Person.objects.unscoped(reason="lock the two persons the actor was shown").select_for_update()
    locked = {p.pk: p for p in both.filter(pk__in=[survivor.pk, duplicate.pk])}
    if locked[duplicate.pk].merged_into_id is not None or locked[survivor.pk].merged_into_id is not None:
        raise Conflict(_("One of the persons was merged meanwhile. Reload the page."))
    person_type = ContentType.objects.get_for_model(Person)
    link_ids = sorted(PartyLink.objects.filter(person=duplicate).values_list("pk", flat=True))
    record_link_ids = sorted(PartyLink.objects.filter(content_type=person_type, object_id=duplicate.pk).values_list("pk", flat=True))
    documents = PersonDocument.objects.unscoped(reason="documents of the two persons being merged")
    document_ids = sorted(documents.filter(person=duplicate).values_list("pk", flat=True))
    before = _person_snapshot(duplicate)
    moved = {
        "links": [str(x) for x in PartyLink.objects.filter(pk__in=link_ids + record_link_ids).values_list("public_id", flat=True)],
        "documents": [str(x) for x in documents.filter(pk__in=document_ids).values_list("public_id", flat=True)],
    }
    PartyLink.objects.filter(pk__in=link_ids).update(person=survivor)
    PartyLink.objects.filter(pk__in=record_link_ids).update(object_id=survivor.pk)
    documents.filter(pk__in=document_ids).update(person=survivor)
    Person.objects.unscoped(reason="the duplicate checked above").filter(pk=duplicate.pk).update(merged_into=survivor)
    duplicate.merged_into = survivor
    merge = PersonMerge.objects.create(
        survivor=survivor, duplicate=duplicate, reason=reason, moved_link_ids=link_ids, moved_document_ids=document_ids,
        moved_record_link_ids=record_link_ids, merged_by=actor.user,
    )
    audit_record(
        actor=actor, event="person.merged", target=duplicate, before=before, reason=reason,
        extra={"merge": str(merge.public_id), "survivor": str(survivor.public_id), "moved": moved},
    )
    return merge


@transaction.atomic
def person_unmerge(*, actor: Actor, duplicate: Person, reason: str) -> PersonMerge:
    """Undo the open merge of ``duplicate``: exactly the documents and links that moved go back, and the
    duplicate is a person of its own again, as it was."""
    _visible_or_404(actor, duplicate, "duplicate")
    require_permission(actor, perms.MERGE)
    merge = PersonMerge.objects.select_related("survivor").filter(duplicate=duplicate, undone_at__isnull=True).first()
    if merge is None:
        raise ApplicationError(_("This person is not merged into another."), code="not_merged")
    survivor = merge.survivor
    for person in (survivor, duplicate):
        if not policy_of(Person).can(actor, "change", person):
            raise PermissionDenied(_("Only persons within your own reach can be merged."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("The merge was not undone."), fields={"reason": [_("Give the reason for undoing the merge.")]})
    both = Person.objects.unscoped(reason="lock the two persons the actor was shown").select_for_update()
    locked = {p.pk: p for p in both.filter(pk__in=[survivor.pk, duplicate.pk])}
    if locked[survivor.pk].merged_into_id is not None:
        raise Conflict(_("The person this one was merged into was itself merged later; undo that merge first."))
    if locked[duplicate.pk].merged_into_id != survivor.pk:
        raise Conflict(_("The merge changed meanwhile. Reload the page."))
    person_type = ContentType.objects.get_for_model(Person)
    PartyLink.objects.filter(pk__in=merge.moved_link_ids, person=survivor).update(person=duplicate)
    PartyLink.objects.filter(pk__in=merge.moved_record_link_ids, content_type=person_type, object_id=survivor.pk).update(
        object_id=duplicate.pk
    )
    moved = PersonDocument.objects.unscoped(reason="the documents the merge moved")
    moved.filter(pk__in=merge.moved_document_ids, person=survivor).update(person=duplicate)
    Person.objects.unscoped(reason="the duplicate checked above").filter(pk=duplicate.pk).update(merged_into=None)
    duplicate.merged_into = None
    merge.undone_at, merge.undone_by, merge.undo_reason = timezone.now(), actor.user, reason
    merge.save(update_fields=["undone_at", "undone_by", "undo_reason", "updated_at"])
    audit_record(
        actor=actor, event="person.unmerged", target=duplicate, reason=reason,
        extra={"merge": str(merge.public_id), "survivor": str(survivor.public_id)},
    )
    return merge


def merge_preview(*, actor: Actor, survivor: Person, duplicate: Person) -> dict[str, Any]:
    """What a merge would move, as the actor may see it (links to records the actor cannot see are not
    listed and not counted; they move all the same)."""
    from kssp.core.parties.selectors import party_links_for_person

    return {
        "documents": list(duplicate.documents.select_related("issuing_country").order_by("doc_type", "number")),
        "links": party_links_for_person(actor=actor, person=duplicate),
        "record_links": PartyLink.objects.filter(
            Q(content_type=ContentType.objects.get_for_model(Person), object_id=duplicate.pk)
        ).filter(party_link_policy.visible_q(actor)).count(),
    }
