from kssp.core.models.audit import AuditAnchor, AuditDataKey, AuditEvent, AuditHead
from kssp.core.models.base import PublicIdModel, TimeStampedModel, TrilingualNameModel
from kssp.core.models.grants import Grant, ProtectedRecord, visibility_indexes
from kssp.core.models.identifiers import RecordIdentifier, identifier_key
from kssp.core.models.notices import HitNotice, NumberSequence
from kssp.core.models.reference import (
    BorderDirectorate,
    Country,
    CrossingPoint,
    District,
    LegalAct,
    Municipality,
    Offence,
    PoliceRegion,
)
from kssp.core.models.schedule import PeriodicRun

__all__ = [
    "RecordIdentifier",
    "identifier_key",
    "AuditAnchor",
    "AuditDataKey",
    "AuditEvent",
    "AuditHead",
    "BorderDirectorate",
    "Country",
    "CrossingPoint",
    "District",
    "LegalAct",
    "Grant",
    "HitNotice",
    "Municipality",
    "NumberSequence",
    "Offence",
    "PeriodicRun",
    "PoliceRegion",
    "ProtectedRecord",
    "PublicIdModel",
    "TimeStampedModel",
    "TrilingualNameModel",
    "visibility_indexes",
]
