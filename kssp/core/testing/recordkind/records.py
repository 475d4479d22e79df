"""The declaration of the kernel's test record type: the same shape a module's ``records.py`` has.

Its permission codes are the kernel's party permissions (``kssp.core.parties``): the test world's roles
come from the seeded role catalogue, which grants them to the roles the kernel tests act as
(investigators of the police and customs hold view, create, change and share; police officers view,
create and change). It stays out of the global search and the exports so that the tests of those
see only the types they arrange; its import type, derived from this declaration and its writes like any
module's, serves the import framework's tests.
"""

from __future__ import annotations

from kssp.core.parties import permissions as perms
from kssp.core.records import IdentifierScheme, Imports, Labels, RecordType, Retention, register
from kssp.core.retention.classes import REFERENCE_DATA
from kssp.core.testing.recordkind import services
from kssp.core.testing.recordkind.models import SampleRecord


@register
class SampleRecordType(RecordType):
    model = SampleRecord
    view_perm, create_perm, change_perm, share_perm = perms.VIEW, perms.CREATE, perms.CHANGE, perms.SHARE
    number_field = "number"
    title_field = "title"
    personal_fields = ("title", "body")
    detail_url = "recordkind:samplerecord_detail"
    labels = Labels(sq="Regjistrime prove", sr="Probni zapisi", en="Sample records")
    searchable = False
    exportable = False
    import_type = Imports(services.writes, code="samples", description="Sample records for the tests of the import framework.")
    notification_targets = ("owner_unit", "created_by")
    # Numbers other institutions give a sample record (the kernel's identifier tests).
    identifier_schemes = (
        IdentifierScheme("court", "court case number", pattern=r"[A-Z]{1,3} ?\d{1,6}/\d{4}", example="P 123/2026"),
        IdentifierScheme("prosecution", "prosecution case number", example="PPN 45/2026",
                         institution_kinds=frozenset({"prosecution"})),
    )
    # Kept while in use, never swept; left out of docs/ropa.md (it is no processing of the platform).
    retention = Retention(REFERENCE_DATA, trigger_field=None)
