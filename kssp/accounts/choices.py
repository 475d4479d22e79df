from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    POLICE = "police", _("Police")
    CUSTOMS = "customs", _("Customs")
    FORENSIC = "forensic", _("Forensic agency")
    INTELLIGENCE = "intelligence", _("Intelligence agency")
    PROSECUTION = "prosecution", _("Prosecution office")
    COURT = "court", _("Court")
    COUNCIL = "council", _("Council (administrative owner)")
    CERT = "cert", _("CERT")
    CYBER_AGENCY = "cyber_agency", _("Cyber security agency")
    MINISTRY = "ministry", _("Ministry")
    DATA_PROTECTION = "data_protection", _("Data protection authority")
    INSPECTORATE = "inspectorate", _("Inspectorate")
    FIU = "fiu", _("Financial intelligence unit")
    SECURITY_FORCE = "security_force", _("Security force")
    ACADEMY = "academy", _("Academy")
    OPERATOR = "operator", _("Critical infrastructure operator")
    INTERNATIONAL = "international", _("International organisation")


class UnitKind(models.TextChoices):
    HEADQUARTERS = "headquarters", _("Headquarters")
    DEPARTMENT = "department", _("Department")
    DIRECTORATE = "directorate", _("Directorate")
    REGIONAL_DIRECTORATE = "regional_directorate", _("Regional directorate")
    STATION = "station", _("Station")
    CROSSING_POINT = "crossing_point", _("Crossing point")
    OFFICE = "office", _("Office")
    UNIT = "unit", _("Unit")
