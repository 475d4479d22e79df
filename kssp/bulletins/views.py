"""Bulletin pages (issue #2 point 7): the kernel's record pages (list with the existence-only check of
other institutions, create, detail, edit, issue and withdraw; kssp.core.views_records) with the
bulletin's wording and its withdraw form. Sharing and the grants panel come from
the kernel too ({% grants_panel %}), sign-in from the LoginRequired middleware.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kssp.bulletins import services
from kssp.bulletins.choices import BulletinStatus
from kssp.bulletins.filters import BulletinFilterSet
from kssp.bulletins.forms import BulletinForm, TransitionReasonForm
from kssp.core.views_records import RecordPages
from kssp.core.web import Request


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
