"""Every HTML and API route, walked from the URL resolver (issue #6 point 5).

* Anonymous: every route but the public ones below answers the sign-in redirect (HTML) or 401 (under
  ``/api/``), to GET and to POST, whatever its path parameters.
* Outsider: every route with a path parameter that names a record (a declared record type's pages and
  API, the generic ``<record_type>/<id>`` pages, and the grants, links and tasks on a record) answers a
  person of another institution — holding every permission the page needs — exactly as it answers a
  random id: same status (404 for GET), same body once the two ids and the per-request tokens are
  taken out. The real id is first shown to be real: its owner does not get 404.

A route with a path parameter that is neither mapped to a record nor listed in ``NO_RECORD_PARAMETER``
or ``OUTSIDER_NOT_COVERED`` fails ``test_every_route_with_a_parameter_is_classified``: a module cannot
add a page that escapes the outsider contract by saying nothing.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import models
from django.shortcuts import resolve_url
from django.test import Client
from django.utils.module_loading import import_string

from kssp.core.records.access import record_types
from kssp.core.records.registry import declaration_for, declarations
from kssp.core.services.grants import grant_create
from kssp.core.testing.cast import Cast, build_cast
from kssp.core.testing.routes import Route, all_routes
from kssp.core.testing.samples import sample

pytestmark = pytest.mark.django_db

ROUTES = all_routes()
BY_NAME = {route.name: route for route in ROUTES}

# --- the one list of what needs no sign-in ----------------------------------------------------------

#: Route name → why anyone may open it.
PUBLIC = {
    "healthz": "the health check of the load balancer and the monitoring",
    "metrics": "the operators' Prometheus metrics: its own bearer token (KSSP_METRICS_TOKEN), 404 without it",
    "set_language": "the language switch (also on the sign-in page)",
    "accounts:login": "sign-in",
    "accounts:otp_verify": "the second factor, between the password and the session",
    "accounts:otp_enrol": "enrolling the second factor at the first sign-in",
    "accounts:password_reset": "the one-time reset link (the token is the credential)",
    "bulletins:bulletin_quick_capture_sw": "the service worker of the offline quick capture (no data)",
}
#: Namespace → why every route in it is exempt from the sign-in redirect.
PUBLIC_NAMESPACES = {
    "portal": "the public site: no login, no client address kept",
    "admin": "the Django admin: its own sign-in, staff accounts and reference data only",
}
# Static files are served by WhiteNoise before any view (no route); there are no public verification
# pages yet: when a module adds them, they go in PUBLIC with the reason.


def is_public(route: Route) -> bool:
    return route.name in PUBLIC or route.namespace in PUBLIC_NAMESPACES


# --- which record a route's parameters name ---------------------------------------------------------

#: Parameters that name no record: reference codes, catalogue names, tokens. Route name → why.
NO_RECORD_PARAMETER = {
    "reference:municipality_edit": "a reference-data code (everyone reads reference data)",
    "reference:crossing_point_edit": "a reference-data code",
    "reference:country_edit": "a reference-data code",
    "reference:offence_edit_paragraph": "a legal act's number and article (reference data)",
    "reference:offence_edit": "a legal act's number and article (reference data)",
    "reference:legal_act_edit": "a legal act's number (reference data)",
    "imports:type_template": "an import type's code (a catalogue, filtered by permission)",
    "exports:export": "an export's name (a catalogue, filtered by permission)",
    "api:municipality-detail": "a reference-data code",
    "api:crossing-point-detail": "a reference-data code",
    "api:country-detail": "a reference-data code",
    "api:role-detail": "a role code (the catalogue is the same for every institution)",
    "directory:role_change": "a role code (the catalogue is the same for every institution; platform administrators only)",
    "api:export-detail": "an export's name (a catalogue)",
    "api:institution-detail": "an institution (every signed-in actor sees every institution)",
    "directory:institution_detail": "an institution (every signed-in actor sees every institution)",
    "accounts:password_reset": "a one-time token, public by design",
    "portal:language": "a language code on the public site",
}

#: Routes naming an object the outsider contract does not build yet. Route name → what is missing.
#: Each has its own tests; listed here so that the gap is visible and new routes cannot join silently.
OUTSIDER_NOT_COVERED: dict[str, str] = {}

#: Routes that name one kind of object of the owner's, made by the maker named here.
OBJECT_ROUTES = {
    "api:grant-detail": "grant",
    "api:grant-revoke": "grant",
    "worklist:work_item_detail": "work_item",
    "worklist:work_item_transition": "work_item",
    "worklist:work_item_assign": "work_item",
    "api:work-item-detail": "work_item",
    "api:work-item-assign": "work_item",
    "api:work-item-cancel": "work_item",
    "api:work-item-complete": "work_item",
    "api:work-item-reopen": "work_item",
    "api:record-link-detail": "link",
    "api:record-link-remove": "link",
    "api:party-link-detail": "party_link",
    "api:party-link-acquittal": "party_link",
    "api:party-link-remove": "party_link",
    "notifications:open": "notification",
    "notifications:mark_read": "notification",
    "api:notification-detail": "notification",
    "api:notification-read": "notification",
    "api:api-token-detail": "api_token",
    "api:api-token-revoke": "api_token",
    "audit:event_detail": "audit_event",
    "api:audit-event-detail": "audit_event",
    "directory:unit_members": "intelligence_unit",
    "api:unit-detail": "intelligence_unit",
    "core:hit_notice_acknowledge": "hit_notice",
    "core:hit_notice_detail": "hit_notice",
    "core:hit_notice_share": "hit_notice",
    "retention:review_detail": "retention_review",
    "retention:review_decide": "retention_review",
    "retention:review_propose": "retention_review",
    "retention:review_execute": "retention_review",
    "directory:membership_grant": "admin_unit",
    "directory:membership_end": "membership",
    "directory:clearance_record": "membership",
    "api:membership-detail": "membership",
    "api:access-change-detail": "access_change",
    "api:access-change-approve": "access_change",
    "api:access-change-reject": "access_change",
    "directory:access_change_detail": "access_change",
    "api:membership-end": "membership",
    "api:user-detail": "user",
    "attachments:download": "attachment",
    "attachments:remove": "attachment",
    "api:attachment-detail": "attachment",
    "api:attachment-download": "attachment",
    "api:attachment-remove": "attachment",
    "imports:batch_detail": "import_batch",
    "imports:batch_progress": "import_batch",
    "imports:batch_report": "import_batch",
    "imports:batch_promote": "import_batch",
    "imports:batch_discard": "import_batch",
    "imports:batch_resume": "import_batch",
    "api:import-batch-detail": "import_batch",
    "api:import-batch-discard": "import_batch",
    "api:import-batch-promote": "import_batch",
    "api:import-batch-resume": "import_batch",
    "api:import-batch-rows": "import_batch",
}

#: Routes that resolve a record of any searchable type by its public id alone.
ANY_SEARCHABLE_RECORD = {"api:search-detail"}
#: A query string some routes need to serve their owner at all (persons are read with a purpose).
QUERY = {"api:search-detail": "?purpose=route+contract"}


def detail_prefixes() -> dict[str, str]:
    """Route pattern of each declared type's detail page → its label (a page under it is about it)."""
    out = {}
    for label, declaration in declarations().items():
        route = BY_NAME.get(declaration.detail_url or "")
        if route is not None:
            out[route.pattern] = label
    return out


