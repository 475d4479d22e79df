"""API contract tests every resource gets for free (NetBox's ``APIViewTestCases``; STYLE-ANCHORS §5).

A resource's test module subclasses ``ApiContract`` once per viewset and declares who is who in the
test world (attribute names of the ``world`` fixture, resolved at run time so that the kernel imports
no module) and how to make a record::

    class TestBulletinApi(ApiContract):
        viewset = BulletinViewSet
        list_url = "/api/v1/bulletins/"
        viewer = "kp_investigator"              # sees the records ``owner`` makes
        foreign_owner = "customs"               # another institution: its records stay hidden
        low_clearance_viewer = "kp_low_clearance"
        unpermitted = "inspector"               # lacks the list permission: 403 list, 404 detail
        sharable = True
        grantee = "customs"
        create_event, update_event = "bulletin.created", "bulletin.updated"
        list_max_queries = 7

        def make_record(self, world, owner, **options): ...
        def create_payload(self, world): ...
        def update_payload(self, world, record): ...

The tests (``test_contract_*``):

* anonymous → 401 with ``WWW-Authenticate`` and the error shape, on the list and a record;
* the viewer sees the owner's record (so the refusals below cannot pass vacuously);
* no permission → 403 on the list, 404 on a record (house rule: 403 only for what one can see);
* another institution's record → 404, absent from the list and from its count (every contract names
  that outsider, or says why its resource has none: ``no_outsider``, checked true);
* a clearance below the record's classification → 404 and absent;
* for sharable records: a grant makes the record visible to the grantee, revocation hides it again;
* create and update write their audit event (source "api") in the same request;
* the list's query count is pinned and does not grow with the number of records;
* an unknown id answers 404 with the error shape.

A test whose declaration is left ``None`` (or ``False``) does not apply to the resource and is not
collected for it (e.g. reference data has no other institution). The meta-test
``kssp/core/tests/test_api_contracts_meta.py`` fails for any viewset under /api/v1/ without a contract.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pytest
from django.db.models import Max

from kssp.core.models.audit import AuditEvent

ERROR_KEYS = {"code", "message", "fields"}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The response has ``status`` and the API's error shape (and ``code``, when given)."""
    assert response.status_code == status, (response.status_code, getattr(response, "content", b"")[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == ERROR_KEYS, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]  # type: ignore[no-any-return]


def last_audit_seq() -> int:
    return AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0


class ApiContract:
    # A static database marker, so that pytest-django orders these tests with the other database tests
    # (before the transactional browser tests that flush the tables).
    pytestmark: ClassVar[list[Any]] = [pytest.mark.django_db]

    # --- declarations ------------------------------------------------------------------------------
    viewset: ClassVar[type]
    list_url: ClassVar[str]
    world_fixture: ClassVar[str] = "world"
    #: Who reads (a person attribute of the world) and whose records they read (default: the viewer).
    viewer: ClassVar[str]
    owner: ClassVar[str | None] = None
    #: Whether records have a detail URL.
    has_detail: ClassVar[bool] = True
    #: A person in another institution whose records the viewer must not see. Every contract names one,
    #: or says in ``no_outsider`` why the resource has none (data every signed-in actor reads, such as
    #: reference data); ``test_contract_declares_its_outsider`` fails a contract that does neither, and
    #: checks the claim: a person of another institution (``outsider_reader``) then sees the record.
    foreign_owner: ClassVar[str | None] = None
    no_outsider: ClassVar[str] = ""
    outsider_reader: ClassVar[str] = "customs"
    #: A person in the owner's scope whose clearance is below ``high_classification``.
    low_clearance_viewer: ClassVar[str | None] = None
    high_classification: ClassVar[int] = 1
    #: A person without the list permission.
    unpermitted: ClassVar[str | None] = None
    #: Sharable records: ``grantee`` cannot see the owner's record until it is granted.
    sharable: ClassVar[bool] = False
    grantee: ClassVar[str | None] = None
    #: Audit events of create (POST on the list) and update (PATCH on a record); None: not offered.
    creator: ClassVar[str | None] = None
    create_event: ClassVar[str | None] = None
    updater: ClassVar[str | None] = None
    update_event: ClassVar[str | None] = None
    #: The most queries one list request may run (authentication and actor included).
    list_max_queries: ClassVar[int]
    #: Query parameters the visibility tests list with (e.g. to leave out rows the listing itself adds).
    list_params: ClassVar[dict[str, str]] = {}

    # Which declaration each optional test needs.
    _APPLIES_WHEN: ClassVar[dict[str, str]] = {
        "test_contract_unknown_id_is_404": "has_detail",
        "test_contract_without_permission_is_refused": "unpermitted",
        "test_contract_other_institution_gets_404": "foreign_owner",
        "test_contract_too_low_clearance_gets_404": "low_clearance_viewer",
        "test_contract_grant_reveals_and_revocation_hides": "sharable",
        "test_contract_create_writes_audit_event": "create_event",
        "test_contract_update_writes_audit_event": "update_event",
    }

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for test, declaration in cls._APPLIES_WHEN.items():
            applies = bool(getattr(cls, declaration))
            inherited = getattr(ApiContract, test)
            if not applies and getattr(cls, test, None) is inherited:
                setattr(cls, test, None)  # not collected: the rule does not apply to this resource
            elif applies and getattr(cls, test, None) is None:
                setattr(cls, test, inherited)  # a subclass of a non-applicable one may apply again

    # --- hooks ---------------------------------------------------------------------------------------
    def make_record(self, world: Any, owner: Any, **options: Any) -> Any:
        """Create a record owned by ``owner`` (a person); ``classification`` may be given."""
        raise NotImplementedError

    def create_payload(self, world: Any) -> dict[str, Any]:
        raise NotImplementedError

    def update_payload(self, world: Any, record: Any) -> dict[str, Any]:
        raise NotImplementedError

    def record_key(self, record: Any) -> str:
        return str(record.public_id)

    def item_key(self, item: dict[str, Any]) -> str:
        return str(item["public_id"])

    def detail_url(self, record: Any) -> str:
        return f"{self.list_url}{self.record_key(record)}/"

    def missing_detail_url(self) -> str:
        return f"{self.list_url}{uuid.uuid4()}/"

    def audit_matches(self, event: AuditEvent, key: str) -> bool:
        return str(event.target_public_id) == key

    def grant(self, world: Any, record: Any, owner: Any, grantee: Any) -> Any:
        """Share ``record`` with the grantee's institution, as the owner (the grant service)."""
        from kssp.core.services.grants import grant_create

        return grant_create(
            actor=owner.actor, obj=record, grantee_type="institution", institution=grantee.membership.unit.institution,
            reason="contract test",
        )

    def revoke(self, world: Any, grant: Any, owner: Any) -> None:
        from kssp.core.services.grants import grant_revoke

        grant_revoke(actor=owner.actor, grant=grant, reason="contract test over")

    # --- helpers -------------------------------------------------------------------------------------
    def world(self, request: pytest.FixtureRequest) -> Any:
        return request.getfixturevalue(self.world_fixture)

    def person(self, world: Any, name: str | None) -> Any:
        assert name, "declare the person"
        return getattr(world, name)

    def owner_of(self, world: Any) -> Any:
        return self.person(world, self.owner or self.viewer)

    def listing(self, client: Any) -> tuple[int, set[str]]:
        response = client.get(self.list_url, {**self.list_params, "page_size": 200})
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        return body["count"], {self.item_key(item) for item in body["results"]}

    # --- the contract ------------------------------------------------------------------------------
    def test_contract_declares_its_outsider(self, request: pytest.FixtureRequest) -> None:
        """Not opt-in: a contract names who must not see the owner's records, or says why nobody is."""
        named, exempt = bool(self.foreign_owner), bool(self.no_outsider.strip())
        assert named != exempt, (
            f"{type(self).__name__}: declare foreign_owner (a person of another institution whose records the "
            "viewer must not see) or, for data every signed-in actor reads, no_outsider = '<why>'; not both"
        )
        if exempt:  # the claim is checked: someone of another institution does see the record
            world = self.world(request)
            owner = self.owner_of(world)
            reader = self.person(world, self.outsider_reader)
            assert reader.membership.unit.institution_id != owner.membership.unit.institution_id
            record = self.make_record(world, owner)
            client = reader.client()
            assert self.record_key(record) in self.listing(client)[1], f"{self.no_outsider!r} is not true"
            if self.has_detail:
                assert client.get(self.detail_url(record)).status_code == 200, f"{self.no_outsider!r} is not true"

    def test_contract_anonymous_is_refused(self, request: pytest.FixtureRequest) -> None:
        from django.test import Client

        world = self.world(request)
        anonymous = Client()
        for response in (anonymous.get(self.list_url), anonymous.post(self.list_url, {}, content_type="application/json")):
            assert_error(response, 401, "not_authenticated")
            assert response["WWW-Authenticate"].startswith("Bearer")
        if self.has_detail:
            record = self.make_record(world, self.owner_of(world))
            assert_error(anonymous.get(self.detail_url(record)), 401, "not_authenticated")

    def test_contract_viewer_sees_the_owners_record(self, request: pytest.FixtureRequest) -> None:
        world = self.world(request)
        record = self.make_record(world, self.owner_of(world))
        client = self.person(world, self.viewer).client()
        count, keys = self.listing(client)
        assert self.record_key(record) in keys and count >= 1
        if self.has_detail:
            response = client.get(self.detail_url(record))
            assert response.status_code == 200, response.content[:500]
            assert self.item_key(response.json()) == self.record_key(record)

    def test_contract_unknown_id_is_404(self, request: pytest.FixtureRequest) -> None:
        world = self.world(request)
        assert_error(self.person(world, self.viewer).client().get(self.missing_detail_url()), 404, "not_found")

    def test_contract_without_permission_is_refused(self, request: pytest.FixtureRequest) -> None:
        world = self.world(request)
        record = self.make_record(world, self.owner_of(world))
        client = self.person(world, self.unpermitted).client()
        assert_error(client.get(self.list_url), 403, "permission_denied")
        if self.has_detail:
            assert_error(client.get(self.detail_url(record)), 404, "not_found")

    def test_contract_other_institution_gets_404(self, request: pytest.FixtureRequest) -> None:
        world = self.world(request)
        client = self.person(world, self.viewer).client()
        count_before, _ = self.listing(client)
        record = self.make_record(world, self.person(world, self.foreign_owner))
        count_after, keys = self.listing(client)
        assert self.record_key(record) not in keys
        assert count_after == count_before
        if self.has_detail:
            assert_error(client.get(self.detail_url(record)), 404, "not_found")

    def test_contract_too_low_clearance_gets_404(self, request: pytest.FixtureRequest) -> None:
        world = self.world(request)
        owner = self.owner_of(world)
        client = self.person(world, self.low_clearance_viewer).client()
        open_record = self.make_record(world, owner, classification=0)
        record = self.make_record(world, owner, classification=self.high_classification)
        _, keys = self.listing(client)
        assert self.record_key(open_record) in keys  # the same scope, so only the clearance hides it
        assert self.record_key(record) not in keys
        if self.has_detail:
            assert_error(client.get(self.detail_url(record)), 404, "not_found")

    def test_contract_grant_reveals_and_revocation_hides(self, request: pytest.FixtureRequest) -> None:
        world = self.world(request)
        owner = self.owner_of(world)
        grantee = self.person(world, self.grantee)
        record = self.make_record(world, owner)
        client = grantee.client()
        assert_error(client.get(self.detail_url(record)), 404, "not_found")

        grant = self.grant(world, record, owner, grantee)
        assert client.get(self.detail_url(record)).status_code == 200
        assert self.record_key(record) in self.listing(client)[1]

        self.revoke(world, grant, owner)
        assert_error(client.get(self.detail_url(record)), 404, "not_found")
        assert self.record_key(record) not in self.listing(client)[1]

    def test_contract_create_writes_audit_event(self, request: pytest.FixtureRequest) -> None:
        world = self.world(request)
        client = self.person(world, self.creator or self.viewer).client()
        since = last_audit_seq()
        response = client.post(self.list_url, self.create_payload(world), content_type="application/json")
        assert response.status_code == 201, response.content[:800]
        key = self.item_key(response.json())
        events = list(AuditEvent.objects.filter(seq__gt=since, event_type=self.create_event))
        assert any(self.audit_matches(e, key) for e in events), [(e.event_type, e.target_public_id) for e in events]
        assert all(e.source == "api" for e in events)

    def test_contract_update_writes_audit_event(self, request: pytest.FixtureRequest) -> None:
        world = self.world(request)
        record = self.make_record(world, self.owner_of(world))
        client = self.person(world, self.updater or self.viewer).client()
        since = last_audit_seq()
        response = client.patch(self.detail_url(record), self.update_payload(world, record), content_type="application/json")
        assert response.status_code == 200, response.content[:800]
        events = list(AuditEvent.objects.filter(seq__gt=since, event_type=self.update_event))
        assert any(self.audit_matches(e, self.record_key(record)) for e in events), events
        assert all(e.source == "api" for e in events)

    def test_contract_list_query_count_is_pinned(self, request: pytest.FixtureRequest) -> None:
        world = self.world(request)
        owner = self.owner_of(world)
        client = self.person(world, self.viewer).client()
        max_queries = request.getfixturevalue("django_assert_max_num_queries")
        for batch in (2, 4):
            for _ in range(batch):
                self.make_record(world, owner)
            with max_queries(self.list_max_queries):
                response = client.get(self.list_url)
            assert response.status_code == 200
