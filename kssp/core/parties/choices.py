from django.db import models
from django.utils.translation import gettext_lazy as _


class NameScript(models.TextChoices):
    """The script a person's names were written in (kept as written; matching reads both)."""

    LATIN = "latin", _("Latin")
    CYRILLIC = "cyrillic", _("Cyrillic")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNKNOWN = "unknown", _("Unknown")


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("Identity card")
    PASSPORT = "passport", _("Passport")
    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    TRAVEL_DOCUMENT = "travel_document", _("Other travel document")
    OTHER = "other", _("Other document")


class OrganisationType(models.TextChoices):
    BUSINESS = "business", _("Business")
    NGO = "ngo", _("Non-governmental organisation")
    PUBLIC_BODY = "public_body", _("Public body")
    SECURITY_COMPANY = "security_company", _("Private security company")
    ARMS_DEALER = "arms_dealer", _("Licensed arms dealer or repairer")
    FOREIGN = "foreign", _("Foreign organisation")
    OTHER = "other", _("Other organisation")


class SubjectCategory(models.TextChoices):
    """Categories of data subjects, Directive (EU) 2016/680 Art. 6."""

    SUSPECT = "suspect", _("Suspect")
    CONVICTED = "convicted", _("Convicted person")
    VICTIM = "victim", _("Victim")
    WITNESS = "witness", _("Witness")
    OTHER = "other", _("Other person")


class Nature(models.TextChoices):
    """Directive (EU) 2016/680 Art. 7: data based on facts are told apart from personal assessments."""

    FACT = "fact", _("Fact")
    ASSESSMENT = "assessment", _("Assessment")


class PartyRole(models.TextChoices):
    """What the party is to the record. Modules use these; ``other`` with a note for the rest."""

    SUBJECT = "subject", _("Subject of the record")
    OWNER = "owner", _("Owner")
    KEEPER = "keeper", _("Registered keeper")
    HOLDER = "holder", _("Holder")
    DRIVER = "driver", _("Driver")
    PASSENGER = "passenger", _("Passenger")
    SEIZED_FROM = "seized_from", _("Person the item was taken from")
    REPORTER = "reporter", _("Reporting person")
    INJURED_PARTY = "injured_party", _("Injured party")
    EMPLOYEE = "employee", _("Employee")
    REPRESENTATIVE = "representative", _("Representative")
    OTHER = "other", _("Other role")