def model_of(view: Any) -> Any:
    """The model a view class serves: its ``model`` (or ``writes.model`` where ``model`` is a property)."""
    for candidate in (
        getattr(view, "model", None),
        getattr(getattr(view, "writes", None), "model", None),
        getattr(getattr(view, "queryset", None), "model", None),
    ):
        if isinstance(candidate, type) and issubclass(candidate, models.Model):
            return candidate
    return None


def labels_for(route: Route) -> list[str]:
    """The declared record types a route's parameters name (empty: it names none of them)."""
    names = set(route.param_names)
    if "record_type" in names:
        return sorted(record_types())
    if route.name in ANY_SEARCHABLE_RECORD:
        return sorted(label for label, d in record_types().items() if d.searchable)
    model = model_of(route.view_class)
    if route.is_api and model is not None and declaration_for(model) is not None:
        return [declaration_for(model).label]  # type: ignore[union-attr]
    for prefix, label in detail_prefixes().items():
        if route.pattern.startswith(prefix):
            return [label]
    return []


@dataclass(frozen=True)
class Case:
    route: Route
    label: str  # the record type the owner's object belongs to (or hangs on)
    maker: str  # "record", or the kind of object hanging on a record: "grant", "work_item", "link", ...

    @property
    def id(self) -> str:
        return f"{self.route.name}[{self.label}]" if self.maker == "record" else self.route.name


def default_label() -> str:
    labels = sorted(record_types())
    return "recordkind.samplerecord" if "recordkind.samplerecord" in labels else labels[0]


