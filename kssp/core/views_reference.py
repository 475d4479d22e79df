"""Reference data pages (issue #2 point 6): municipalities, crossing points, countries, legal acts and
offences, filterable, for every signed-in user; edit forms for holders of ``reference.edit``.

Reads go through ``kssp.core.selectors_reference``; the lists share their FilterSets with the API
(``kssp.core.api.filters``); edits call ``kssp.core.services.reference.reference_update``, which
validates and audits. Rows are addressed by their natural key (code, act number, article), never by
an integer key.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from kssp.core import selectors_reference as selectors
from kssp.core.exceptions import ApplicationError
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.filters import (
    CountryFilterSet,
    CrossingPointFilterSet,
    LegalActFilterSet,
    MunicipalityFilterSet,
    OffenceFilterSet,
)
from kssp.core.forms import apply_service_error, filter_form
from kssp.core.forms_reference import (
    CountryEditForm,
    CrossingPointEditForm,
    LegalActEditForm,
    MunicipalityEditForm,
    OffenceEditForm,
    ReferenceEditForm,
)
from kssp.core.models.reference import Country, CrossingPoint, LegalAct, Municipality, Offence
from kssp.core.services.reference import reference_update
from kssp.core.web import Request, wants_fragment

EDIT_PERMISSION = "reference.edit"
PAGE_SIZE = 100


def _can_edit(request: Request) -> bool:
    return request.actor.has_perm(EDIT_PERMISSION)


def _code_select(filterset: django_filters.FilterSet, name: str, rows: QuerySet[Any], *, key: str = "code") -> None:
    """Show a code filter of the shared FilterSet as a select of names (the value stays the code)."""
    field = filterset.form.fields[name]
    field.widget = forms.Select(choices=[("", "—"), *((getattr(row, key), f"{row} ({getattr(row, key)})") for row in rows)])


def _list(
    request: Request, *, key: str, filterset_class: type[django_filters.FilterSet], queryset: QuerySet[Any],
    title: str, columns: list[str], prepare: Any = None, decorate: Any = None, extra: dict[str, Any] | None = None,
    defaults: dict[str, str] | None = None,
) -> HttpResponse:
    """A filtered, paginated list in the shared table component; an htmx request gets the results only.

    ``key`` names the page: ``reference/<key>_list.html`` and the row ``reference/partials/_<key>_row.html``.
    The selectors give every row; the shared FilterSet applies the defaults (active rows only unless asked),
    and ``defaults`` fills a filter the query string leaves out (the countries page shows former ones).
    """
    data = request.GET.copy()
    for name, value in (defaults or {}).items():
        data.setdefault(name, value)
    # Always bound (an empty query is valid), so that the FilterSet's defaults apply on the first visit.
    filterset = filterset_class(data, queryset=queryset)
    if prepare is not None:
        prepare(filterset)
    filter_form(filterset.form)
    valid = filterset.is_valid()
    rows = filterset.qs if valid else queryset.none()
    page_obj = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    if decorate is not None:
        page_obj.object_list = [decorate(row) for row in page_obj.object_list]
    filtered = any(value for name, value in request.GET.items() if name != "page")
    can_edit = _can_edit(request)
    context = {
        "title": title,
        "current": key,
        "can_edit": can_edit,
        "table": {
            "id": key.replace("_", "-"),
            "url": reverse(f"reference:{key}_list"),
            "caption": title,
            "filterset": filterset,
            "page_obj": page_obj,
            "columns": [*columns, *([_("Edit")] if can_edit else [])],
            "row_template": f"reference/partials/_{key}_row.html",
            "empty_message": _("Nothing matches these filters.") if filtered else _("There is no reference data here yet."),
            "can_edit": can_edit,
        },
        **(extra or {}),
    }
    template = "components/table.html#results" if wants_fragment(request) else f"reference/{key}_list.html"
    response = render(request, template, context, status=200 if valid else 400)
    patch_vary_headers(response, ("HX-Request",))
    return response


# --- lists --------------------------------------------------------------------------------------


def index(request: Request) -> HttpResponse:
    sections = [
        (reverse("reference:municipality_list"), _("Municipalities"),
         _("The 38 municipalities with district and police region.")),
        (reverse("reference:crossing_point_list"), _("Crossing points"),
         _("Type, traffic, hours, Border Police directorate and the names on both sides.")),
        (reverse("reference:country_list"), _("Countries"), _("ISO 3166 countries, former countries of manufacture, and XK.")),
        (reverse("reference:legal_act_list"), _("Legal acts"), _("Laws and codes with their period of validity.")),
        (reverse("reference:offence_list"), _("Offences"), _("Articles defining offences, with their period of validity.")),
    ]
    return render(request, "reference/index.html", {"sections": sections})


def municipality_list(request: Request) -> HttpResponse:
    def prepare(filterset: django_filters.FilterSet) -> None:
        _code_select(filterset, "district", selectors.district_list())
        _code_select(filterset, "police_region", selectors.police_region_list())

    profile = settings.KSSP.get("EN_TOPONYMS", "institutional")
    return _list(
        request, key="municipality", filterset_class=MunicipalityFilterSet,
        queryset=selectors.municipality_list(include_inactive=True),
        title=_("Municipalities"), prepare=prepare,
        columns=[_("Code"), _("Name"), _("Albanian / Serbian"), _("District"), _("Police region"), _("Official languages")],
        extra={"en_profile": profile, "dual_profile": profile == "dual"},
    )


def _traffic_labels(row: CrossingPoint) -> CrossingPoint:
    labels = dict(CrossingPoint.Traffic.choices)
    row.traffic_labels = [labels.get(value, value) for value in row.traffic or []]  # type: ignore[attr-defined]
    return row


def crossing_point_list(request: Request) -> HttpResponse:
    def prepare(filterset: django_filters.FilterSet) -> None:
        _code_select(filterset, "directorate", selectors.border_directorate_list())
        _code_select(filterset, "municipality", selectors.municipality_list())
        neighbours = selectors.country_list().filter(
            code__in=CrossingPoint.objects.exclude(neighbour=None).values("neighbour__code")
        )
        _code_select(filterset, "neighbour", neighbours)

    return _list(
        request, key="crossing_point", filterset_class=CrossingPointFilterSet,
        queryset=selectors.crossing_point_list(include_inactive=True),
        title=_("Crossing points"), prepare=prepare, decorate=_traffic_labels,
        columns=[_("Crossing point"), _("Other side"), _("Type"), _("Traffic"), _("Hours"), _("Border Police directorate"),
                 _("Municipality")],
    )


def country_list(request: Request) -> HttpResponse:
    return _list(
        request, key="country", filterset_class=CountryFilterSet,
        queryset=selectors.country_list(include_former=True, include_inactive=True),
        title=_("Countries"), defaults={"include_former": "true"},
        columns=[_("Code"), _("Alpha-3"), _("Numeric"), _("Name"), _("Status"), _("Valid")],
        extra={"xk_footnote": settings.KSSP.get("XK_FOOTNOTE", "")},
    )


def legal_act_list(request: Request) -> HttpResponse:
    return _list(
        request, key="legal_act", filterset_class=LegalActFilterSet, queryset=selectors.legal_act_list(), title=_("Legal acts"),
        columns=[_("Number"), _("Title"), _("Kind"), _("Official Gazette"), _("Valid"), _("Replaced by")],
    )


def offence_list(request: Request) -> HttpResponse:
    def prepare(filterset: django_filters.FilterSet) -> None:
        _code_select(filterset, "act", selectors.legal_act_list().filter(offences__isnull=False).distinct(), key="number")

    return _list(
        request, key="offence", filterset_class=OffenceFilterSet, queryset=selectors.offence_list(), title=_("Offences"),
        prepare=prepare, columns=[_("Legal act"), _("Article"), _("Title"), _("Valid")],
    )


# --- edits --------------------------------------------------------------------------------------


def _edit(
    request: Request, *, obj: Model, form_class: type[ReferenceEditForm], back: str, heading: str,
    prepare: Any = None,
) -> HttpResponse:
    """GET: the form with the row's values. POST: ``reference_update`` with the changed fields only."""
    if not _can_edit(request):
        raise DjangoPermissionDenied
    form = form_class(request.POST if request.method == "POST" else None, instance=obj)
    if prepare is not None:
        prepare(form)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, _("Nothing was changed."))
                return redirect(back)
            try:
                reference_update(actor=request.actor, obj=obj, **changes)
            except ServicePermissionDenied:
                raise DjangoPermissionDenied from None
            except ApplicationError as exc:
                apply_service_error(form, exc)
            else:
                messages.success(request, _("The change was saved and recorded in the audit trail."))
                return redirect(back)
        status = 400
    return render(request, "reference/edit.html", {"form": form, "obj": obj, "back": back, "heading": heading}, status=status)


