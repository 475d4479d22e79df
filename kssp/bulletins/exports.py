"""What may be exported from bulletins (issue #3 point 6), found by ``kssp.core.exports`` at start-up.

* ``bulletins`` — the bulletin list as the actor sees it (``bulletin_list_visible_to``), filtered by
  the list's FilterSet; CSV, XLSX or PDF, marked with the highest classification exported.
* ``bulletin-statistics`` — the counts of the statistics page (by kind, status and classification)
  across every institution through the aggregate exception, small cells suppressed.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kssp.bulletins import permissions as perms
from kssp.bulletins.choices import BulletinKind, BulletinStatus
from kssp.bulletins.filters import BulletinFilterSet
from kssp.bulletins.models import Bulletin
from kssp.bulletins.selectors import bulletin_list_visible_to
from kssp.core.exports.registry import Column, Grouping, RecordExport, StatisticsExport, register
from kssp.core.markings import Classification
from kssp.core.policy import Actor


def _visible(actor: Actor) -> Any:
    return bulletin_list_visible_to(actor=actor)


BULLETINS = register(
    RecordExport(
        name="bulletins",
        label=_("Bulletins"),
        record_type="bulletins.bulletin",
        permission=perms.VIEW,
        select=_visible,
        filterset_class=BulletinFilterSet,
        back_url_name="bulletins:bulletin_list",
        columns=[
            Column("number", _("Number"), width=1.1),
            Column("title", _("Title"), width=2.4),
            Column("kind", _("Kind"), width=1.2),
            Column("classification", _("Classification"), width=1.3),
            Column("handling_code", _("Handling code"), value=lambda b: b.handling_code, width=0.9),
            Column("status", _("Status"), width=0.9),
            Column("owner_unit", _("Owning unit"), width=1.5),
            Column("owner_institution", _("Owning institution"), width=1.4),
            Column("valid_until", _("Valid until"), width=0.9),
            Column("issued_at", _("Issued"), width=1.1),
            Column("contains_personal_data", _("Holds personal data"), width=1.0),
        ],
    )
)

BULLETIN_STATISTICS = register(
    StatisticsExport(
        name="bulletin-statistics",
        label=_("Bulletin statistics"),
        record_type="bulletins.bulletin",
        model=Bulletin,
        back_url_name="bulletins:bulletin_statistics",
        groupings=[
            Grouping("kind", _("Kind"), lambda: dict(BulletinKind.choices)),
            Grouping("status", _("Status"), lambda: dict(BulletinStatus.choices)),
            Grouping("classification", _("Classification"), lambda: dict(Classification.choices)),
        ],
    )
)