def outsider_cases() -> list[Case]:
    cases = []
    for route in ROUTES:
        if not route.params or is_public(route) and route.name not in OBJECT_ROUTES:
            continue
        if route.name in OBJECT_ROUTES:
            cases.append(Case(route, default_label(), OBJECT_ROUTES[route.name]))
            continue
        cases.extend(Case(route, label, "record") for label in labels_for(route))
    return cases


CASES = outsider_cases()


# --- the tests -------------------------------------------------------------------------------------------


def test_every_route_with_a_parameter_is_classified():
    unclassified = [
        route.name for route in ROUTES
        if route.params and route.namespace not in PUBLIC_NAMESPACES
        and route.name not in NO_RECORD_PARAMETER and route.name not in OUTSIDER_NOT_COVERED
        and route.name not in OBJECT_ROUTES and not labels_for(route)
    ]
    assert not unclassified, (
        "routes with a path parameter that the outsider contract does not know: map them to a record "
        f"(declare the record type, or add a maker) or list them with the reason: {unclassified}"
    )
    stale = [name for name in (*NO_RECORD_PARAMETER, *OUTSIDER_NOT_COVERED, *OBJECT_ROUTES, *PUBLIC) if name not in BY_NAME]
    assert not stale, f"listed routes that no longer exist: {stale}"


def test_the_sign_in_middleware_exempts_nothing_the_contract_does_not_list():
    assert set(settings.LOGIN_EXEMPT_URL_NAMES) <= set(PUBLIC), set(settings.LOGIN_EXEMPT_URL_NAMES) - set(PUBLIC)
    assert set(settings.LOGIN_EXEMPT_NAMESPACES) <= {*PUBLIC_NAMESPACES, "api"}


#: Known refusals of the contract (real findings, reported; strict: the test fails once they are fixed).
KNOWN_ANONYMOUS_GAPS: dict[str, str] = {}  # routes that still answer anonymous visitors, with the reason


def _anonymous_param(route: Route) -> Any:
    reason = KNOWN_ANONYMOUS_GAPS.get(route.name)
    return pytest.param(route, id=str(route), marks=pytest.mark.xfail(reason=reason, strict=True) if reason else ())


@pytest.mark.parametrize("route", [_anonymous_param(r) for r in ROUTES if not is_public(r)])
def test_anonymous_is_sent_to_sign_in_or_gets_401(route):
    url = route.url(**route.placeholder_values())
    client = Client()
    sign_in = resolve_url(settings.LOGIN_URL)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if route.is_api:
            assert response.status_code == 401, (method, url, response.status_code)
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response["Location"].split("?")[0] == sign_in, (method, url, response["Location"])


# --- outsider: the same answer as a missing id ---------------------------------------------------------

_TOKENS = [
    re.compile(r'nonce="[^"]*"'),
    re.compile(r"[A-Za-z0-9]{40,}"),  # CSRF tokens (form fields, the htmx header, the meta tag)
]


def normalised(body: bytes, ids: list[str], url: str) -> str:
    """The body with per-request tokens, the requested address and the ids in it (uuids; a number is
    only taken out as part of the address) replaced by placeholders."""
    text = body.decode("utf-8", "replace")
    for pattern in _TOKENS:
        text = pattern.sub("<token>", text)
    text = text.replace(url, "<url>")
    for value in ids:
        if len(value) >= 32:
            text = text.replace(value, "<id>")
    return text


@dataclass
class Made:
    values: dict[str, Any]
    owner: Any  # who may open the route with these values
    outsider: Any  # someone of another institution, holding the route's permissions, who may not

    @property
    def ids(self) -> list[str]:
        return [str(v) for v in self.values.values()]


