"""Reference data pages (issue #2 point 6): municipalities (English toponym per setting), crossing points,
countries (former ones, XK's footnote), legal acts and offences (validity, "to be verified"), filterable;
edit forms for holders of ``reference.edit`` through the audited ``reference_update``."""

from __future__ import annotations

import datetime as dt

import pytest

from kssp.core.models import AuditEvent
from kssp.core.models.reference import (
    BorderDirectorate,
    Country,
    CrossingPoint,
    District,
    LegalAct,
    Municipality,
    Offence,
    PoliceRegion,
)

pytestmark = pytest.mark.django_db


def names(model, **kw):
    return {"name_sq": kw.pop("sq"), "name_sr": kw.pop("sr"), "name_en": kw.pop("en"), **kw}


@pytest.fixture
def ref(db):
    """A small set of rows of our own (codes the seed does not use), so the tests do not hang on the seed."""
    d1 = District.objects.create(code="T-D1", **names(District, sq="Distrikti Test", sr="Okrug Test", en="Test District"))
    d2 = District.objects.create(code="T-D2", **names(District, sq="Distrikti Dy", sr="Okrug Dva", en="Second District"))
    region = PoliceRegion.objects.create(code="T-R1", **names(PoliceRegion, sq="DRP Test", sr="RUP Test", en="Test Region"))
    directorate = BorderDirectorate.objects.create(
        code="T-B1", **names(BorderDirectorate, sq="DRPK Test", sr="RUGP Test", en="Test BP Directorate")
    )
    m1 = Municipality.objects.create(
        code="T-M1", district=d1, police_region=region, name_en_dual="Qytetë/Gradište", official_languages=["sq", "sr"],
        **names(Municipality, sq="Qytetë", sr="Gradište", en="Qyteta"),
    )
    m2 = Municipality.objects.create(
        code="T-M2", district=d2, police_region=region, name_en_dual="Fshat/Selo",
        **names(Municipality, sq="Fshat", sr="Selo", en="Fshati"),
    )
    neighbour = Country.objects.create(code="QZ", **names(Country, sq="Vendi Q", sr="Zemlja Q", en="Country Q"))
    former = Country.objects.create(
        code="QZXX", is_former=True, valid_from=dt.date(1945, 11, 29), valid_to=dt.date(2003, 2, 3),
        **names(Country, sq="Ish-vendi", sr="Bivša zemlja", en="Former Country Q"),
    )
    point = CrossingPoint.objects.create(
        code="T-CP1", kind=CrossingPoint.Kind.ONE_STOP, traffic=["passengers", "cargo"], hours="00–24", seasonal=True,
        directorate=directorate, municipality=m1, neighbour=neighbour, other_side_name="Granica Druga",
        **names(CrossingPoint, sq="Pika Test", sr="Prelaz Test", en="Test crossing"),
    )
    old_act = LegalAct.objects.create(
        number="98/L-001", kind=LegalAct.Kind.LAW, title_sq="Ligji i vjetër", title_sr="Stari zakon", title_en="Old law",
        valid_to=dt.date(2015, 9, 2), needs_verification=True,
    )
    act = LegalAct.objects.create(
        number="99/L-002", kind=LegalAct.Kind.CODE, title_sq="Kodi i ri", title_sr="Novi zakonik", title_en="New code",
        valid_from=dt.date(2015, 9, 3),
    )
    offence = Offence.objects.create(
        act=act, article="374", title_sq="Armëmbajtje", title_sr="Držanje oružja", title_en="Weapons possession",
        valid_from=dt.date(2019, 4, 14),
    )
    offence_para = Offence.objects.create(
        act=act, article="375", paragraph="2", title_sq="Trafikim", title_sr="Trgovina", title_en="Trafficking",
        needs_verification=True,
    )
    return {"d1": d1, "d2": d2, "m1": m1, "m2": m2, "point": point, "neighbour": neighbour, "former": former,
            "old_act": old_act, "act": act, "offence": offence, "offence_para": offence_para}


