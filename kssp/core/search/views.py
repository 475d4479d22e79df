"""The search pages: results grouped by type (``/search/?q=``), one type page by page
(``?q=…&type=<code>``), and "check other institutions" (``POST /search/check/``).

A QR payload, a link or a UUID that names one record the actor may see opens that record directly.
Views parse input, call a selector or the service, and render (ARCHITECTURE rules 1-2); bad input is a
field error with HTTP 400, never a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.forms import apply_service_error
from kssp.core.policy import Actor
from kssp.core.search.forms import HitCheckForm, SearchForm
from kssp.core.search.hits import HitCheckLimited
from kssp.core.search.query import SearchQuery
from kssp.core.search.registry import any_type_requires_purpose
from kssp.core.search.selectors import (
    SearchOutcome,
    may_check_other_institutions,
    search_type_results,
    search_visible_to,
)
from kssp.core.search.services import search_hit_check
from kssp.core.web import Request

PAGE_SIZE = 25


def _actor(request: Request) -> Actor:
    actor: Actor = request.actor
    if not actor.is_authenticated:
        raise PermissionDenied  # signed in without a valid membership
    return actor


def _context(actor: Actor, form: SearchForm, outcome: SearchOutcome | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "outcome": outcome,
        "asks_purpose": any_type_requires_purpose(actor),
        **extra,
    }


def _hit_form(outcome: SearchOutcome | None, data: Any = None) -> HitCheckForm | None:
    if outcome is None or not outcome.offers_hit_check:
        return None
    return HitCheckForm(data, initial={"q": outcome.query.text}, auto_id="id_check_%s")


def _type_page(request: Request, actor: Actor, form: SearchForm, query: SearchQuery, code: str) -> HttpResponse:
    try:
        spec, items = search_type_results(actor=actor, query=query, code=code)
    except NotFound:
        raise Http404 from None
    page_obj = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    results = [spec.to_result(item) for item in page_obj.object_list]
    needs_purpose = spec.requires_purpose and not (query.purpose or query.case_ref)
    return render(
        request, "search/search.html",
        _context(actor, form, None, query=query, type=spec, page_obj=page_obj, results=results, type_needs_purpose=needs_purpose),
    )


@never_cache
@require_GET
def search(request: Request) -> HttpResponse:
    actor = _actor(request)
    form = SearchForm(request.GET if "q" in request.GET else None)
    if not form.is_bound:
        return render(request, "search/search.html", _context(actor, form))
    if not form.is_valid() or form.query is None:
        return render(request, "search/search.html", _context(actor, form), status=400)
    query = form.query
    code = form.cleaned_data.get("type") or ""
    if code:
        return _type_page(request, actor, form, query, code)
    outcome = search_visible_to(actor=actor, query=query)
    record = outcome.record
    if record is not None and record[1].url:
        return redirect(record[1].url)  # a scanned QR code opens the record
    response = render(request, "search/search.html", _context(actor, form, outcome, query=query, hit_form=_hit_form(outcome)))
    patch_vary_headers(response, ("HX-Request",))
    return response


@never_cache
@require_POST
def search_check(request: Request) -> HttpResponse:
    """Existence only: "possible match held by <unit> (<institution>)", never any content."""
    actor = _actor(request)
    if not may_check_other_institutions(actor):
        raise PermissionDenied
    hit_form = HitCheckForm(request.POST, auto_id="id_check_%s")
    results = None
    limited = False
    if hit_form.is_valid() and hit_form.query is not None:
        try:
            results = search_hit_check(actor=actor, query=hit_form.query, purpose=hit_form.cleaned_data["purpose"])
        except ServicePermissionDenied:
            raise PermissionDenied from None
        except ApplicationError as exc:
            # The search text is a hidden field here: what is wrong with it shows above the form.
            apply_service_error(hit_form, exc, aliases={"q": NON_FIELD_ERRORS})
            limited = isinstance(exc, HitCheckLimited)
    status = 200 if results is not None else 429 if limited else 400
    fragment = {
        "hit_form": hit_form,
        "hit_results": results,
        "hit_total": sum(len(typed.hits) for typed in results or []),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return render(request, "search/search.html#hit_check", fragment, status=status)
    query = hit_form.query
    form = SearchForm({"q": query.text if query else request.POST.get("q", "")})
    form.is_valid()
    outcome = search_visible_to(actor=actor, query=query) if query is not None else None
    return render(request, "search/search.html", _context(actor, form, outcome, query=query, **fragment), status=status)