def make(case: Case, cast: Cast) -> Made:
    """Real objects for the route's parameters, and who opens them. Audit events are read by auditors
    (of the institution that acted, not of another); the Intelligence Agency's units only from inside."""
    if case.maker == "audit_event":
        from kssp.core.models.audit import AuditEvent

        make_person = import_string("kssp.accounts.testing.make_person")
        record = sample(case.label, cast.owner)
        grant_create(actor=cast.owner.actor, obj=record, grantee_type="institution",
                     institution=cast.named.membership.unit.institution, reason="route contract")
        event = AuditEvent.objects.filter(event_type="grant.created").order_by("-seq").first()
        assert event is not None and event.actor_institution_id == cast.owner.membership.unit.institution_id
        return Made({"seq": event.seq}, make_person("aud_kp", institution="KP", role="internal_auditor"),
                    make_person("aud_dk", institution="DK", role="internal_auditor"))
    if case.maker == "intelligence_unit":
        from django.apps import apps

        make_person = import_string("kssp.accounts.testing.make_person")
        unit = apps.get_model("accounts", "Unit").objects.get(institution__code="AKI", code="ANALIZA")
        if case.route.name == "directory:unit_members":  # an administrators' page: administrators on both sides
            return Made({"public_id": unit.public_id}, make_person("aki_admin", institution="AKI", role="administrator"),
                        make_person("dk_admin", institution="DK", role="administrator"))
        inside = make_person("aki_reader", institution="AKI", unit="ANALIZA", role="intelligence_analyst")
        return Made({"public_id": unit.public_id}, inside, cast.outsider)
    if case.maker in ("admin_unit", "membership"):  # administrators' pages: administrators on both sides
        make_person = import_string("kssp.accounts.testing.make_person")
        admins = (make_person("kp_admin", institution="KP", role="administrator"),
                  make_person("dk_admin", institution="DK", role="administrator"))
        target = cast.owner.membership.unit if case.maker == "admin_unit" else cast.owner.membership
        return Made({"public_id": target.public_id}, *admins)
    if case.maker == "access_change":  # a proposed membership in KP: KP's administrators on one side, DK's on the other
        from django.utils import timezone

        make_person = import_string("kssp.accounts.testing.make_person")
        membership_propose = import_string("kssp.accounts.services_access.membership_propose")
        proposer = make_person("ac_kp_proposer", institution="KP", role="administrator")
        subject = make_person("ac_kp_subject", institution="KP", unit="NJKT", role="investigator")
        change = membership_propose(actor=proposer.actor, user=subject.user, unit=subject.membership.unit,
                                    role=subject.membership.role, valid_from=timezone.localdate())
        return Made({"public_id": change.public_id}, make_person("ac_kp_admin", institution="KP", role="administrator"),
                    make_person("ac_dk_admin", institution="DK", role="administrator"))
    if case.maker == "retention_review":  # a review of the police's records: its DPO, not the customs' one
        from django.apps import apps
        from django.contrib.contenttypes.models import ContentType
        from django.utils import timezone

        from kssp.core.retention.models import RetentionReview

        Role = apps.get_model("accounts", "Role")
        Role.objects.get_or_create(code="contract_dpo", defaults={
            "name_sq": "dpo", "name_sr": "dpo", "name_en": "dpo", "scope": "institution",
            "permissions": ["retention.view", "retention.propose", "retention.review"]})
        make_person = import_string("kssp.accounts.testing.make_person")
        review = RetentionReview.objects.create(
            content_type=ContentType.objects.get_for_model(RetentionReview), object_id=1, model_label="retention.retentionreview",
            target_label="#1", owner_institution=cast.owner.membership.unit.institution, class_code="bulletins", source="request",
            due_on=timezone.localdate(), proposed_action="review", proposed_at=timezone.now(),
        )
        return Made({"public_id": review.public_id}, make_person("kp_dpo", institution="KP", role="contract_dpo"),
                    make_person("dk_dpo", institution="DK", role="contract_dpo"))
    if case.maker == "user":
        return Made({"public_id": cast.owner.user.public_id}, cast.owner, cast.outsider)
    values, _ids = make_objects(case, cast)
    return Made(values, cast.owner, cast.outsider)


