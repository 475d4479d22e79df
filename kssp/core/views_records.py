"""The pages every record type gets from its declaration and its writes (issue #6 point 4): list with
filters (htmx-refreshed results, an empty state that tells the truth), create, detail, edit and change
of status. A module subclasses ``RecordPages``, names its form, filters, columns and detail template,
and mounts ``pages.urls()``; sign-in comes from the middleware, access from the declaration's policy,
writes from the module's ``RecordWrites`` (404 before 403, field errors on the form with HTTP 400).

URL names, in the module's namespace, follow the record type's code: ``<code>_list``,
``<code>_create``, ``<code>_detail``, ``<code>_update`` and ``<code>_transition``.

Changes of status: the detail page offers each allowed next status (``status_actions`` in its context,
drawn by ``records/_status_buttons.html`` and ``records/_status_forms.html``) as a button, or, where the
writes need a reason for it (``RecordWrites.reasons``), as a form with a reason field; a refusal is
shown again on that form, the reason's message beside the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kssp.core import access_exceptions
from kssp.core.exceptions import ApplicationError
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.form_tokens import add_form_token, already_sent_message, without_token
from kssp.core.forms import BootstrapMixin, apply_service_error, filter_form
from kssp.core.forms_grants import HitCheckForm
from kssp.core.records.access import record_get_visible_to, record_list_visible_to
from kssp.core.records.declaration import RecordType
from kssp.core.search.hits import HitCheckLimited, hit_check_many, identifier_of, no_type_answers
from kssp.core.search.hits import identifier_match as hit_identifier_match
from kssp.core.search.hits import not_an_identifier as hit_not_an_identifier
from kssp.core.search.query import parse_query
from kssp.core.services.records import RecordWrites
from kssp.core.web import (
    Failed,
    Request,
    call_or_404,
    done,
    purpose_of,
    require_perm,
    run_create,
    run_service,
    wants_fragment,
)


@dataclass(frozen=True)
class StatusAction:
    """How the detail page offers a change of status: the button's words and Bootstrap colour, the
    heading of its form where the change needs a reason, and the message once it is done."""

    label: Any
    style: str = "primary"
    summary: Any = ""
    done: Any = ""


class RecordPages:
    """The list, create, detail, edit and status pages of one record type."""

    writes: ClassVar[RecordWrites[Any]]
    form_class: ClassVar[type[forms.Form]]  # takes ``clearance=``; its fields are the writes' editable ones
    filterset_class: ClassVar[Any]
    columns: ClassVar[tuple[Any, ...]] = ()
    row_template: ClassVar[str]
    detail_template: ClassVar[str]
    list_template: ClassVar[str] = "records/record_list.html"
    form_template: ClassVar[str] = "records/record_form.html"
    page_size: ClassVar[int] = 25
    # Wording a module gives its pages (lazy strings, translated): lead, caption, empty, empty_filtered,
    # create, save_new, and created (a message with %(number)s).
    texts: ClassVar[dict[str, Any]] = {}
    # The detail page's changes of status, by status; one not named is a button with the status's name.
    status_actions: ClassVar[Mapping[str, StatusAction]] = {}

    # --- derived from the declaration ----------------------------------------------------------
    @property
    def declaration(self) -> RecordType:
        return self.writes.declaration

    @property
    def model(self) -> Any:
        return self.writes.model

    def url(self, page: str, *args: Any) -> str:
        namespace = self.declaration.model._meta.app_label
        return reverse(f"{namespace}:{self.declaration.code}_{page}", args=args)

    def text(self, key: str, default: Any) -> str:
        return str(self.texts.get(key, default))

    @property
    def purpose_detail(self) -> str:
        return f"{self.declaration.code} detail page"

    @property
    def purpose_edit(self) -> str:
        return f"{self.declaration.code} edit page"

    # --- hooks ------------------------------------------------------------------------------------
    def list_extra(self, request: Request) -> dict[str, Any]:
        """More context for the list page (module buttons, panels)."""
        return {}

    def may_check(self, request: Request) -> bool:
        """Whether the list offers the existence-only check of other institutions (the declaration's
        ``hit_check`` and the actor's permission)."""
        return self.declaration.hit_check and request.actor.has_perm(access_exceptions.HITS_CHECK)

    def detail_extra(self, request: Request, record: Any) -> dict[str, Any]:
        """More context for the detail page (what the actor may do next)."""
        return {}

    def created_message(self, record: Any) -> str:
        return self.text("created", _("%(number)s was saved.")) % {"number": self.declaration.number(record)}

    def quick_capture_url(self) -> str:
        """The type's quick-capture page, if it has one (``QuickCapture(pages).urls()`` mounted)."""
        if self.declaration.offline_form is None:
            return ""
        try:
            return self.url("quick_capture")
        except NoReverseMatch:
            return ""

    # --- reading ----------------------------------------------------------------------------------
    def read(self, request: Request, public_id: Any, purpose: str) -> Any:
        """The record for display; reading personal data writes the consultation event."""
        return call_or_404(record_get_visible_to, actor=request.actor, model=self.model, public_id=public_id, purpose=purpose)

    def target(self, request: Request, public_id: Any) -> Any:
        """The record an action is about, not displayed (no consultation event); 404 if not visible."""
        record = self.model.objects.visible_to(request.actor).filter(public_id=public_id).first()
        if record is None:
            raise Http404
        return record

    # --- list -----------------------------------------------------------------------------------
    def list_context(self, request: Request) -> dict[str, Any]:
        actor = request.actor
        # The page of rows shown is the reading: one consultation event names those holding personal data.
        queryset = record_list_visible_to(actor=actor, model=self.model, purpose=f"{self.declaration.code} list page")
        filterset = self.filterset_class(request.GET or None, queryset=queryset)
        filter_form(filterset.form)
        page_obj = Paginator(filterset.qs, self.page_size).get_page(request.GET.get("page"))
        can_create = bool(self.declaration.create_perm) and actor.has_perm(self.declaration.create_perm)
        filtered = any(v for k, v in request.GET.items() if k != "page")
        return {
            "pages": self,
            "plural_label": self.declaration.plural_label,
            "table": {
                "id": self.declaration.code + "s",
                "url": self.url("list"),
                "caption": self.text("caption", _("Records you may see")),
                "filterset": filterset,
                "page_obj": page_obj,
                "columns": [str(c) for c in self.columns],
                "row_template": self.row_template,
                "empty_message": self.text("empty_filtered", _("No record matches these filters.")) if filtered
                else self.text("empty", _("There are no records you may see yet.")),
                "empty_action_url": self.url("create") if can_create and not filtered else "",
                "empty_action_label": self.text("create", _("New record")),
            },
            "can_create": can_create,
            "create_url": self.url("create") if can_create else "",
            "quick_capture_url": self.quick_capture_url() if can_create else "",
            "create_label": self.text("create", _("New record")),
            "lead": self.text("lead", ""),
            "hit_form": HitCheckForm() if self.may_check(request) else None,
            "hit_check_url": self.url("hit_check") if self.may_check(request) else "",
            "statistics_url": self.url("statistics")
            if self.declaration.statistics and request.actor.has_perm(access_exceptions.STATS_AGGREGATE) else "",
            **self.list_extra(request),
        }

    def list_view(self, request: Request, *, template: str | None = None, status: int = 200, **extra: Any) -> HttpResponse:
        require_perm(request.actor, self.declaration.view_perm)
        context = self.list_context(request)
        context.update(extra)
        if wants_fragment(request) and not extra:
            response = render(request, "components/table.html#results", context)
        else:
            response = render(request, template or self.list_template, context, status=status)
        patch_vary_headers(response, ("HX-Request",))
        return response

    # --- the existence-only check ------------------------------------------------------------------
    def hit_check_view(self, request: Request) -> HttpResponse:
        """Whether units the actor cannot see into hold a matching record: "possible match held by
        <unit> (<institution>)", never any content; the owner is notified (kssp.core.access_exceptions)."""
        actor = request.actor
        require_perm(actor, self.declaration.view_perm)
        if not self.may_check(request):
            raise PermissionDenied
        form = HitCheckForm(request.POST)
        hits = None
        status = 400
        if form.is_valid():
            # Identifiers only (a number, a serial, a plate, a full name), never words of a text or a date.
            query = parse_query(form.cleaned_data["term"].strip())
            match = hit_identifier_match(self.declaration, query)
            try:
                if match is None:
                    raise hit_not_an_identifier() if identifier_of(query) is None else no_type_answers()
                hits = hit_check_many(actor=actor, checks=[(self.model, match)], purpose=form.cleaned_data["purpose"],
                                      kind=query.primary)[0]
                status = 200
            except ServicePermissionDenied:
                raise PermissionDenied from None
            except ApplicationError as exc:
                apply_service_error(form, exc, aliases={"q": "term"})
                status = exc.status if isinstance(exc, HitCheckLimited) else 400
        if wants_fragment(request):
            context = {"hit_form": form, "hits": hits, "hit_check_url": self.url("hit_check")}
            return render(request, "records/record_list.html#hit_check", context, status=status)
        return self.list_view(request, status=status, hit_form=form, hits=hits)

    # --- statistics (the aggregate exception) --------------------------------------------------------
    def statistics_view(self, request: Request) -> HttpResponse:
        """Counts across every institution by the declaration's groupings, small cells suppressed; each
        view is audited by ``aggregate_breakdowns``."""
        actor = request.actor
        require_perm(actor, access_exceptions.STATS_AGGREGATE)
        charts = []
        try:  # every breakdown at once: their common total must not undo the suppression
            breakdowns = access_exceptions.aggregate_breakdowns(
                actor=actor, model=self.model, group_bys=[grouping.group_by for grouping in self.declaration.statistics])
        except ServicePermissionDenied:
            raise PermissionDenied from None
        for grouping in self.declaration.statistics:
            cells = breakdowns[grouping.group_by]
            labels = grouping.value_labels() if grouping.value_labels else {}
            rows = [(str(labels.get(cell.key, cell.key)), cell.count) for cell in cells]
            charts.append({
                "id": f"chart-{grouping.group_by}", "title": str(grouping.label), "rows": rows,
                "max": max((count for _label, count in rows if count is not None), default=0),
                "threshold": settings.KSSP["SMALL_CELL_THRESHOLD"],
            })
        context = {
            "charts": charts, "title": self.declaration.statistics_label or self.declaration.plural_label,
            "plural_label": self.declaration.plural_label, "list_url": self.url("list"),
            "export_name": f"{self.declaration.code}-statistics",
        }
        return render(request, "records/record_statistics.html", context)

    # --- create and edit --------------------------------------------------------------------------
    def form_page(self, request: Request, form: forms.Form, record: Any, *, status: int = 200) -> HttpResponse:
        context = {
            "pages": self, "form": form, "record": record, "plural_label": self.declaration.plural_label,
            "list_url": self.url("list"), "record_url": self.url("detail", record.public_id) if record else "",
            "record_name": self.declaration.number(record) if record else "",
            "title": self.text("create", _("New record")) if record is None
            else _("Edit %(number)s") % {"number": self.declaration.number(record)},
            "submit_label": self.text("save_new", _("Save")) if record is None else _("Save"),
        }
        return render(request, self.form_template, context, status=status)

    def create_view(self, request: Request) -> HttpResponse:
        actor = request.actor
        require_perm(actor, self.declaration.create_perm)
        form = add_form_token(self.form_class(request.POST or None, clearance=actor.clearance))  # type: ignore[call-arg]
        if request.method == "POST":
            if form.is_valid():
                result = run_create(request, form, self.writes.create, model=self.model, actor=actor,
                                    **without_token(form.cleaned_data))
                if not isinstance(result, Failed):
                    record = result.obj
                    if result.created:
                        messages.success(request, self.created_message(record))
                    else:
                        messages.info(request, already_sent_message(self.declaration.number(record)))
                    return done(request, self.url("detail", record.public_id))
            return self.form_page(request, form, None, status=400)
        return self.form_page(request, form, None)

    def update_view(self, request: Request, public_id: Any) -> HttpResponse:
        actor = request.actor
        record = self.read(request, public_id, purpose_of(request, self.purpose_edit))
        if not self.declaration.can(actor, "change", record):
            raise PermissionDenied
        initial = {name: getattr(record, name) for name in self.writes.editable}
        form = self.form_class(request.POST or None, initial=initial, clearance=actor.clearance)  # type: ignore[call-arg]
        if request.method == "POST":
            if form.is_valid():
                changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
                result = run_service(form, self.writes.update, actor=actor, record=record, **changes) if changes else record
                if not isinstance(result, Failed):
                    if changes:
                        messages.success(request, _("The changes were saved."))
                    return done(request, self.url("detail", record.public_id))
            record.refresh_from_db()
            return self.form_page(request, form, record, status=400)
        return self.form_page(request, form, record)

    # --- detail and change of status ------------------------------------------------------------
    def detail_context(self, request: Request, record: Any, **extra: Any) -> dict[str, Any]:
        actor = request.actor
        can_change = self.declaration.can(actor, "change", record) and not self.declaration.append_only
        status_field = self.writes.status_field
        current = str(getattr(record, status_field, ""))
        next_statuses = self.writes.transitions.get(current, frozenset()) if can_change else frozenset()
        return {
            "pages": self,
            self.declaration.code: record,
            "record": record,
            "plural_label": self.declaration.plural_label,
            "list_url": self.url("list"),
            "can_change": can_change and self.writes.refuse_update(record) is None,
            "next_statuses": next_statuses,
            "transition_url": self.url("transition", record.public_id) if next_statuses else "",
            "status_actions": self.status_actions_for(next_statuses, extra.get("transition_errors"), extra.get("transition_data")),
            "status_errors": [],
            **self.detail_extra(request, record),
            **extra,
        }

    def status_actions_for(
        self, statuses: Iterable[str], errors: Mapping[str, list[str]] | None = None, posted: Any = None
    ) -> list[dict[str, Any]]:
        """The next statuses in the order of the status field's choices, each with its words and, where
        the writes need a reason, its form: bound again to what was posted after a refusal, with the
        service's messages about the reason on its field."""
        actions: list[dict[str, Any]] = []
        if not statuses:
            return actions
        names = dict(self.model._meta.get_field(self.writes.status_field).flatchoices)
        for status in sorted(statuses, key=list(names).index):
            action = self.status_actions.get(status) or StatusAction(names[status])
            form = None
            if status in self.writes.reasons:
                form = TransitionForm(initial={"to": status}, auto_id=f"id_{status}_%s")
                if posted is not None and posted.get("to") == status:
                    form = TransitionForm({"to": status, "reason": posted.get("reason", "")}, auto_id=f"id_{status}_%s")
                    form.is_valid()
                    for message in (errors or {}).get("reason", []):
                        if message not in form.errors.get("reason", []):
                            form.add_error("reason", message)
            actions.append({"status": status, "label": action.label, "style": action.style,
                            "summary": action.summary or action.label, "form": form})
        return actions

    def detail_view(self, request: Request, public_id: Any) -> HttpResponse:
        record = self.read(request, public_id, purpose_of(request, self.purpose_detail))
        return render(request, self.detail_template, self.detail_context(request, record))

    def transition_form(self, data: Any = None) -> forms.Form:
        return TransitionForm(data)

    def transition_view(self, request: Request, public_id: Any) -> HttpResponse:
        actor = request.actor
        record = self.target(request, public_id)
        form = self.transition_form(request.POST)
        if form.is_valid():
            result = run_service(form, self.writes.transition, actor=actor, record=record,
                                 to=form.cleaned_data["to"], reason=form.cleaned_data.get("reason", ""))
            if not isinstance(result, Failed):
                messages.success(request, self.transitioned_message(result))
                return done(request, self.url("detail", record.public_id))
        # Shown again (a reading like any other), with the refusal beside the status actions.
        record = self.read(request, public_id, self.purpose_detail)
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        context = self.detail_context(request, record, transition_errors=errors, transition_data=request.POST,
                                      status_errors=[e for name, errs in errors.items() if name != "reason" for e in errs])
        return render(request, self.detail_template, context, status=400)

    def transitioned_message(self, record: Any) -> str:
        action = self.status_actions.get(getattr(record, self.writes.status_field))
        if action is not None and action.done:
            return str(action.done)
        status = getattr(record, f"get_{self.writes.status_field}_display", lambda: "")()
        return _("The status is now “%(status)s”.") % {"status": status}

    # --- URLs -----------------------------------------------------------------------------------
    def urls(self) -> list[URLPattern]:
        code = self.declaration.code
        patterns = [
            path("", never_cache(self.list_view), name=f"{code}_list"),
            path("<uuid:public_id>/", never_cache(self.detail_view), name=f"{code}_detail"),
        ]
        if self.declaration.create_perm:
            patterns.append(path("new/", never_cache(self.create_view), name=f"{code}_create"))
        if self.writes.editable and not self.declaration.append_only:
            patterns.append(path("<uuid:public_id>/edit/", never_cache(self.update_view), name=f"{code}_update"))
        if self.declaration.statistics:
            patterns.append(path("statistics/", never_cache(self.statistics_view), name=f"{code}_statistics"))
        if self.declaration.hit_check:
            patterns.append(path("check/", never_cache(require_POST(self.hit_check_view)), name=f"{code}_hit_check"))
        if self.writes.transitions:
            patterns.append(
                path("<uuid:public_id>/status/", never_cache(require_POST(self.transition_view)), name=f"{code}_transition")
            )
        return patterns


class TransitionForm(BootstrapMixin, forms.Form):
    """A change of status as posted (``to``, hidden on the page) and, where it needs one, its reason."""

    to = forms.CharField(max_length=40, widget=forms.HiddenInput())
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