def _get(model: type[Model], **lookup: Any) -> Any:
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def municipality_edit(request: Request, code: str) -> HttpResponse:
    obj = _get(Municipality, code=code)
    return _edit(request, obj=obj, form_class=MunicipalityEditForm, back=reverse("reference:municipality_list"),
                 heading=_("Edit municipality %(name)s") % {"name": obj.name})


def crossing_point_edit(request: Request, code: str) -> HttpResponse:
    obj = _get(CrossingPoint, code=code)
    return _edit(request, obj=obj, form_class=CrossingPointEditForm, back=reverse("reference:crossing_point_list"),
                 heading=_("Edit crossing point %(name)s") % {"name": obj.name})


def country_edit(request: Request, code: str) -> HttpResponse:
    obj = _get(Country, code=code)
    return _edit(request, obj=obj, form_class=CountryEditForm, back=reverse("reference:country_list"),
                 heading=_("Edit country %(name)s") % {"name": obj.name})


def legal_act_edit(request: Request, number: str) -> HttpResponse:
    obj = _get(LegalAct, number=number)

    def prepare(form: ReferenceEditForm) -> None:
        field = form.fields["replaced_by"]
        field.queryset = field.queryset.exclude(pk=obj.pk)  # type: ignore[attr-defined]

    return _edit(request, obj=obj, form_class=LegalActEditForm, back=reverse("reference:legal_act_list"),
                 heading=_("Edit legal act %(number)s") % {"number": obj.number}, prepare=prepare)


def offence_edit(request: Request, number: str, article: str, paragraph: str = "") -> HttpResponse:
    obj = _get(Offence, act__number=number, article=article, paragraph=paragraph)
    return _edit(request, obj=obj, form_class=OffenceEditForm, back=reverse("reference:offence_list"),
                 heading=_("Edit offence %(offence)s") % {"offence": f"{obj.act.number}, {obj.article}"})
