"""Bulletin pages (issue #2 point 7): the kernel's record pages (list with the existence-only check of
other institutions, create, detail, edit, issue and withdraw; kssp.core.views_records) with the
bulletin's wording. Withdrawing asks for a reason (the service's ``reasons``), so the kernel offers it
as a form; sharing and the grants panel come from the kernel too ({% grants_panel %}), sign-in from the
LoginRequired middleware.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kssp.bulletins import services
from kssp.bulletins.choices import BulletinStatus
from kssp.bulletins.filters import BulletinFilterSet
from kssp.bulletins.forms import BulletinForm
from kssp.core.views_records import RecordPages, StatusAction


class BulletinPages(RecordPages):
    writes = services.writes
    form_class = BulletinForm
    filterset_class = BulletinFilterSet
    columns = (
        _("Number"), _("Title"), _("Kind"), _("Classification"), _("Status"), _("Owner"), _("Valid until"),
    )
    row_template = "bulletins/partials/_bulletin_row.html"
    list_template = "bulletins/bulletin_list.html"
    detail_template = "bulletins/bulletin_detail.html"
    texts = {
        "lead": _("Lookouts, notices and alerts your unit holds or that were shared with you."),
        "caption": _("Bulletins you may see"),
        "empty": _("There are no bulletins you may see yet."),
        "empty_filtered": _("No bulletin matches these filters."),
        "create": _("Draft a bulletin"),
        "save_new": _("Save as draft"),
        "created": _("Bulletin %(number)s was saved as a draft."),
    }
    status_actions = {
        BulletinStatus.ISSUED: StatusAction(_("Issue"), "success", done=_("The bulletin was issued.")),
        BulletinStatus.WITHDRAWN: StatusAction(
            _("Withdraw"), "danger", summary=_("Withdraw this bulletin"), done=_("The bulletin was withdrawn."),
        ),
    }


pages = BulletinPages()