def rows(response) -> list:
    return list(response.context["table"]["page_obj"].object_list)


def english(client):
    client.cookies["kssp_language"] = "en"
    return client


# --- lists ---------------------------------------------------------------------------------------


def test_every_signed_in_user_reads_reference_data_and_anonymous_is_sent_to_sign_in(world, ref, client):
    for url in ("/reference/", "/reference/municipalities/", "/reference/crossing-points/", "/reference/countries/",
                "/reference/legal-acts/", "/reference/offences/"):
        assert world.kp_officer.client().get(url).status_code == 200, url
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_municipalities_show_district_and_police_region_and_filter_by_district(world, ref):
    client = english(world.kp_officer.client())
    response = client.get("/reference/municipalities/", {"district": "T-D1"})
    assert [m.code for m in rows(response)] == ["T-M1"]
    html = response.content.decode()
    assert "Test District" in html and "Test Region" in html and "Gradište" in html


def test_english_toponym_is_institutional_by_default(world, ref, settings):
    settings.KSSP = {**settings.KSSP, "EN_TOPONYMS": "institutional"}
    html = english(world.kp_officer.client()).get("/reference/municipalities/", {"q": "T-M1"}).content.decode()
    assert "Qyteta" in html and "Qytetë/Gradište" not in html


def test_english_toponym_is_dual_when_the_setting_says_so(world, ref, settings):
    settings.KSSP = {**settings.KSSP, "EN_TOPONYMS": "dual"}
    response = english(world.kp_officer.client()).get("/reference/municipalities/", {"q": "T-M1"})
    assert "Qytetë/Gradište" in response.content.decode()
    assert response.context["dual_profile"] is True


def test_crossing_points_show_type_traffic_hours_directorate_and_both_sides(world, ref):
    response = english(world.kp_officer.client()).get("/reference/crossing-points/", {"kind": "one_stop", "q": "T-CP1"})
    assert [p.code for p in rows(response)] == ["T-CP1"]
    html = response.content.decode()
    for text in ("One-stop joint control", "Passengers, Cargo", "00–24", "seasonal", "Test BP Directorate",
                 "Pika Test", "Prelaz Test", "Granica Druga", "Country Q"):
        assert text in html, text


def test_countries_include_former_ones_and_the_xk_footnote(world, ref, settings):
    settings.KSSP = {**settings.KSSP, "XK_FOOTNOTE": "Footnote under UNSCR 1244/1999 (test)."}
    client = english(world.kp_officer.client())
    response = client.get("/reference/countries/", {"q": "QZ"})
    assert {c.code for c in rows(response)} == {"QZ", "QZXX"}
    html = response.content.decode()
    assert "former country" in html and "29.11.1945" in html
    assert "Footnote under UNSCR 1244/1999 (test)." in html
    response = client.get("/reference/countries/", {"q": "QZ", "include_former": "false"})
    assert [c.code for c in rows(response)] == ["QZ"]


def test_legal_acts_show_validity_and_the_to_be_verified_flag_and_filter_by_date(world, ref):
    client = english(world.kp_officer.client())
    response = client.get("/reference/legal-acts/", {"q": "L-00"})
    html = response.content.decode()
    assert {a.number for a in rows(response)} == {"98/L-001", "99/L-002"}
    assert "to be verified" in html and "02.09.2015" in html
    response = client.get("/reference/legal-acts/", {"q": "L-00", "in_force_on": "2010-01-01"})
    assert [a.number for a in rows(response)] == ["98/L-001"]
    response = client.get("/reference/legal-acts/", {"q": "L-00", "in_force_on": "2020-01-01"})
    assert [a.number for a in rows(response)] == ["99/L-002"]


def test_offences_filter_by_act_and_date(world, ref):
    client = english(world.kp_officer.client())
    response = client.get("/reference/offences/", {"act": "99/L-002"})
    assert {(o.article, o.paragraph) for o in rows(response)} == {("374", ""), ("375", "2")}
    response = client.get("/reference/offences/", {"act": "99/L-002", "in_force_on": "2018-01-01"})
    assert [(o.article, o.paragraph) for o in rows(response)] == [("375", "2")]