def make_objects(case: Case, cast: Cast) -> tuple[dict[str, Any], list[str]]:
    """Values for the route's parameters naming real objects of the owner's, and every id used."""
    owner = cast.owner
    record = sample(case.label, owner)
    values: dict[str, Any] = {"record_type": case.label, "public_id": record.public_id, "record_id": record.public_id}
    names = set(case.route.param_names)
    prosecution = cast.named.membership.unit.institution
    if case.maker == "grant" or "grant_id" in names:
        grant = grant_create(actor=owner.actor, obj=record, grantee_type="institution", institution=prosecution, reason="route contract")
        values["grant_id" if "grant_id" in names else "public_id"] = grant.public_id
    if "identifier_id" in names:  # a number the owner's institution gave the record
        from django.contrib.contenttypes.models import ContentType

        from kssp.core.models.identifiers import RecordIdentifier

        number = RecordIdentifier.objects.create(
            content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk,
            institution=owner.membership.unit.institution, scheme="route", value="R 1/2026", value_key="R12026",
        )
        values["identifier_id"] = number.public_id
    if "link_id" in names or case.maker == "link":
        from kssp.core.links.services import link_create

        target = sample(case.label, owner)
        link = link_create(actor=owner.actor, source=record, target=target, link_type="relates_to", reason="route contract")
        values["link_id" if "link_id" in names else "public_id"] = link.public_id
    if case.maker == "party_link":
        from kssp.core.parties.tests.factories import PartyLinkFactory, PersonFactory

        party_link: Any = PartyLinkFactory(record=record, person=PersonFactory(owner=owner))
        values["public_id"] = party_link.public_id
    if case.maker == "notification":
        from kssp.core.notifications.services import notify

        (notice,) = notify(recipients=[owner.user], kind="deadline", target=record, context={"when": "1.1.2027", "what": "x"})
        values["public_id"] = notice.public_id
    if case.maker == "attachment":
        from django.core.files.uploadedfile import SimpleUploadedFile

        from kssp.core.attachments.services import attachment_add
        from kssp.core.attachments.tests.files import pdf

        upload = SimpleUploadedFile("route-contract.pdf", pdf(b"route contract"))
        values["public_id"] = attachment_add(actor=owner.actor, record=record, upload=upload).public_id
    if case.maker == "import_batch":  # the kernel's test import type (kssp.core.testing.recordkind)
        from kssp.core.imports.services import import_batch_create

        content = (
            b"kind,title,body,classification,handling_code,valid_until,contains_personal_data\r\n"
            b"notice,Route contract,Serial AK-000001,1,,,0\r\n"
        )
        batch = import_batch_create(actor=owner.actor, import_type_code="samples", filename="samples.csv", content=content)
        values["public_id"] = batch.public_id
    if case.maker == "hit_notice":  # someone of the prosecution checked for the owner's record: the notice is the owner unit's
        from django.contrib.contenttypes.models import ContentType

        from kssp.core.models.notices import HitNotice

        named = cast.named.membership
        values["public_id"] = HitNotice.objects.create(
            content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk,
            owner_institution=owner.membership.unit.institution, owner_unit=owner.membership.unit, searcher=cast.named.user,
            searcher_institution=named.unit.institution, searcher_unit=named.unit, purpose="route contract",
        ).public_id
    if case.maker == "api_token":
        token, _key = import_string("kssp.accounts.services.api_token_create")(actor=owner.actor, name="route contract")
        values["public_id"] = token.public_id
    if case.maker == "work_item":
        from kssp.core.worklist.services import work_item_create

        item = work_item_create(actor=owner.actor, record=record, title="route contract", unit=owner.membership.unit)
        values["public_id"] = item.public_id
    values = {name: values[name] for name in case.route.param_names}
    return values, [str(v) for v in values.values()]


@pytest.fixture
def file_storage(settings, tmp_path):
    """Attachments written by these tests go to a temporary storage, never into var/files/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path / "files"}},
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_an_outsider_gets_the_same_answer_as_for_a_missing_id(case, file_storage):
    cast = build_cast(declarations()[case.label], like="investigator")
    made = make(case, cast)
    real, real_ids = made.values, made.ids
    fresh = {uuid.UUID: lambda: uuid.uuid4(), int: lambda: 987654321}
    missing = {name: fresh[type(value)]() if type(value) in fresh else value for name, value in real.items()}
    missing_ids = [str(v) for v in missing.values()]
    query = QUERY.get(case.route.name, "")
    real_url, missing_url = case.route.url(**real) + query, case.route.url(**missing) + query
    assert real_url != missing_url

    owner_answer = made.owner.client().get(real_url).status_code
    assert owner_answer not in (404, 500), f"{case.id}: the owner gets {owner_answer} on {real_url}: the id is not what the route names"

    outsider = made.outsider.client()
    served = {}
    for method in ("get", "post"):
        seen = getattr(outsider, method)(real_url)
        unknown = getattr(outsider, method)(missing_url)
        assert seen.status_code == unknown.status_code, (
            f"{case.id} {method.upper()}: {seen.status_code} for another institution's record, "
            f"{unknown.status_code} for a missing one"
        )
        assert normalised(seen.content, real_ids, real_url) == normalised(unknown.content, missing_ids, missing_url), (
            f"{case.id} {method.upper()}: the answer tells another institution's record from a missing one"
        )
        if seen.status_code != 405:  # a method the route serves
            served[method] = seen.status_code
    assert served and set(served.values()) == {404}, f"{case.id}: the outsider gets {served}, not 404"
