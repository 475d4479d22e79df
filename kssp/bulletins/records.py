"""The bulletin record type: its one declaration (issue #6 point 1).

Everything the kernel does with bulletins derives from here: the need-to-know policy, the scoped
manager, the global search (by number, title and text, with the existence-only check), the list export
and the statistics export, the import of drafts, the timeline wording, retention and the generic share
pages.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kssp.bulletins import permissions as perms
from kssp.bulletins import services
from kssp.bulletins.choices import BulletinKind, BulletinStatus
from kssp.bulletins.filters import BulletinFilterSet
from kssp.bulletins.forms import QuickCaptureForm
from kssp.bulletins.models import Bulletin
from kssp.core.exports.registry import Column, Grouping
from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent
from kssp.core.records import Imports, Labels, RecordType, Retention, register
from kssp.core.retention.classes import CPC, LED, POLICE, STAFF
from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, anonymise, delete_row
from kssp.core.search import query as kinds

ANONYMISED = "[anonymised]"

RETENTION_CLASS = RetentionClass(
    code="bulletins",
    label=_("Inter-agency bulletins"),
    period=Period(years=5),
    trigger=Trigger.CREATED,
    action=Action.REVIEW,
    legal_basis=f"{POLICE}; {CPC}; {LED} Art. 4 and 8",
    purpose=_("Lookouts, notices and alerts from one unit to others"),
    data_subjects=(_("suspects"), _("victims"), _("witnesses"), _("other persons named in a bulletin"), STAFF),
    data_categories=(_("free text that may name persons, vehicles and places"), _("author and owning unit")),
    recipients=(_("units and institutions it is shared with by grant"),),
)


def status_changed(event: AuditEvent) -> tuple[str, str]:
    """"Issued" / "Withdrawn" instead of "status changed"; the reason follows the actor."""
    to = ((event.payload or {}).get("after") or {}).get("status", "")
    title = {
        BulletinStatus.ISSUED: gettext("Bulletin issued"),
        BulletinStatus.WITHDRAWN: gettext("Bulletin withdrawn"),
    }.get(to, gettext("Bulletin status changed"))
    detail = event.actor_username
    if event.reason:
        detail = f"{detail} · {event.reason}"
    return title, detail


@register
class BulletinRecord(RecordType):
    model = Bulletin
    view_perm, create_perm, change_perm, share_perm = perms.VIEW, perms.CREATE, perms.CHANGE, perms.SHARE
    number_field = "number"
    title_field = "title"
    personal_fields = ("title", "body")  # free text that may name persons (audited only encrypted)
    detail_url = "bulletins:bulletin_detail"
    list_url = "bulletins:bulletin_list"
    labels = Labels(sq="Buletinet", sr="Bilteni", en="Bulletins")

    search_fields = ("number", "title", "body")
    search_kinds = frozenset({kinds.RECORD_NUMBER, kinds.CASE_NUMBER, kinds.PLATE, kinds.SERIAL, kinds.VIN, kinds.NAME, kinds.TEXT})
    search_order = 50

    export_filterset = BulletinFilterSet
    export_columns = (
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
        Column("body", _("Text"), block=True),  # the bulletin's text: under its row in PDF (#7 point 2)
    )
    statistics = (
        Grouping("kind", _("Kind"), lambda: dict(BulletinKind.choices)),
        Grouping("status", _("Status"), lambda: dict(BulletinStatus.choices)),
        Grouping("classification", _("Classification"), lambda: dict(Classification.choices)),
    )
    statistics_label = _("Bulletin statistics")
    import_type = Imports(  # drafts, one per row: the columns are the fields the service takes, checked by its rules
        services.writes,
        description=_("Drafts of lookouts, notices and alerts, owned by your unit. Issue them one by one after the import."),
        columns={"kind": {"help_text": _("lookout, notice or alert; empty: notice.")},
                 "valid_until": {"help_text": _("A date, such as 2026-12-31; empty: no end date.")}},
    )
    timeline = {"bulletin.transitioned": status_changed}
    retention = Retention(
        RETENTION_CLASS,
        handlers={
            Action.DELETE: delete_row,
            Action.ANONYMISE: anonymise(title=ANONYMISED, body=ANONYMISED, contains_personal_data=False),
        },
        sweep_filter=~Q(title=ANONYMISED),
    )
    notification_targets = ("owner_unit", "created_by")
    offline_form = QuickCaptureForm

    def may_share(self, obj: Bulletin) -> bool:  # type: ignore[override]
        return obj.status != BulletinStatus.WITHDRAWN

    def list_queryset(self, qs: QuerySet[Bulletin]) -> QuerySet[Bulletin]:  # type: ignore[override]
        return qs.select_related("owner_institution", "owner_unit", "created_by")
