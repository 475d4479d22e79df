"""Contracts a record type cannot skip (issue #6 point 5), generated from the declarations.

Every test below runs once for every record type ``kssp.core.records.declarations()`` returns — the
ones the modules declare in their ``records.py`` and any test-only type — with a sample record from
``kssp.core.testing.samples`` and the cast of ``kssp.core.testing.cast``. Each visibility claim is
checked on both faces of the derived policy: the scoped query set (``Model.objects.visible_to(actor)``)
and ``policy.can(actor, "view", record)``. A dependent record type (``parent`` set) is marked and shared
through its parent, and must follow it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from kssp.core.audit import payload_for
from kssp.core.exceptions import NotFound
from kssp.core.exceptions import PermissionDenied as ServicePermissionDenied
from kssp.core.markings import Classification, HandlingCode
from kssp.core.models.audit import AuditEvent
from kssp.core.policy import Actor
from kssp.core.records.access import policy_of, record_get_visible_to, record_list_visible_to
from kssp.core.records.registry import declarations
from kssp.core.services.grants import grant_create, grant_revoke
from kssp.core.testing.cast import Cast, build_cast, permission_codes, root_record, without_permissions
from kssp.core.testing.samples import sample, sample_factories

pytestmark = pytest.mark.django_db

LABELS = sorted(declarations())
SHARABLE = [label for label in LABELS if not declarations()[label].is_dependent and declarations()[label].share_perm]
DEPENDENT = [label for label in LABELS if declarations()[label].is_dependent]


def _person_data(label: str) -> bool | None:
    return declarations()[label].personal_data


PERSONAL = [label for label in LABELS if _person_data(label) is not False]


@pytest.fixture
def cast(request: pytest.FixtureRequest) -> Cast:
    return build_cast(declarations()[request.param])


def per_type(labels: list[str]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("cast", labels, indirect=True, ids=labels)


def actor_of(who: object) -> Actor:
    return who if isinstance(who, Actor) else who.actor  # type: ignore[attr-defined]


def faces(cast: Cast, who: object, record: object) -> tuple[bool, bool]:
    actor = actor_of(who)
    model = cast.declaration.model
    by_query = model._default_manager.visible_to(actor).filter(pk=record.pk).exists()  # type: ignore[attr-defined]
    by_can = policy_of(model).can(actor, "view", record)
    return by_query, by_can


def assert_sees(cast: Cast, who: object, record: object, expected: bool, why: str) -> None:
    by_query, by_can = faces(cast, who, record)
    assert (by_query, by_can) == (expected, expected), (
        f"{cast.label}: {why}: visible_to={by_query}, can(view)={by_can}; both should be {expected}"
    )


def make(cast: Cast, owner: object = None, **markings: object) -> object:
    return sample(cast.label, owner or cast.owner, **markings)  # type: ignore[arg-type]


def share(cast: Cast, record: object, **grantee: Any) -> Any:
    """A grant on the record (its root, for a dependent type) made by the owner through the service."""
    return grant_create(actor=cast.owner.actor, obj=root_record(cast.declaration, record), reason="contract test", **grantee)


def institution_of(person: object) -> object:
    return person.membership.unit.institution  # type: ignore[attr-defined]


# --- every declared type can be exercised ---------------------------------------------------------


@pytest.mark.parametrize("label", LABELS)
def test_every_declared_record_type_has_a_sample_factory(label):
    assert label in sample_factories(), (
        f"{label} is declared but kssp.core.testing.samples has no factory for it, so its contracts cannot run"
    )


# --- scope, clearance, permission ------------------------------------------------------------------


@per_type(LABELS)
def test_the_owner_sees_it_another_institution_does_not(cast):
    record = make(cast)
    model = cast.declaration.model
    assert_sees(cast, cast.owner, record, True, "the owner")
    assert record_get_visible_to(actor=cast.owner.actor, model=model, public_id=record.public_id) == record

    assert_sees(cast, cast.outsider, record, False, "another institution")
    with pytest.raises(NotFound):
        record_get_visible_to(actor=cast.outsider.actor, model=model, public_id=record.public_id)
    assert not record_list_visible_to(actor=cast.outsider.actor, model=model).filter(pk=record.pk).exists()
    # The outsider's own record is theirs: the refusal above is not a refusal of everything.
    assert_sees(cast, cast.outsider, make(cast, cast.outsider), True, "the outsider's own record")


@per_type(LABELS)
def test_a_clearance_below_the_classification_hides_it(cast):
    open_record = make(cast, classification=Classification.UNCLASSIFIED)
    restricted = make(cast, classification=Classification.RESTRICTED)
    secret = make(cast, classification=Classification.SECRET)
    assert_sees(cast, cast.low, open_record, True, "same unit, classification within the clearance")
    assert_sees(cast, cast.low, restricted, False, "same unit, no clearance for RESTRICTED")
    assert_sees(cast, cast.low, secret, False, "same unit, no clearance for SECRET")
    assert_sees(cast, cast.owner, secret, True, "the owner cleared SECRET")
    # Not even a grant naming the reader lifts the clearance.
    share(cast, restricted, grantee_type="unit", unit=cast.low.membership.unit)
    assert_sees(cast, cast.low, restricted, False, "a grant does not lift the clearance")


@per_type(LABELS)
def test_without_the_view_permission_nothing_is_visible(cast):
    record = make(cast)
    view = permission_codes(cast.declaration, "view_perm")
    assert view, f"{cast.label} declares no view permission (nor does its parent)"
    stripped = without_permissions(cast.owner.actor, view)
    assert stripped.is_authenticated and stripped.membership_id == cast.owner.actor.membership_id
    assert_sees(cast, stripped, record, False, "the owner's own scope without the view permission")
    with pytest.raises(NotFound):
        record_get_visible_to(actor=stripped, model=cast.declaration.model, public_id=record.public_id)
    # A grant does not stand in for the permission either.
    share(cast, record, grantee_type="institution", institution=institution_of(cast.outsider))
    assert_sees(cast, without_permissions(cast.outsider.actor, view), record, False, "a grantee without the permission")


@per_type(SHARABLE)
def test_a_handling_code_stops_resharing_by_a_grantee(cast):
    policy = policy_of(cast.declaration.model)
    plain = make(cast)
    restricted = {code: make(cast, handling_code=code) for code in (HandlingCode.H1, HandlingCode.H2)}
    for record in (plain, *restricted.values()):
        share(cast, record, grantee_type="institution", institution=institution_of(cast.outsider), may_reshare=True)
        assert_sees(cast, cast.outsider, record, True, "a grant with re-sharing")
        assert policy.can(cast.owner.actor, "share", record), "the owner may always share"
    prosecution = institution_of(cast.named)
    assert policy.can(cast.outsider.actor, "share", plain)
    grant_create(actor=cast.outsider.actor, obj=plain, grantee_type="institution", institution=prosecution, reason="onward")
    for code, record in restricted.items():
        assert not policy.can(cast.outsider.actor, "share", record), f"{cast.label}: {code} lets a grantee re-share"
        with pytest.raises(ServicePermissionDenied):
            grant_create(actor=cast.outsider.actor, obj=record, grantee_type="institution", institution=prosecution, reason="onward")
        assert_sees(cast, cast.named, record, False, f"{code}: nothing passed on")


@per_type(DEPENDENT)
def test_a_dependent_record_is_never_shared_on_its_own(cast):
    record = make(cast)
    assert not policy_of(cast.declaration.model).can(cast.owner.actor, "share", record)


# --- grants open it, expiry and revocation close it again -----------------------------------------


@per_type(LABELS)
def test_a_grant_to_an_institution_opens_it(cast):
    record = make(cast)
    other = make(cast)
    assert_sees(cast, cast.outsider, record, False, "before the grant")
    share(cast, record, grantee_type="institution", institution=institution_of(cast.outsider))
    for who in (cast.outsider, cast.outsider_below, cast.outsider_above):
        assert_sees(cast, who, record, True, "anyone in the granted institution")
    assert_sees(cast, cast.outsider, other, False, "another record of the same owner")
    assert_sees(cast, cast.named, record, False, "a third institution")


@per_type(LABELS)
def test_a_grant_to_a_unit_opens_it_to_that_unit_and_the_units_below(cast):
    record = make(cast)
    share(cast, record, grantee_type="unit", unit=cast.outsider.membership.unit)
    assert_sees(cast, cast.outsider, record, True, "the granted unit")
    assert_sees(cast, cast.outsider_below, record, True, "a unit below the granted one")
    assert_sees(cast, cast.outsider_above, record, False, "the unit above the granted one")
    assert_sees(cast, cast.named, record, False, "another institution")


@per_type(LABELS)
def test_a_named_user_grant_opens_it_to_that_user_only_while_acting_for_the_institution(cast):
    record = make(cast)
    share(cast, record, grantee_type="user", user=cast.named.user, institution=institution_of(cast.named))
    assert_sees(cast, cast.named, record, True, "the named user, acting for the institution named in the grant")
    assert_sees(cast, cast.named_colleague, record, False, "a colleague of the named user")
    elsewhere = cast.named_elsewhere
    assert elsewhere.is_authenticated and elsewhere.user_id == cast.named.user.pk
    assert elsewhere.institution_id != cast.named.actor.institution_id
    assert_sees(cast, elsewhere, record, False, "the named user acting for another institution")
    assert_sees(cast, cast.outsider, record, False, "the institution the named user also works for")


@per_type(LABELS)
def test_an_expired_grant_closes_it_again(cast):
    record = make(cast)
    expires = timezone.now() + dt.timedelta(hours=2)
    share(cast, record, grantee_type="institution", institution=institution_of(cast.outsider), expires_at=expires)
    assert_sees(cast, cast.outsider, record, True, "before the expiry")
    with time_machine.travel(expires - dt.timedelta(minutes=1), tick=False):
        assert_sees(cast, cast.outsider, record, True, "a minute before the expiry")
    with time_machine.travel(expires + dt.timedelta(seconds=1), tick=False):
        assert_sees(cast, cast.outsider, record, False, "after the expiry")
        assert_sees(cast, cast.owner, record, True, "the owner, after the grant expired")


@per_type(LABELS)
def test_a_revoked_grant_closes_it_again(cast):
    record = make(cast)
    grants = [
        share(cast, record, grantee_type="institution", institution=institution_of(cast.outsider)),
        share(cast, record, grantee_type="unit", unit=cast.outsider_below.membership.unit),
        share(cast, record, grantee_type="user", user=cast.named.user, institution=institution_of(cast.named)),
    ]
    for who in (cast.outsider, cast.outsider_below, cast.named):
        assert_sees(cast, who, record, True, "while granted")
    for grant in grants:
        grant_revoke(actor=cast.owner.actor, grant=grant, reason="contract test over")
    for who in (cast.outsider, cast.outsider_below, cast.named):
        assert_sees(cast, who, record, False, "after revocation")


# --- reading personal data is a consultation, with its purpose --------------------------------------


def _events_since(seq: int, event_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq, event_type=event_type).order_by("seq"))


def _last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return last or 0


@per_type(PERSONAL)
def test_reading_personal_data_writes_a_consultation_event_with_the_purpose(cast):
    declaration = cast.declaration
    model = declaration.model
    record = make(cast, contains_personal_data=True)
    assert declaration.holds_personal_data(record), f"{cast.label}: the sample should hold personal data"
    actor = cast.owner.actor

    since = _last_seq()
    assert record_get_visible_to(actor=actor, model=model, public_id=record.public_id, purpose="contract: case 17/2026") == record
    events = _events_since(since, f"{declaration.event_prefix}.consulted")
    assert len(events) == 1, f"{cast.label}: reading one record wrote {len(events)} consultation events"
    event = events[0]
    assert event.purpose == "contract: case 17/2026"
    assert event.target_public_id == record.public_id
    assert event.actor_id == actor.user_id  # type: ignore[attr-defined]
    assert event.category == AuditEvent.Category.CONSULTATION, event.category  # type: ignore[attr-defined]

    # A refused reading is no consultation (and says nothing about the record).
    since = _last_seq()
    with pytest.raises(NotFound):
        record_get_visible_to(actor=cast.outsider.actor, model=model, public_id=record.public_id, purpose="curiosity")
    assert not _events_since(since, f"{declaration.event_prefix}.consulted")

    # Reading a list that returns it is a consultation too: one event naming the records by number;
    # counting them is not a reading.
    since = _last_seq()
    listed = record_list_visible_to(actor=actor, model=model, purpose="contract: list for case 17/2026")
    assert listed.filter(pk=record.pk).count() == 1
    assert not _events_since(since, f"{declaration.event_prefix}.listed")
    assert record in list(listed)
    events = _events_since(since, f"{declaration.event_prefix}.listed")
    assert [e.purpose for e in events] == ["contract: list for case 17/2026"], events
    assert declaration.number(record) in payload_for(events[0])["extra"]["records"]


@per_type([label for label in LABELS if _person_data(label) is None])
def test_a_record_without_personal_data_is_read_without_a_consultation_event(cast):
    declaration = cast.declaration
    record = make(cast, contains_personal_data=False)
    since = _last_seq()
    record_get_visible_to(actor=cast.owner.actor, model=declaration.model, public_id=record.public_id, purpose="x")
    assert not _events_since(since, f"{declaration.event_prefix}.consulted")


# --- the API list with ``?q=`` (issue #7 point 3: "the API list with ?q= ... writes no consultation event") ---


def _api_list_routes() -> dict[str, str]:
    """Record type label → the path of its API list, found by walking the API's routes (not listed by hand)."""
    from django.urls import get_resolver

    found: dict[str, str] = {}
    declared = {d.model for d in declarations().values()}

    def walk(patterns: Any, prefix: str) -> None:
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            cls = getattr(pattern.callback, "cls", None)
            actions = getattr(pattern.callback, "actions", None) or {}
            route = prefix + str(pattern.pattern)
            model = getattr(getattr(getattr(cls, "serializer_class", None), "Meta", None), "model", None)
            if model in declared and actions.get("get") == "list" and "(?P" not in route:
                found.setdefault(model._meta.label_lower, "/" + route.replace("^", "").replace("$", ""))

    walk(get_resolver().url_patterns, "")
    return found


def test_the_api_lists_are_found():
    assert _api_list_routes(), "the walk found no API list of a declared record type: it is not looking"


@per_type([label for label in PERSONAL if not declarations()[label].is_dependent])
def test_an_api_list_with_q_holding_personal_data_writes_one_consultation_event(cast):
    declaration = cast.declaration
    path = _api_list_routes().get(declaration.model._meta.label_lower)
    if path is None:
        pytest.skip(f"{cast.label} has no API list of its own")
    record = make(cast, contains_personal_data=True)
    number = declaration.number(record)
    since = _last_seq()
    response = cast.owner.client().get(path, {"q": number})
    assert response.status_code == 200, response.content[:300]
    assert str(record.public_id) in response.content.decode()
    events = list(AuditEvent.objects.filter(seq__gt=since, category=AuditEvent.Category.CONSULTATION))
    assert len(events) == 1, f"{cast.label}: GET {path}?q= wrote {[e.event_type for e in events]}, not one consultation"
    assert events[0].purpose, "the list reading has no purpose"
    assert number in str(payload_for(events[0])), f"{cast.label}: the consultation does not name {number}"
