"""The kernel's API resources (audit trail, markings, reference data): their contracts, and the rules
that are theirs. People come from the ``world`` fixture; the kernel's tests import no other app."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction

from kssp.core.api.reference import (
    CountryViewSet,
    CrossingPointViewSet,
    LegalActViewSet,
    MunicipalityViewSet,
    OffenceViewSet,
)
from kssp.core.api.resources import AuditEventViewSet, MarkingViewSet
from kssp.core.audit import audit_record, payload_for
from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent
from kssp.core.models.reference import Country, CrossingPoint, District, LegalAct, Municipality, Offence, PoliceRegion
from kssp.core.testing.contract import ApiContract, assert_error

serial = itertools.count(1)


def record_event(person, event="reference.updated", **kwargs):
    with transaction.atomic():
        return audit_record(actor=person.actor, event=event, **kwargs)


# --- the audit trail ------------------------------------------------------------------------------------


class TestAuditEventApi(ApiContract):
    viewset = AuditEventViewSet
    list_url = "/api/v1/audit-events/"
    viewer = "kp_auditor"
    owner = "kp_investigator"  # acts; the auditor of the same institution reads
    foreign_owner = "customs"
    unpermitted = "kp_investigator"
    list_params = {"category": "write"}  # each search adds an audit.searched event of its own
    list_max_queries = 14  # +3, constant: sealed reasons read back (payloads, keys), the search's own text key

    def make_record(self, world, owner, **options):
        return record_event(owner, after={"field": "value"})

    def record_key(self, record):
        return str(record.seq)

    def item_key(self, item):
        return str(item["seq"])

    def missing_detail_url(self):
        return f"{self.list_url}999999999/"


def test_an_event_shows_its_payload_only_when_opened(world):
    event = record_event(world.kp_investigator, after={"name_en": "Kosovo Police"})
    client = world.kp_auditor.client()
    listed = client.get("/api/v1/audit-events/", {"category": "write"}).json()["results"]
    assert "payload" not in listed[0]
    detail = client.get(f"/api/v1/audit-events/{event.seq}/").json()
    assert detail["payload"] == {"after": {"name_en": "Kosovo Police"}}
    assert detail["payload_shredded"] is False
    assert "actor_id" not in detail and "membership_id" not in detail


def test_searching_and_opening_the_trail_is_audited(world):
    event = record_event(world.kp_investigator)
    client = world.kp_auditor.client()
    client.get("/api/v1/audit-events/", {"event_type": "reference"})
    client.get(f"/api/v1/audit-events/{event.seq}/")
    searches = list(AuditEvent.objects.filter(event_type="audit.searched").order_by("seq"))
    assert [s.source for s in searches] == ["api", "api"]
    assert payload_for(searches[0])["extra"]["filters"] == {"event_type": "reference"}
    assert payload_for(searches[1])["extra"]["event"] == event.seq


def test_the_dpo_sees_only_the_consultation_log(world):
    write = record_event(world.kp_investigator)
    consultation = record_event(world.kp_investigator, event="record.consulted", target=world.kp_investigator.membership,
                                purpose="check")
    seqs = {e["seq"] for e in world.kp_dpo.client().get("/api/v1/audit-events/").json()["results"]}
    assert consultation.seq in seqs and write.seq not in seqs


def test_the_external_inspector_sees_every_institution(world):
    event = record_event(world.customs)
    assert world.inspector.client().get(f"/api/v1/audit-events/{event.seq}/").status_code == 200


def test_a_bad_audit_filter_is_a_field_error(world):
    error = assert_error(world.kp_auditor.client().get("/api/v1/audit-events/", {"after": "last tuesday"}), 400, "invalid")
    assert list(error["fields"]) == ["after"]


def test_the_audit_trail_cannot_be_written_through_the_api(world):
    client = world.kp_auditor.client()
    event = record_event(world.kp_investigator)
    assert_error(client.post("/api/v1/audit-events/", {}, content_type="application/json"), 405, "method_not_allowed")
    for method in (client.patch, client.put, client.delete):
        assert_error(method(f"/api/v1/audit-events/{event.seq}/", {}, content_type="application/json"), 405)


# --- markings -------------------------------------------------------------------------------------------


class TestMarkingApi(ApiContract):
    viewset = MarkingViewSet
    list_url = "/api/v1/markings/"
    viewer = "kp_officer"
    no_outsider = "the marking catalogue is the same for every institution"
    has_detail = False
    list_max_queries = 4

    def make_record(self, world, owner, **options):
        return "classifications:1"  # static: the "record" is one entry of the catalogue

    def record_key(self, record):
        return record

    def listing(self, client):
        response = client.get(self.list_url)
        assert response.status_code == 200
        body = response.json()
        keys = {f"{scheme}:{item['value']}" for scheme, items in body.items() for item in items}
        return len(keys), keys


def test_markings_say_which_levels_the_clearance_reaches(world):
    body = world.kp_officer.client().get("/api/v1/markings/").json()  # cleared for RESTRICTED
    reach = {c["value"]: c["within_clearance"] for c in body["classifications"]}
    assert reach == {0: True, 1: True, 2: False, 3: False, 4: False}
    assert [t["value"] for t in body["tlp"]] == ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
    assert {h["value"] for h in body["handling_codes"]} == {"H0", "H1", "H2", "H3"}
    assert [p["value"] for p in body["pap"]] == ["CLEAR", "GREEN", "AMBER", "RED"]


def test_markings_labels_follow_the_language(world):
    body = world.kp_officer.client().get("/api/v1/markings/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["classifications"][Classification.SECRET]["label"] == "Secret"


# --- reference data -------------------------------------------------------------------------------------


def _district():
    return District.objects.get_or_create(code="TEST-D", defaults={"name_sq": "D", "name_sr": "D", "name_en": "D"})[0]


def _region():
    return PoliceRegion.objects.get_or_create(code="TEST-R", defaults={"name_sq": "R", "name_sr": "R", "name_en": "R"})[0]


def _municipality(**extra):
    n = next(serial)
    fields = {"code": f"TM{n}", "name_sq": f"Komuna {n}", "name_sr": f"Opština {n}", "name_en": f"Municipality {n}",
              "name_en_dual": f"Komuna {n}/Opština {n}", "district": _district(), "police_region": _region(), **extra}
    return Municipality.objects.create(**fields)


class CodeKeyed(ApiContract):
    viewer = "kp_officer"
    no_outsider = "reference data every signed-in actor reads"
    list_max_queries = 6

    def record_key(self, record):
        return record.code

    def item_key(self, item):
        return item["code"]

    def missing_detail_url(self):
        return f"{self.list_url}NO-SUCH-CODE/"


class TestMunicipalityApi(CodeKeyed):
    viewset = MunicipalityViewSet
    list_url = "/api/v1/municipalities/"

    def make_record(self, world, owner, **options):
        return _municipality()


class TestCrossingPointApi(CodeKeyed):
    viewset = CrossingPointViewSet
    list_url = "/api/v1/crossing-points/"

    def make_record(self, world, owner, **options):
        n = next(serial)
        return CrossingPoint.objects.create(code=f"TCP{n}", name_sq=f"Pika {n}", name_sr=f"Prelaz {n}", name_en=f"Point {n}",
                                            kind="crossing_point", municipality=_municipality(), traffic=["passengers"])


class TestCountryApi(CodeKeyed):
    viewset = CountryViewSet
    list_url = "/api/v1/countries/"

    def make_record(self, world, owner, **options):
        n = next(serial)
        return Country.objects.create(code=f"Q{n}", name_sq=f"Vend {n}", name_sr=f"Zemlja {n}", name_en=f"Country {n}")


class TestLegalActApi(ApiContract):
    viewset = LegalActViewSet
    list_url = "/api/v1/legal-acts/"
    viewer = "kp_officer"
    no_outsider = "reference data every signed-in actor reads"
    has_detail = False
    list_max_queries = 6

    def make_record(self, world, owner, **options):
        n = next(serial)
        return LegalAct.objects.create(number=f"99/L-{n:03d}", kind="law", title_sq=f"Ligji {n}", title_sr=f"Zakon {n}",
                                       title_en=f"Law {n}")

    def record_key(self, record):
        return record.number

    def item_key(self, item):
        return item["number"]


class TestOffenceApi(ApiContract):
    viewset = OffenceViewSet
    list_url = "/api/v1/offences/"
    viewer = "kp_officer"
    no_outsider = "reference data every signed-in actor reads"
    has_detail = False
    list_max_queries = 6

    def make_record(self, world, owner, **options):
        act = TestLegalActApi().make_record(world, owner)
        return Offence.objects.create(act=act, article=str(next(serial)), title_sq="V", title_sr="K", title_en="O")

    def record_key(self, record):
        return f"{record.act.number}:{record.article}:{record.paragraph}"

    def item_key(self, item):
        return f"{item['act']}:{item['article']}:{item['paragraph']}"


def test_inactive_reference_rows_are_left_out_unless_asked_for(world):
    closed = _municipality(active=False)
    client = world.kp_officer.client()

    def codes(**params):
        results = client.get("/api/v1/municipalities/", {"page_size": 200, **params}).json()["results"]
        return {m["code"] for m in results}

    assert closed.code not in codes()
    assert closed.code in codes(include_inactive="true")


def test_reference_lists_filter_by_query_parameters(world):
    district = _district()
    _municipality()
    body = world.kp_officer.client().get("/api/v1/municipalities/", {"district": district.code}).json()
    assert body["count"] >= 1 and all(m["district"]["code"] == district.code for m in body["results"])


def test_legal_acts_in_force_on_a_date(world):
    import datetime as dt

    old = LegalAct.objects.create(number="98/L-001", kind="law", title_sq="A", title_sr="A", title_en="A",
                                  valid_from=dt.date(2000, 1, 1), valid_to=dt.date(2010, 1, 1))
    client = world.kp_officer.client()

    def numbers(day):
        results = client.get("/api/v1/legal-acts/", {"in_force_on": day, "page_size": 200}).json()["results"]
        return {a["number"] for a in results}

    assert old.number in numbers("2005-06-01")
    assert old.number not in numbers("2020-06-01")
    assert "in_force_on" in assert_error(client.get("/api/v1/legal-acts/", {"in_force_on": "2020-13-45"}), 400)["fields"]


def test_xk_carries_its_footnote(world):
    Country.objects.update_or_create(code="XK", defaults={"name_sq": "Kosova", "name_sr": "Kosovo", "name_en": "Kosovo",
                                                          "user_assigned": True})
    body = world.kp_officer.client().get("/api/v1/countries/XK/").json()
    assert body["footnote"]


@pytest.mark.parametrize("url", ["/api/v1/municipalities/", "/api/v1/countries/", "/api/v1/legal-acts/", "/api/v1/offences/"])
def test_reference_data_is_read_only(world, url):
    assert_error(world.kp_admin.client().post(url, {}, content_type="application/json"), 405, "method_not_allowed")
