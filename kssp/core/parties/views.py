"""Person pages (issue #3 point 1): search with a purpose and ranked reasons, detail (documents, the
records linked to the person, merges), create and edit, add a document, merge a duplicate (pick,
see what moves, confirm with a reason) and undo a merge.

Views parse input, call one selector or service and render. A person the actor may not see answers
404 exactly like a missing one; a refusal comes back as field errors with HTTP 400, nothing half-saved.
Searches are POSTed, so that names and numbers never sit in URLs, browser history or access logs.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kssp.core.exceptions import ApplicationError, NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.form_tokens import add_form_token, already_sent_message, without_token
from kssp.core.parties import permissions as perms
from kssp.core.parties import selectors, services
from kssp.core.parties.forms import CandidateSearchForm, DocumentForm, MergeForm, PersonForm, PersonSearchForm, ReasonForm
from kssp.core.parties.models import Person
from kssp.core.policy import Actor
from kssp.core.records.access import policy_of
from kssp.core.web import Failed, Request, done, require_perm, run_create, run_service, wants_fragment

PURPOSE_DETAIL = "person detail page"
PURPOSE_EDIT = "person edit page"
PURPOSE_MERGE = "person merge page"


def _context_purpose(request: Request, default: str) -> tuple[str, str]:
    """The purpose and case reference a calling page passed along (?purpose=…&case_ref=…)."""
    purpose = (request.GET.get("purpose") or "").strip()[:300] or default
    case_ref = (request.GET.get("case_ref") or "").strip()[:100]
    return purpose, case_ref


def _read(request: Request, public_id: Any, default_purpose: str) -> Person:
    purpose, case_ref = _context_purpose(request, default_purpose)
    try:
        return selectors.person_get_visible_to(actor=request.actor, public_id=public_id, purpose=purpose, case_ref=case_ref)
    except NotFound:
        raise Http404 from None


def _target(actor: Actor, public_id: Any) -> Person:
    try:
        return selectors.person_target(actor=actor, public_id=public_id)
    except NotFound:
        raise Http404 from None


def _detail_url(person: Person, **params: str) -> str:
    url = reverse("parties:person_detail", args=[person.public_id])
    return f"{url}?{urlencode(params)}" if params else url


# --- search ------------------------------------------------------------------------------------------


@never_cache
def person_search(request: Request) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.VIEW)
    result = None
    status = 200
    if request.method == "POST":
        form = PersonSearchForm(request.POST)
        if form.is_valid():
            found = run_service(form, selectors.person_search, actor=actor, **form.cleaned_data)
            if not isinstance(found, Failed):
                result = found
        if result is None:
            status = 400
    else:
        purpose, case_ref = _context_purpose(request, "")
        form = PersonSearchForm(initial={"purpose": purpose, "case_ref": case_ref})
    context: dict[str, Any] = {"form": form, "result": result, "can_create": actor.has_perm(perms.CREATE)}
    if result is not None:
        # Reading a result carries the search's purpose to the detail page's consultation event.
        params = {k: v for k, v in (("purpose", form.cleaned_data["purpose"]), ("case_ref", form.cleaned_data["case_ref"])) if v}
        context["rows"] = [{"match": m, "url": _detail_url(m.person, **params)} for m in result.matches]
    template = "parties/person_search.html"
    if wants_fragment(request):
        template += "#search"
    return render(request, template, context, status=status)


# --- create, edit ------------------------------------------------------------------------------------


def _person_initial(person: Person) -> dict[str, Any]:
    view = selectors.person_view(person)
    return {
        "given_name": person.given_name, "father_name": person.father_name, "family_name": person.family_name,
        "date_of_birth": view.date_of_birth, "sex": person.sex, "personal_number": person.personal_number,
        "nationality": person.nationality.code if person.nationality else "", "addresses": person.addresses,
        "classification": person.classification, "handling_code": person.handling_code,
    }


@never_cache
def person_create(request: Request) -> HttpResponse:
    actor = request.actor
    require_perm(actor, perms.CREATE)
    form = add_form_token(PersonForm(request.POST or None, clearance=actor.clearance))
    if request.method == "POST":
        if form.is_valid():
            result = run_create(request, form, services.person_create, model=Person, actor=actor,
                                **without_token(form.cleaned_data))
            if not isinstance(result, Failed):
                if result.created:
                    messages.success(request, _("The person was added to the index."))
                else:
                    messages.info(request, already_sent_message())
                return done(request, _detail_url(result.obj))
        return render(request, "parties/person_form.html", {"form": form, "person": None}, status=400)
    return render(request, "parties/person_form.html", {"form": form, "person": None})


@never_cache
def person_update(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    person = _read(request, public_id, PURPOSE_EDIT)
    if not policy_of(Person).can(actor, "change", person) or person.protection.masked or person.is_merged:  # type: ignore[attr-defined]
        raise PermissionDenied
    form = PersonForm(request.POST or None, initial=_person_initial(person), clearance=actor.clearance)
    if request.method == "POST":
        if form.is_valid():
            changes = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
            result = run_service(form, services.person_update, actor=actor, person=person, **changes) if changes else person
            if not isinstance(result, Failed):
                if changes:
                    messages.success(request, _("The person was saved."))
                return done(request, _detail_url(person))
        person.refresh_from_db()
        return render(request, "parties/person_form.html", {"form": form, "person": person}, status=400)
    return render(request, "parties/person_form.html", {"form": form, "person": person})


# --- detail ------------------------------------------------------------------------------------------


def _detail_context(
    request: Request, person: Person, *, document_form: DocumentForm | None = None, unmerge_form: ReasonForm | None = None
) -> dict[str, Any]:
    actor = request.actor
    view = selectors.person_view(person)
    can_change = policy_of(Person).can(actor, "change", person) and not view.masked and not person.is_merged
    merges = selectors.person_merges_for(actor=actor, person=person)
    return {
        "person": person,
        "view": view,
        "documents": selectors.person_documents_for(actor=actor, person=person),
        "linked": selectors.party_links_for_person(actor=actor, person=person),
        "can_change": can_change,
        "can_merge": can_change and actor.has_perm(perms.MERGE),
        "can_unmerge": actor.has_perm(perms.MERGE) and merges["absorbed"] is not None
        and policy_of(Person).can(actor, "change", person),
        "absorbed": merges["absorbed"],
        "received": merges["received"],
        "document_form": document_form or (DocumentForm() if can_change else None),
        "unmerge_form": unmerge_form or ReasonForm(prefix_id="unmerge"),
    }


@never_cache
def person_detail(request: Request, public_id: Any) -> HttpResponse:
    person = _read(request, public_id, PURPOSE_DETAIL)
    return render(request, "parties/person_detail.html", _detail_context(request, person))


@never_cache
@require_POST
def document_add(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    person = _target(actor, public_id)
    form = DocumentForm(request.POST)
    if form.is_valid():
        document = run_service(form, services.person_document_add, actor=actor, person=person, **form.cleaned_data)
        if not isinstance(document, Failed):
            messages.success(request, _("The document was added."))
            return done(request, _detail_url(person) + "#documents")
    person = _read(request, public_id, PURPOSE_DETAIL)
    return render(request, "parties/person_detail.html", _detail_context(request, person, document_form=form), status=400)


# --- merge -------------------------------------------------------------------------------------------


@never_cache
def person_merge(request: Request, public_id: Any) -> HttpResponse:
    """Step 1 (GET): likely duplicates, ranked with reasons. Step 2 (GET ?duplicate=…): both persons side
    by side and what moves, with the reason to give. Step 3 (POST): the merge.

    Persons are read (and the reading logged) only when the page shows them: a duplicate the actor
    cannot see answers 404 before anything is read or written."""
    actor = request.actor
    require_perm(actor, perms.MERGE)
    survivor = _target(actor, public_id)
    selectors.apply_protection(actor=actor, persons=[survivor])
    if not policy_of(Person).can(actor, "change", survivor) or survivor.protection.masked or survivor.is_merged:  # type: ignore[attr-defined]
        raise PermissionDenied
    duplicate_id = request.POST.get("duplicate") if request.method == "POST" else request.GET.get("duplicate")
    if not duplicate_id:
        survivor = _read(request, public_id, PURPOSE_MERGE)
        search_form = CandidateSearchForm(request.GET or None)
        name = search_form.cleaned_data["name"] if search_form.is_valid() else ""
        context: dict[str, Any] = {
            "person": survivor, "view": selectors.person_view(survivor), "search_form": search_form,
            "candidates": selectors.person_duplicate_candidates(actor=actor, person=survivor, name=name),
        }
        return render(request, "parties/person_merge.html", context)

    duplicate = _target(actor, duplicate_id)
    form = MergeForm(request.POST or None, initial={"duplicate": duplicate.public_id})
    check_errors: list[str] = []
    try:
        services.person_merge_check(actor=actor, survivor=survivor, duplicate=duplicate)
    except ServicePermissionDenied as exc:
        check_errors.append(str(exc.message))
    except ApplicationError as exc:
        check_errors += [str(m) for messages_ in exc.fields.values() for m in messages_] or [str(exc.message)]
    if request.method == "POST" and not check_errors and form.is_valid():
        merge = run_service(form, services.person_merge, actor=actor, survivor=survivor, duplicate=duplicate,
                     reason=form.cleaned_data["reason"])
        if not isinstance(merge, Failed):
            messages.success(request, _("The duplicate was merged into this person. The merge can be undone from the duplicate's page."))
            return done(request, _detail_url(survivor))
    survivor = _read(request, public_id, PURPOSE_MERGE)
    try:
        duplicate = selectors.person_get_visible_to(actor=actor, public_id=duplicate.public_id, purpose=PURPOSE_MERGE)
    except NotFound:
        raise Http404 from None
    context = {
        "person": survivor, "view": selectors.person_view(survivor), "duplicate": duplicate,
        "duplicate_view": selectors.person_view(duplicate), "form": form, "check_errors": check_errors,
        "preview": services.merge_preview(actor=actor, survivor=survivor, duplicate=duplicate),
    }
    return render(request, "parties/person_merge.html", context, status=400 if request.method == "POST" else 200)


@never_cache
@require_POST
def person_unmerge(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    duplicate = _target(actor, public_id)
    form = ReasonForm(request.POST, prefix_id="unmerge")
    if form.is_valid():
        merge = run_service(form, services.person_unmerge, actor=actor, duplicate=duplicate, reason=form.cleaned_data["reason"])
        if not isinstance(merge, Failed):
            messages.success(request, _("The merge was undone: this person and its documents and links are back as they were."))
            return done(request, _detail_url(duplicate))
    person = _read(request, public_id, PURPOSE_DETAIL)
    return render(request, "parties/person_detail.html", _detail_context(request, person, unmerge_form=form), status=400)


# --- organisations and vehicles ---------------------------------------------------------------------


@never_cache
def vehicle_detail(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    purpose, case_ref = _context_purpose(request, "vehicle detail page")
    try:
        vehicle = selectors.vehicle_get_visible_to(actor=actor, public_id=public_id, purpose=purpose, case_ref=case_ref)
    except NotFound:
        raise Http404 from None
    facts = [
        (_("Plate"), vehicle.plate or "—"), (_("Plate format"), vehicle.plate_format.name if vehicle.plate_format else "—"),
        (_("VIN"), vehicle.vin or "—"), (_("Make"), vehicle.make or "—"), (_("Model"), vehicle.model or "—"),
        (_("Colour"), vehicle.colour or "—"),
    ]
    return render(request, "parties/party_detail.html", {
        "record": vehicle, "kind": _("Vehicle"), "title": selectors.record_label(vehicle), "facts": facts,
        "linked": selectors.party_links_for_party(actor=actor, party=vehicle),
    })


@never_cache
def organisation_detail(request: Request, public_id: Any) -> HttpResponse:
    actor = request.actor
    purpose, case_ref = _context_purpose(request, "organisation detail page")
    try:
        organisation = selectors.organisation_get_visible_to(actor=actor, public_id=public_id, purpose=purpose, case_ref=case_ref)
    except NotFound:
        raise Http404 from None
    facts = [
        (_("Name"), organisation.name), (_("Business number"), organisation.business_number or "—"),
        (_("Type"), organisation.get_org_type_display()),
    ]
    return render(request, "parties/party_detail.html", {
        "record": organisation, "kind": _("Organisation"), "title": organisation.name, "facts": facts,
        "linked": selectors.party_links_for_party(actor=actor, party=organisation),
    })
