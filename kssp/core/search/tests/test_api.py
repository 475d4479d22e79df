"""The search API: its contract, and the bad input it must refuse with field errors."""

from __future__ import annotations

import itertools

import pytest
from django.apps import apps

from kssp.core.models.notices import HitNotice
from kssp.core.search.api.views import SearchViewSet
from kssp.core.search.query import NAME
from kssp.core.search.registry import SearchResult, registered_search_types
from kssp.core.testing.contract import ApiContract, assert_error

URL = "/api/v1/search/"
TERM = "Zastava M70 contract"
_serial = itertools.count(1)


def make_bulletin(person, *, title=TERM, classification=1):
    model = apps.get_model("bulletins", "Bulletin")
    unit = person.membership.unit
    return model.objects.create(
        owner_institution=unit.institution, owner_unit=unit, created_by=person.user, title=title, body="Seized.",
        number=f"BUL-{unit.institution.code}-2026-{next(_serial):06d}", classification=classification,
    )


class TestSearchApi(ApiContract):
    viewset = SearchViewSet
    list_url = URL
    list_params = {"q": TERM}
    viewer = "kp_investigator"
    foreign_owner = "customs"
    low_clearance_viewer = "kp_low_clearance"
    high_classification = 1
    sharable = True
    grantee = "customs"

    @property
    def list_max_queries(self):  # type: ignore[override]
        # Signing in and the actor, then a count and a page for each registered type.
        return 8 + 2 * len(registered_search_types())

    def make_record(self, world, owner, **options):
        return make_bulletin(owner, classification=options.get("classification", 1))

    def test_contract_list_query_count_is_pinned(self, request):
        # The contract's own test lists without parameters; a search needs its ``q`` (without it: 400).
        world = self.world(request)
        owner = self.owner_of(world)
        client = self.person(world, self.viewer).client()
        max_queries = request.getfixturevalue("django_assert_max_num_queries")
        for batch in (2, 4):
            for _ in range(batch):
                self.make_record(world, owner)
            with max_queries(self.list_max_queries):
                response = client.get(self.list_url, self.list_params)
            assert response.status_code == 200 and response.json()["count"] >= batch

    def listing(self, client):
        response = client.get(self.list_url, {**self.list_params, "page_size": 200})
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        return body["count"], {item["public_id"] for item in body["results"]}


def test_the_answer_is_grouped_with_the_query_recognised(world):
    bulletin = make_bulletin(world.kp_investigator, title="Lookout BUL plates 01-123-AB")
    body = world.kp_investigator.client().get(URL, {"q": "01-123-AB"}).json()
    assert body["query"]["looks_like"] == "plate" and "plate" in body["query"]["kinds"]
    assert body["count"] == 1 and body["hit_check_available"] is False
    assert {"type": "bulletin", "label": "Buletinet", "count": 1, "needs_purpose": False} in body["groups"]
    result = body["results"][0]
    assert result["public_id"] == str(bulletin.public_id) and result["url"] == f"/bulletins/{bulletin.public_id}/"
    assert {b["kind"] for b in result["badges"]} == {"classification", "status"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "x"}, "q"),
        ({"q": "x" * 300}, "q"),
        ({"q": "golf", "page_size": "0"}, "page_size"),
        ({"q": "golf", "page_size": "many"}, "page_size"),
        ({"q": "golf", "type": "nothing"}, "type"),
    ],
)
def test_bad_parameters_are_field_errors(world, params, field):
    error = assert_error(world.kp_officer.client().get(URL, params), 400, "invalid")
    assert list(error["fields"]) == [field]


def test_a_qr_payload_resolves_through_the_detail_route(world):
    bulletin = make_bulletin(world.kp_investigator)
    body = world.kp_investigator.client().get(f"{URL}{bulletin.public_id}/").json()
    assert body["type"] == "bulletin" and body["number"] == bulletin.number
    assert_error(world.customs.client().get(f"{URL}{bulletin.public_id}/"), 404, "not_found")


def test_the_check_needs_a_purpose_and_tells_existence_only(world):
    hidden = make_bulletin(world.customs, title="Hidden API lookout 19Z45Z")
    client = world.kp_investigator.client()
    listed = client.get(URL, {"q": "19Z45Z"}).json()
    assert listed["count"] == 0 and listed["hit_check_available"] is True

    error = assert_error(client.post(f"{URL}check/", {"q": "19Z45Z", "purpose": ""}, content_type="application/json"), 400)
    assert list(error["fields"]) == ["purpose"] and HitNotice.objects.count() == 0
    error = assert_error(client.post(f"{URL}check/", {"q": "x", "purpose": "case"}, content_type="application/json"), 400)
    assert list(error["fields"]) == ["q"]

    response = client.post(f"{URL}check/", {"q": "19Z45Z", "purpose": "case PP 1/2026"}, content_type="application/json")
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert hits == [{"type": "bulletin", "label": "Buletinet", "unit": str(hidden.owner_unit),
                     "institution": str(hidden.owner_institution)}]
    assert HitNotice.objects.filter(object_id=hidden.pk).count() == 1


def test_the_check_is_refused_to_whoever_may_not_ask(world):
    for person in (world.kp_officer, world.aki):
        response = person.client().post(f"{URL}check/", {"q": "golf", "purpose": "x"}, content_type="application/json")
        assert_error(response, 403, "permission_denied")


def test_a_type_that_needs_a_purpose_says_so(world, temporary_type):
    temporary_type("persons-test", label_sq="Personat", label_sr="Osobe", label_en="Persons",
                   selector=lambda actor, query: [SearchResult(title="X", url="/x/")], kinds={NAME}, requires_purpose=True)
    client = world.kp_investigator.client()
    group = next(g for g in client.get(URL, {"q": "Xhemajl"}).json()["groups"] if g["type"] == "persons-test")
    assert group == {"type": "persons-test", "label": "Personat", "count": None, "needs_purpose": True}
    body = client.get(URL, {"q": "Xhemajl", "purpose": "border check"}).json()
    group = next(g for g in body["groups"] if g["type"] == "persons-test")
    assert group["count"] == 1
