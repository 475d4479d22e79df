"""Export pages (issue #3 point 6).

``/exports/<name>/?<filters>`` shows what a registered exportable will contain (the filters, editable,
and the number of records the actor may see) and asks for the purpose, the recipient, the format, the
designation profile and the language. The POST records the disclosure and answers with the file.
A missing exportable answers 404, one the actor may not use 403, bad input 400 with field errors.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.exports.forms import ExportForm
from kssp.core.exports.registry import Exportable, RecordExport, StatisticsExport, exportables_for, get_exportable
from kssp.core.exports.services import export_registered
from kssp.core.forms import apply_service_error, filter_form
from kssp.core.policy import Actor
from kssp.core.web import Request


def _exportable(actor: Actor, name: str) -> Exportable:
    try:
        exportable = get_exportable(name)
    except KeyError:
        raise Http404 from None
    if not exportable.available_to(actor):
        raise DjangoPermissionDenied
    return exportable


def _back_url(exportable: Exportable, query: str) -> str:
    if not exportable.back_url_name:
        return ""
    try:
        url = reverse(exportable.back_url_name)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url


@never_cache
@require_GET
def export_index(request: Request) -> HttpResponse:
    """The exports the actor may make."""
    exportables = exportables_for(request.actor)
    return render(request, "exports/export_index.html", {"exportables": exportables})


@never_cache
@require_http_methods(["GET", "POST"])
def export_view(request: Request, name: str) -> HttpResponse:
    actor = request.actor
    exportable = _exportable(actor, name)
    filterset = exportable.filterset(actor, request.GET)
    filters_valid = True
    if filterset is not None:
        filter_form(filterset.form)
        filters_valid = not filterset.is_bound or filterset.is_valid()
    form = ExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and filters_valid and form.is_valid():
        data = form.cleaned_data
        try:
            result = export_registered(
                actor=actor, name=exportable.name, filters=request.GET, format=data["format"], purpose=data["purpose"],
                recipient=data["recipient"], profile=data["profile"], language=data["language"],
            )
        except NotFound:
            raise Http404 from None
        except ServicePermissionDenied:
            raise DjangoPermissionDenied from None
        except ApplicationError as exc:
            apply_service_error(form, exc)
        else:
            return result.response()
    query = urlencode(exportable.clean_filters(request.GET))
    context: dict[str, Any] = {
        "exportable": exportable,
        "form": form,
        "filterset": filterset,
        "filters_valid": filters_valid,
        "active_filters": exportable.describe_filters(actor, request.GET) if filters_valid else [],
        "count": None,
        "groupings": [],
        "query": query,
        "back_url": _back_url(exportable, query),
        "action": reverse("exports:export", args=[exportable.name]) + (f"?{query}" if query else ""),
    }
    if isinstance(exportable, RecordExport) and filters_valid:
        context["count"] = exportable.queryset(actor, request.GET).count()
    if isinstance(exportable, StatisticsExport):
        context["groupings"] = [str(g.label) for g in exportable.groupings]
    status = 400 if form.errors or not filters_valid else 200
    return render(request, "exports/export_form.html", context, status=status)
