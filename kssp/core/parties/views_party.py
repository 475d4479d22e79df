"""Vehicle and organisation pages (issue #7 point 2: they could be created only through the API): add
and edit, like a person's. The services validate (plate or VIN, business number, markings) and audit;
their refusals come back as field errors with HTTP 400 and the typed input kept. A record the actor may
not see answers 404 exactly like a missing one; one they may see but not change answers 403."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from kssp.core.exceptions import NotFound
from kssp.core.form_tokens import add_form_token, already_sent_message, without_token
from kssp.core.parties import permissions as perms
from kssp.core.parties import selectors, services
from kssp.core.parties.forms import OrganisationForm, VehicleForm
from kssp.core.parties.models import Organisation, Vehicle
from kssp.core.records.access import policy_of
from kssp.core.web import Failed, Request, done, require_perm, run_create, run_service

TEMPLATE = "parties/party_form.html"

TEXTS: dict[str, dict[str, Any]] = {
    "vehicle": {
        "add": gettext_lazy("Add a vehicle"), "edit": gettext_lazy("Edit vehicle"),
        "lead": gettext_lazy("A plate or a VIN is needed. The index finds a plate however it is typed."),
        "created": gettext_lazy("The vehicle was added to the index."), "saved": gettext_lazy("The vehicle was saved."),
    },
    "organisation": {
        "add": gettext_lazy("Add an organisation"), "edit": gettext_lazy("Edit organisation"),
        "lead": gettext_lazy("A business, an association, a security company or a dealer; found by name or business number."),
        "created": gettext_lazy("The organisation was added to the index."), "saved": gettext_lazy("The organisation was saved."),
    },
}


def _page(request: Request, kind: str, form: forms.Form, record: Any, *, status: int = 200) -> HttpResponse:
    texts = TEXTS[kind]
    context = {
        "form": form, "record": record, "kind": kind, "heading": texts["edit"] if record is not None else texts["add"],
        "lead": texts["lead"],
        "cancel_url": reverse(f"parties:{kind}_detail", args=[record.public_id]) if record is not None
        else reverse("parties:person_search"),
        "record_title": selectors.record_label(record) if record is not None else "",
    }
    return render(request, TEMPLATE, context, status=status)


def _create(request: Request, kind: str, form_class: type[forms.Form], service: Any, model: Any) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.CREATE)
    # A form token: the page sent twice (Back, then Save again) adds one record and answers with it.
    form = add_form_token(form_class(request.POST or None, clearance=actor.clearance))  # type: ignore[call-arg]
    if request.method != "POST":
        return _page(request, kind, form, None)
    if form.is_valid():
        # Bound first: a vehicle's "model" field would clash with run_create's own ``model`` argument.
        create = functools.partial(service, actor=actor, **without_token(form.cleaned_data))
        result = run_create(request, form, create, model=model)
        if not isinstance(result, Failed):
            if result.created:
                messages.success(request, str(TEXTS[kind]["created"]))
            else:
                messages.info(request, already_sent_message())
            return done(request, reverse(f"parties:{kind}_detail", args=[result.obj.public_id]))
    return _page(request, kind, form, None, status=400)


def _update(request: Request, kind: str, form_class: type[forms.Form], service: Any, record: Any,
            initial: dict[str, Any]) -> HttpResponse:
    actor = request.actor
    if not policy_of(type(record)).can(actor, "change", record):
        raise PermissionDenied
    form = form_class(request.POST or None, initial=initial | _initial(record), clearance=actor.clearance)  # type: ignore[call-arg]
    if request.method != "POST":
        return _page(request, kind, form, record)
    if form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        result = run_service(form, service, actor=actor, **{kind: record}, **changes) if changes else record
        if not isinstance(result, Failed):
            messages.success(request, str(TEXTS[kind]["saved"]))
            return done(request, reverse(f"parties:{kind}_detail", args=[record.public_id]))
    record.refresh_from_db()
    return _page(request, kind, form, record, status=400)


def _initial(record: Vehicle | Organisation) -> dict[str, Any]:
    return {"classification": record.classification, "handling_code": record.handling_code,
            "contains_personal_data": record.contains_personal_data}


@never_cache
def vehicle_create(request: Request) -> HttpResponse:
    return _create(request, "vehicle", VehicleForm, services.vehicle_create, Vehicle)


@never_cache
def vehicle_update(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    try:
        vehicle = selectors.vehicle_get_visible_to(actor=actor, public_id=public_id, purpose="vehicle edit page", case_ref="")
    except NotFound:
        raise Http404 from None
    initial = {"plate": vehicle.plate, "plate_format": vehicle.plate_format.code if vehicle.plate_format else "",
               "vin": vehicle.vin, "make": vehicle.make, "model": vehicle.model, "colour": vehicle.colour}
    return _update(request, "vehicle", VehicleForm, services.vehicle_update, vehicle, initial)


@never_cache
def organisation_create(request: Request) -> HttpResponse:
    return _create(request, "organisation", OrganisationForm, services.organisation_create, Organisation)


@never_cache
def organisation_update(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    try:
        organisation = selectors.organisation_get_visible_to(
            actor=actor, public_id=public_id, purpose="organisation edit page", case_ref=""
        )
    except NotFound:
        raise Http404 from None
    initial = {"name": organisation.name, "business_number": organisation.business_number, "org_type": organisation.org_type}
    return _update(request, "organisation", OrganisationForm, services.organisation_update, organisation, initial)
