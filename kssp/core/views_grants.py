"""Share and revoke pages for every declared record type (issue #6 point 4), and the other
institutions' numbers of a record (point 1).

Every detail page carries the grants panel (``{% grants_panel record %}``); its forms post here,
addressed by the record type's label and the record's public id. A record the actor may not see, or a
record type that does not exist, answers the same 404 as a missing id; a refused share comes back as
field errors on this page (HTTP 400), with the record named as its panel would name it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kssp.core.forms_grants import IdentifierForm, IdentifierRemoveForm, RevokeForm, ShareForm
from kssp.core.models.identifiers import RecordIdentifier
from kssp.core.records.access import record_url
from kssp.core.records.declaration import RecordType
from kssp.core.records.registry import declaration_by_label
from kssp.core.services.grants import grant_create, grant_revoke, grants_for
from kssp.core.services.identifiers import identifier_add, identifier_remove
from kssp.core.web import Failed, Request, done, run_service


def _record(request: Request, record_type: str, public_id: Any) -> tuple[RecordType, Any]:
    """The record an action is about (not displayed: no consultation event); 404 if not visible."""
    declaration = declaration_by_label(record_type)
    if declaration is None or declaration.is_dependent:
        raise Http404
    record = declaration.model.objects.visible_to(request.actor).filter(public_id=public_id).first()  # type: ignore[attr-defined]
    if record is None:
        raise Http404
    return declaration, record


def _back(record: Any) -> str:
    return (record_url(record) or "/") + "#grants"


def _page(request: Request, declaration: RecordType, record: Any, *, status: int = 200, **forms: Any) -> HttpResponse:
    name = declaration.display_for(request.actor, record)
    numbers = "identifiers_form" in forms or "identifiers_remove_form" in forms
    context = {
        "record": record,
        "record_name": name,
        "numbers_page": numbers,
        "heading": (_("Numbers of %(name)s") if numbers else _("Sharing %(name)s")) % {"name": name},
        "record_type": declaration.verbose_name,
        "record_url": record_url(record),
        "plural_label": declaration.plural_label,
        "list_url": declaration.list_url,
        **forms,
    }
    return render(request, "core/record_grants.html", context, status=status)


@never_cache
def record_grants(request: Request, record_type: str, public_id: Any) -> HttpResponse:
    """GET: the grants of a record on a page of their own. POST: share it."""
    declaration, record = _record(request, record_type, public_id)
    if request.method != "POST":
        return _page(request, declaration, record)
    form = ShareForm(request.POST, record=record)
    if form.is_valid():
        grant = run_service(form, grant_create, aliases={"user": "member"}, actor=request.actor, obj=record,
                            **form.service_arguments())
        if not isinstance(grant, Failed):
            messages.success(request, _("Shared with %(grantee)s.") % {"grantee": grant.grantee_label})
            return done(request, _back(record))
    return _page(request, declaration, record, status=400, grants_share_form=form)


@never_cache
@require_POST
def record_grant_revoke(request: Request, record_type: str, public_id: Any, grant_id: Any) -> HttpResponse:
    declaration, record = _record(request, record_type, public_id)
    grant = next((g for g in grants_for(actor=request.actor, obj=record) if g.public_id == grant_id), None)
    if grant is None:
        raise Http404
    form = RevokeForm.for_grant(grant, request.POST)
    if form.is_valid():
        result = run_service(form, grant_revoke, actor=request.actor, grant=grant, reason=form.cleaned_data["reason"])
        if not isinstance(result, Failed):
            messages.success(request, _("Access of %(grantee)s was revoked.") % {"grantee": grant.grantee_label})
            return done(request, _back(record))
    return _page(request, declaration, record, status=400, grants_revoke_form=(grant.public_id, form))


def _numbers_back(record: Any) -> str:
    return (record_url(record) or "/") + "#numbers"


@never_cache
@require_POST
def record_identifier_add(request: Request, record_type: str, public_id: Any) -> HttpResponse:
    declaration, record = _record(request, record_type, public_id)
    if not declaration.identifier_schemes:
        raise Http404
    form = IdentifierForm(request.POST, schemes=declaration.identifier_schemes)
    if form.is_valid():
        result = run_service(form, identifier_add, actor=request.actor, record=record, **form.cleaned_data)
        if not isinstance(result, Failed):
            messages.success(request, _("Number %(number)s was added.") % {"number": result.value})
            return done(request, _numbers_back(record))
    return _page(request, declaration, record, status=400, identifiers_form=form)


@never_cache
@require_POST
def record_identifier_remove(request: Request, record_type: str, public_id: Any, identifier_id: Any) -> HttpResponse:
    declaration, record = _record(request, record_type, public_id)
    identifier = RecordIdentifier.objects.filter(
        public_id=identifier_id, content_type=declaration.content_type, object_id=record.pk
    ).first()
    if identifier is None:
        raise Http404
    form = IdentifierRemoveForm(request.POST)
    if form.is_valid():
        result = run_service(form, identifier_remove, actor=request.actor, identifier=identifier,
                             reason=form.cleaned_data["reason"])
        if not isinstance(result, Failed):
            messages.success(request, _("Number %(number)s was removed.") % {"number": identifier.value})
            return done(request, _numbers_back(record))
    return _page(request, declaration, record, status=400, identifiers_remove_form=(identifier.public_id, form))
