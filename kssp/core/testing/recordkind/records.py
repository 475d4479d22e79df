"""The declaration of the kernel's test record type: the same shape a module's ``records.py`` has.

Its permission codes are the kernel's party permissions (``kssp.core.parties``): the test world's roles
come from the seeded role catalogue, which grants them to the roles the kernel tests act as
(investigators of the police and customs hold view, create, change and share; police officers view,
create and change). It stays out of the global search and the exports so that the tests of those
see only the types they arrange.
"""

from __future__ import annotations

from kssp.core.parties import permissions as perms
from kssp.core.records import Labels, RecordType, register
from kssp.core.testing.recordkind.models import SampleRecord


@register
class SampleRecordType(RecordType):
    model = SampleRecord
    view_perm, create_perm, change_perm, share_perm = perms.VIEW, perms.CREATE, perms.CHANGE, perms.SHARE
    number_field = "number"
    title_field = "title"
    detail_url = "recordkind:samplerecord_detail"
    labels = Labels(sq="Regjistrime prove", sr="Probni zapisi", en="Sample records")
    searchable = False
    exportable = False
    notification_targets = ("owner_unit", "created_by")
