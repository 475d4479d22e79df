"""The shared index of parties (issue #3 point 1; users-review points 10, 19 and 49).

Persons, organisations and vehicles are need-to-know records (``ProtectedRecord``) owned by a unit. A
``PartyLink`` ties any record of any module to one of them, with the role, the data-subject category
(Directive 2016/680 Art. 6), whether it is a fact or an assessment (Art. 7), and the protection flags
that make a person display pseudonymised. Names are kept as written; the keys that matching needs are
derived by the services (``kssp.core.parties.matching``) and stored in indexed columns.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kssp.core.models.base import PublicIdModel, TrilingualNameModel
from kssp.core.models.grants import DependentRecord, ProtectedRecord
from kssp.core.parties.choices import (
    DocumentType,
    NameScript,
    Nature,
    OrganisationType,
    PartyRole,
    Sex,
    SubjectCategory,
)
from kssp.core.parties.matching import PartialDate


class Person(ProtectedRecord):
    """A natural person in the shared index. Always holds personal data: every reading is logged."""

    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    father_name = models.CharField(_("father's name"), max_length=100, blank=True)
    name_script = models.CharField(_("script of the names"), max_length=10, choices=NameScript.choices, default=NameScript.LATIN)
    # Matching keys (derived by the services, never typed): see kssp.core.parties.matching.
    given_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    family_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    given_prefix = models.CharField(max_length=8, db_index=True, editable=False, default="")
    family_prefix = models.CharField(max_length=8, db_index=True, editable=False, default="")

    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True, db_index=True)
    birth_month = models.PositiveSmallIntegerField(_("month of birth"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("day of birth"), null=True, blank=True)
    birth_approximate = models.BooleanField(_("date of birth approximate"), default=False)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    personal_number = models.CharField(_("personal number"), max_length=10, blank=True, db_index=True)
    nationality = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("nationality")
    )
    addresses = models.TextField(_("addresses"), blank=True, help_text=_("One address per line."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_duplicates",
        verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        indexes = [models.Index(fields=["family_key", "given_key"], name="person_name_key_idx")]
        constraints = [
            models.CheckConstraint(
                name="person_birth_date_shape",
                condition=(Q(birth_day__isnull=True) | Q(birth_month__isnull=False))
                & (Q(birth_month__isnull=True) | Q(birth_year__isnull=False)),
            ),
            models.CheckConstraint(name="person_not_merged_into_itself", condition=~Q(merged_into=models.F("pk"))),
        ]

    def __str__(self) -> str:
        # Used as the audit trail's record label: the public id only, never a name.
        return f"person {self.public_id}"

    @property
    def full_name(self) -> str:
        middle = f" ({self.father_name})" if self.father_name else ""
        return f"{self.given_name}{middle} {self.family_name}"

    @property
    def date_of_birth(self) -> PartialDate | None:
        if self.birth_year is None:
            return None
        return PartialDate(self.birth_year, self.birth_month, self.birth_day, self.birth_approximate)

    @property
    def birth_date(self) -> dt.date | None:
        dob = self.date_of_birth
        return dob.as_date() if dob is not None else None

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class PersonDocument(DependentRecord):
    """An identity or travel document of a person."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="documents", verbose_name=_("person"))
    doc_type = models.CharField(_("document type"), max_length=20, choices=DocumentType.choices)
    number = models.CharField(_("document number"), max_length=40)
    number_key = models.CharField(max_length=40, db_index=True, editable=False)
    issuing_country = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("issuing country")
    )
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["doc_type", "number", "pk"]
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")

    def __str__(self) -> str:
        return f"document {self.public_id}"


class Organisation(ProtectedRecord):
    """A company, association or public body."""

    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=300, db_index=True, editable=False, default="")
    business_number = models.CharField(_("business number"), max_length=20, blank=True)
    business_number_key = models.CharField(max_length=20, db_index=True, editable=False, blank=True, default="")
    org_type = models.CharField(_("type"), max_length=20, choices=OrganisationType.choices, default=OrganisationType.BUSINESS)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return f"organisation {self.public_id}"


