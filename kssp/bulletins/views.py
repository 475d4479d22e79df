"""Bulletin pages (issue #2 point 7): the kernel's record pages (list with the existence-only check of
other institutions, create, detail, edit, issue and withdraw; kssp.core.views_records) with the
bulletin's wording, plus what only bulletins have: the statistics. Sharing and the grants panel come from
the kernel too ({% grants_panel %}), sign-in from the LoginRequired middleware.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from kssp.bulletins import services
from kssp.bulletins.choices import BulletinKind, BulletinStatus
from kssp.bulletins.filters import BulletinFilterSet
from kssp.bulletins.forms import BulletinForm, TransitionReasonForm
from kssp.bulletins.models import Bulletin
from kssp.core import access_exceptions
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.markings import Classification
from kssp.core.views_records import RecordPages
from kssp.core.web import Request, require_perm


class BulletinPages(RecordPages):
    writes = services.writes
    form_class = BulletinForm
    filterset_class = BulletinFilterSet
    columns = (
        gettext_lazy("Number"), gettext_lazy("Title"), gettext_lazy("Kind"), gettext_lazy("Classification"),
        gettext_lazy("Status"), gettext_lazy("Owner"), gettext_lazy("Valid until"),
    )
    row_template = "bulletins/partials/_bulletin_row.html"
    list_template = "bulletins/bulletin_list.html"
    detail_template = "bulletins/bulletin_detail.html"
    texts = {
        "lead": gettext_lazy("Lookouts, notices and alerts your unit holds or that were shared with you."),
        "caption": gettext_lazy("Bulletins you may see"),
        "empty": gettext_lazy("There are no bulletins you may see yet."),
        "empty_filtered": gettext_lazy("No bulletin matches these filters."),
        "create": gettext_lazy("Draft a bulletin"),
        "save_new": gettext_lazy("Save as draft"),
    }

    def list_extra(self, request: Request) -> dict[str, Any]:
        return {"can_see_statistics": request.actor.has_perm(access_exceptions.STATS_AGGREGATE)}

    def detail_context(self, request: Request, record: Any, **extra: Any) -> dict[str, Any]:
        context = super().detail_context(request, record, **extra)
        withdraw_form = TransitionReasonForm(initial={"to": BulletinStatus.WITHDRAWN}, auto_id="id_withdraw_%s")
        if "transition_errors" in context:  # a refused withdrawal: the reason's error goes on its form
            withdraw_form = TransitionReasonForm(
                {"to": BulletinStatus.WITHDRAWN, "reason": context["transition_data"].get("reason", "")},
                auto_id="id_withdraw_%s",
            )
            withdraw_form.is_valid()
            for error in context["transition_errors"].get("reason", []):
                withdraw_form.add_error("reason", error)
        context.update(
            can_issue=BulletinStatus.ISSUED in context["next_statuses"],
            can_withdraw=BulletinStatus.WITHDRAWN in context["next_statuses"],
            withdraw_form=withdraw_form,
        )
        return context

    def created_message(self, record: Any) -> str:
        return _("Bulletin %(number)s was saved as a draft.") % {"number": record.number}

    def transitioned_message(self, record: Any) -> str:
        if record.status == BulletinStatus.ISSUED:
            return _("The bulletin was issued.")
        return _("The bulletin was withdrawn.")


pages = BulletinPages()


# --- statistics (the aggregate exception) ----------------------------------------------------------


def _chart(chart_id: str, title: str, cells: list[access_exceptions.Cell], labels: dict[Any, Any]) -> dict[str, Any]:
    rows = [(str(labels.get(cell.key, cell.key)), cell.count) for cell in cells]
    return {
        "id": chart_id,
        "title": title,
        "rows": rows,
        "max": max((count for _label, count in rows if count is not None), default=0),
        "threshold": settings.KSSP["SMALL_CELL_THRESHOLD"],
    }


@never_cache
def bulletin_statistics(request: Request) -> HttpResponse:
    """Counts across every institution, small cells suppressed (each view is audited)."""
    actor = request.actor
    require_perm(actor, access_exceptions.STATS_AGGREGATE)
    charts = []
    for group_by, title, labels in (
        ("kind", gettext_lazy("Bulletins by kind"), dict(BulletinKind.choices)),
        ("status", gettext_lazy("Bulletins by status"), dict(BulletinStatus.choices)),
        ("classification", gettext_lazy("Bulletins by classification"), dict(Classification.choices)),
    ):
        try:
            cells = access_exceptions.aggregate_counts(actor=actor, model=Bulletin, group_by=group_by)
        except ServicePermissionDenied:
            raise PermissionDenied from None
        charts.append(_chart(f"chart-{group_by}", str(title), cells, labels))
    return render(request, "bulletins/bulletin_statistics.html", {"charts": charts})