@pytest.mark.parametrize(
    ("url", "params"),
    [("/reference/legal-acts/", {"in_force_on": "not-a-date"}), ("/reference/offences/", {"in_force_on": "2025-02-30"}),
     ("/reference/crossing-points/", {"kind": "submarine"}), ("/reference/countries/", {"page": "x", "valid_on": "yesterday"})],
)
def test_bad_filters_never_cause_a_500(world, ref, url, params):
    response = world.kp_officer.client().get(url, params)
    assert response.status_code in {200, 400}
    if response.status_code == 400:
        assert response.context["table"]["filterset"].form.errors
        assert rows(response) == []


def test_inactive_rows_are_shown_only_when_asked(world, ref):
    Municipality.objects.filter(code="T-M2").update(active=False)
    client = world.kp_officer.client()
    assert [m.code for m in rows(client.get("/reference/municipalities/", {"q": "T-M"}))] == ["T-M1"]
    response = client.get("/reference/municipalities/", {"q": "T-M", "include_inactive": "true"})
    assert [m.code for m in rows(response)] == ["T-M1", "T-M2"]


def test_htmx_refresh_answers_only_the_results(world, ref):
    response = world.kp_officer.client().get("/reference/municipalities/", {"q": "T-M"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode() and "T-M1" in response.content.decode()


def test_edit_links_are_shown_only_to_reference_editors(world, ref):
    assert world.kp_officer.client().get("/reference/municipalities/").context["table"]["can_edit"] is False
    response = world.kp_admin.client().get("/reference/municipalities/", {"q": "T-M1"})
    assert response.context["table"]["can_edit"] is True
    assert "/reference/municipalities/T-M1/edit/" in response.content.decode()


# --- edits ---------------------------------------------------------------------------------------


def municipality_form(m: Municipality, **changes) -> dict:
    data = {
        "name_sq": m.name_sq, "name_sr": m.name_sr, "name_en": m.name_en, "name_en_dual": m.name_en_dual,
        "district": m.district_id, "police_region": m.police_region_id, "majority_community": m.majority_community,
        "official_languages": m.official_languages, "active": "on" if m.active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_administrator_edits_a_municipality_through_the_audited_service(world, ref):
    m1 = ref["m1"]
    response = world.kp_admin.client().post("/reference/municipalities/T-M1/edit/",
                                            municipality_form(m1, name_en="Qyteti", district=ref["d2"].pk))
    assert response.status_code == 302
    m1.refresh_from_db()
    assert (m1.name_en, m1.district_id) == ("Qyteti", ref["d2"].pk)
    event = AuditEvent.objects.get(event_type="reference.updated")
    assert event.actor_id == world.kp_admin.user.pk
    assert event.payload["before"] == {"district_id": ref["d1"].pk, "name_en": "Qyteta"}
    assert event.payload["after"] == {"district_id": ref["d2"].pk, "name_en": "Qyteti"}


def test_saving_an_unchanged_form_writes_nothing(world, ref):
    response = world.kp_admin.client().post("/reference/municipalities/T-M1/edit/", municipality_form(ref["m1"]))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(event_type="reference.updated").exists()


def test_edit_with_an_empty_required_name_is_a_field_error_and_changes_nothing(world, ref):
    response = world.kp_admin.client().post("/reference/municipalities/T-M1/edit/", municipality_form(ref["m1"], name_sq=""))
    assert response.status_code == 400
    assert "name_sq" in response.context["form"].errors
    ref["m1"].refresh_from_db()
    assert ref["m1"].name_sq == "Qytetë"
    assert not AuditEvent.objects.filter(event_type="reference.updated").exists()


def test_edit_with_an_unknown_choice_is_a_field_error(world, ref):
    response = world.kp_admin.client().post("/reference/crossing-points/T-CP1/edit/", {
        "name_sq": "Pika Test", "name_sr": "Prelaz Test", "name_en": "Test crossing", "kind": "tunnel",
        "traffic": ["passengers", "hovercraft"], "municipality": ref["m1"].pk,
    })
    assert response.status_code == 400
    assert {"kind", "traffic"} <= set(response.context["form"].errors)


def test_crossing_point_traffic_is_edited_as_choices(world, ref):
    point = ref["point"]
    response = world.kp_admin.client().post("/reference/crossing-points/T-CP1/edit/", {
        "name_sq": point.name_sq, "name_sr": point.name_sr, "name_en": point.name_en, "kind": point.kind,
        "traffic": ["passengers", "rail"], "customs_presence": "on", "hours": "06–22", "directorate": point.directorate_id,
        "municipality": point.municipality_id, "neighbour": point.neighbour_id, "other_side_name": point.other_side_name,
        "active": "on",
    })
    assert response.status_code == 302
    point.refresh_from_db()
    assert (point.traffic, point.hours, point.seasonal) == (["passengers", "rail"], "06–22", False)


def test_legal_act_and_offence_are_edited_by_their_natural_keys(world, ref):
    client = world.kp_admin.client()
    act = ref["act"]
    assert client.get("/reference/legal-acts/99/L-002/edit/").status_code == 200
    response = client.post("/reference/legal-acts/99/L-002/edit/", {
        "kind": act.kind, "title_sq": act.title_sq, "title_sr": act.title_sr, "title_en": act.title_en,
        "valid_from": "2015-09-03", "needs_verification": "on",
    })
    assert response.status_code == 302
    act.refresh_from_db()
    assert act.needs_verification is True

    offence = ref["offence_para"]
    assert client.get("/reference/legal-acts/99/L-002/articles/375/2/edit/").status_code == 200
    response = client.post("/reference/legal-acts/99/L-002/articles/375/2/edit/", {
        "title_sq": offence.title_sq, "title_sr": offence.title_sr, "title_en": "Trafficking in weapons",
        "valid_from": "2019-04-14",
    })
    assert response.status_code == 302
    offence.refresh_from_db()
    assert (offence.title_en, offence.valid_from) == ("Trafficking in weapons", dt.date(2019, 4, 14))
    assert offence.needs_verification is False
    assert client.get("/reference/legal-acts/99/L-002/articles/374/edit/").status_code == 200


def test_legal_act_cannot_be_replaced_by_itself_in_the_form(world, ref):
    response = world.kp_admin.client().get("/reference/legal-acts/99/L-002/edit/")
    assert ref["act"] not in response.context["form"].fields["replaced_by"].queryset


def test_country_edit_with_a_bad_date_is_a_field_error(world, ref):
    response = world.kp_admin.client().post("/reference/countries/QZXX/edit/", {
        "name_sq": "Ish-vendi", "name_sr": "Bivša zemlja", "name_en": "Former Country Q", "is_former": "on",
        "valid_from": "1945-11-31", "active": "on",
    })
    assert response.status_code == 400
    assert "valid_from" in response.context["form"].errors


def test_edit_without_reference_edit_is_forbidden_and_unknown_rows_are_404(world, ref):
    officer = world.kp_officer.client()
    assert officer.get("/reference/municipalities/T-M1/edit/").status_code == 403
    assert officer.post("/reference/municipalities/T-M1/edit/", municipality_form(ref["m1"], name_en="Hacked")).status_code == 403
    ref["m1"].refresh_from_db()
    assert ref["m1"].name_en == "Qyteta"
    admin = world.kp_admin.client()
    assert admin.get("/reference/municipalities/NOPE/edit/").status_code == 404
    assert admin.get("/reference/legal-acts/00/L-000/edit/").status_code == 404
    assert admin.get("/reference/legal-acts/99/L-002/articles/999/edit/").status_code == 404


def test_first_visit_without_filters_shows_active_rows_only(world, ref):
    Municipality.objects.filter(code="T-M2").update(active=False)
    codes = {m.code for m in rows(world.kp_officer.client().get("/reference/municipalities/"))}
    assert "T-M1" in codes and "T-M2" not in codes