class PlateFormat(TrilingualNameModel):
    """How a plate was issued, with neutral labels (users-review point 49): not a "plate country"."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("plate format")
        verbose_name_plural = _("plate formats")


class Vehicle(ProtectedRecord):
    """A vehicle: its plate as read, the plate format (neutral reference), VIN, make and model."""

    plate = models.CharField(_("plate"), max_length=20, blank=True)
    plate_key = models.CharField(max_length=20, db_index=True, editable=False, blank=True, default="")
    plate_format = models.ForeignKey(
        PlateFormat, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("plate format")
    )
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    vin_key = models.CharField(max_length=17, db_index=True, editable=False, blank=True, default="")
    make = models.CharField(_("make"), max_length=60, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    colour = models.CharField(_("colour"), max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["plate_key", "vin_key", "pk"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")

    def __str__(self) -> str:
        return f"vehicle {self.public_id}"


class PartyLinkQuerySet(models.QuerySet["PartyLink"]):
    def active(self) -> PartyLinkQuerySet:
        return self.filter(removed_at__isnull=True)

    def for_record(self, record: models.Model) -> PartyLinkQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk)


class PartyLink(PublicIdModel):
    """Any record → one person, organisation or vehicle. Removal is a mark (with a reason), never a
    deletion, so that a merge can be undone exactly and the history stays readable."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="links")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="links")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="links")
    role = models.CharField(_("role"), max_length=30, choices=PartyRole.choices)
    subject_category = models.CharField(
        _("data-subject category"), max_length=20, choices=SubjectCategory.choices, blank=True,
        help_text=_("Directive (EU) 2016/680 Art. 6; for persons."),
    )
    nature = models.CharField(_("fact or assessment"), max_length=20, choices=Nature.choices, default=Nature.FACT)
    protected_witness = models.BooleanField(_("protected witness"), default=False)
    juvenile = models.BooleanField(_("juvenile"), default=False)
    note = models.TextField(_("note"), blank=True)
    acquitted_at = models.DateField(
        _("acquittal final on"), null=True, blank=True,
        help_text=_("For a suspect: the day the acquittal became final (retention reviews the person after it)."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by_institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    remove_reason = models.TextField(_("reason for removal"), blank=True)

    objects = PartyLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("party link")
        verbose_name_plural = _("party links")
        indexes = [models.Index(fields=["content_type", "object_id"], name="partylink_record_idx")]
        constraints = [
            models.CheckConstraint(
                name="partylink_exactly_one_party",
                condition=(
                    Q(person__isnull=False, organisation__isnull=True, vehicle__isnull=True)
                    | Q(person__isnull=True, organisation__isnull=False, vehicle__isnull=True)
                    | Q(person__isnull=True, organisation__isnull=True, vehicle__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="partylink_protection_only_for_persons",
                condition=Q(person__isnull=False) | Q(protected_witness=False, juvenile=False),
            ),
            models.CheckConstraint(
                name="partylink_acquittal_only_for_suspects",
                condition=Q(acquitted_at__isnull=True) | Q(subject_category="suspect"),
            ),
        ]

    def __str__(self) -> str:
        return f"party link {self.public_id}"

    @property
    def party(self) -> Person | Organisation | Vehicle:
        party = self.person or self.organisation or self.vehicle
        assert party is not None
        return party


class PersonMerge(PublicIdModel):
    """One merge of a duplicate into a survivor, with exactly what moved, so that it can be undone."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_received")
    duplicate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_as_duplicate")
    reason = models.TextField(_("reason"))
    moved_link_ids = models.JSONField(default=list)
    moved_document_ids = models.JSONField(default=list)
    #: Links whose record is the duplicate itself (a vehicle linked to the person as a record).
    moved_record_link_ids = models.JSONField(default=list)
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    undo_reason = models.TextField(_("reason for undoing"), blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = _("person merge")
        verbose_name_plural = _("person merges")
        constraints = [
            models.UniqueConstraint(
                fields=["duplicate"], condition=Q(undone_at__isnull=True), name="personmerge_one_open_merge_per_duplicate"
            )
        ]

    def __str__(self) -> str:
        return f"person merge {self.public_id}"


class PersonSearch(PublicIdModel):
    """One search of (or listing from) the person index: the subject of its consultation event, so that
    the criteria (personal data) are encrypted with a key of their own and can be shredded by age."""

    class Kind(models.TextChoices):
        SEARCH = "search", _("Search")
        LIST = "list", _("List")
        DUPLICATE_CHECK = "duplicate_check", _("Duplicate check")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SEARCH)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    institution = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, null=True, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    case_ref = models.CharField(_("case reference"), max_length=100, blank=True)
    result_count = models.PositiveIntegerField(_("results"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("person search")
        verbose_name_plural = _("person searches")

    def __str__(self) -> str:
        return f"person search {self.public_id}"
