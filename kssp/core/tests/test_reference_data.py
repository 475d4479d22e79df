"""Reference data of issue #2 point 6: the seeded rows, the loader's rules, the selectors and the
audited edits of administrators."""

from __future__ import annotations

import datetime as dt
import gettext
import importlib
import re
import shutil

import polib
import pycountry
import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.utils import translation

from kssp.core import reference_data
from kssp.core.audit import payload_for
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.markings import Classification
from kssp.core.models import (
    AuditEvent,
    BorderDirectorate,
    Country,
    CrossingPoint,
    District,
    LegalAct,
    Municipality,
    Offence,
    PoliceRegion,
)
from kssp.core.policy import Actor
from kssp.core.reference_data import DATA_DIR, ReferenceDataError, cyrillic_to_latin, load_all
from kssp.core.selectors_reference import (
    country_list,
    crossing_point_list,
    legal_act_list,
    municipality_list,
    offence_list,
)
from kssp.core.services.reference import reference_create, reference_update

REFERENCE_MODELS = (District, PoliceRegion, BorderDirectorate, Municipality, CrossingPoint, Country, LegalAct, Offence)


def _row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in REFERENCE_MODELS}


def _actor(username: str, permissions: frozenset[str]) -> Actor:
    user = get_user_model().objects.create(username=username)
    return Actor(user=user, label="t", membership_id=1, institution_id=None, permissions=permissions)


@pytest.fixture
def editor(db) -> Actor:
    return _actor("reference-editor", frozenset({"reference.edit"}))


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of the seed files, for feeding the loader bad rows."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def _rewrite(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- municipalities, districts, police regions -------------------------------------------------------


@pytest.mark.django_db
def test_the_38_municipalities_have_all_their_names():
    municipalities = list(Municipality.objects.all())
    assert len(municipalities) == 38
    for m in municipalities:
        assert m.name_sq and m.name_sr and m.name_en and m.name_en_dual, m.code
        assert "sq" in m.official_languages and "sr" in m.official_languages


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name_sq", "name_sr"),
    [
        ("Hani i Elezit", "Elez Han"),
        ("Kamenicë", "Kamenica"),
        ("Mitrovicë e Veriut", "Severna Mitrovica"),
        ("Mitrovicë e Jugut", "Južna Mitrovica"),
        ("Drenas", "Glogovac"),
        ("Fushë Kosovë", "Kosovo Polje"),
        ("Graçanicë", "Gračanica"),
        ("Ferizaj", "Uroševac"),
        ("Gjakovë", "Đakovica"),
    ],
)
def test_serbian_names_are_those_kosovo_institutions_use(name_sq, name_sr):
    assert Municipality.objects.get(name_sq=name_sq).name_sr == name_sr


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "name_en", "name_en_dual"),
    [
        ("PRISHTINE", "Prishtina", "Prishtinë/Priština"),
        ("PEJE", "Peja", "Pejë/Peć"),
        ("GJAKOVE", "Gjakova", "Gjakovë/Đakovica"),
        ("FERIZAJ", "Ferizaj", "Ferizaj/Uroševac"),
        ("MITROVICE-JUG", "Mitrovica South", "Mitrovicë e Jugut/Južna Mitrovica"),
    ],
)
def test_english_has_the_institutional_and_the_dual_form(code, name_en, name_en_dual):
    municipality = Municipality.objects.get(code=code)
    assert (municipality.name_en, municipality.name_en_dual) == (name_en, name_en_dual)
    assert municipality.name_in("en", en_profile="dual") == name_en_dual
    assert municipality.name_in("en", en_profile="institutional") == name_en


@pytest.mark.django_db
def test_no_name_uses_a_forbidden_designation_or_serbian_state_form():
    serbian = [m.name_sr for model in REFERENCE_MODELS[:-2] for m in model.objects.all()]
    serbian += [a.title_sr for a in LegalAct.objects.all()] + [o.title_sr for o in Offence.objects.all()]
    english = [m.name_en for model in REFERENCE_MODELS[:-2] for m in model.objects.all()]
    english += list(Municipality.objects.values_list("name_en_dual", flat=True))
    assert not [name for name in serbian if "Metohij" in name or re.search(r"\bKiM\b", name)]
    assert not [name for name in serbian if "Đeneral Janković" in name or "Kosovska Kamenica" in name]
    assert not [name for name in english if "Kosova" in name]


@pytest.mark.django_db
def test_majority_communities_and_turkish_where_it_is_official():
    majorities = list(Municipality.objects.values_list("majority_community", flat=True))
    assert (majorities.count("albanian"), majorities.count("serb"), majorities.count("turkish")) == (27, 10, 1)
    with_turkish = {m.code for m in Municipality.objects.all() if "tr" in m.official_languages}
    assert with_turkish == {"MAMUSHE", "PRIZREN"}
    assert Municipality.objects.get(code="MAMUSHE").majority_community == "turkish"


@pytest.mark.django_db
def test_districts_and_police_regions_are_separate_mappings():
    assert District.objects.count() == 7
    assert set(PoliceRegion.objects.values_list("code", flat=True)) == {
        "PRISHTINE",
        "MITROVICE-JUG",
        "MITROVICE-VERI",
        "PEJE",
        "GJAKOVE",
        "PRIZREN",
        "FERIZAJ",
        "GJILAN",
    }
    north = Municipality.objects.get(code="MITROVICE-VERI")
    assert (north.district.code, north.police_region.code) == ("MITROVICE", "MITROVICE-VERI")
    # The two regions confirmed by Kosovo Police sources (context.md §1.4).
    assert {m.name_sq for m in municipality_list(police_region="PRIZREN")} == {"Prizren", "Suharekë", "Dragash", "Mamushë"}
    assert {m.name_sq for m in municipality_list(police_region="FERIZAJ")} == {
        "Ferizaj",
        "Kaçanik",
        "Shtime",
        "Shtërpcë",
        "Hani i Elezit",
    }
    # Malishevë lies in the Prizren district but not in the Prizren police region.
    malisheve = Municipality.objects.get(code="MALISHEVE")
    assert malisheve.district.code == "PRIZREN" and malisheve.police_region.code != "PRIZREN"
    assert sum(municipality_list(district=d.code).count() for d in District.objects.all()) == 38


@pytest.mark.django_db
def test_serbian_cyrillic_is_derived_from_the_latin_name():
    gjakove = Municipality.objects.get(code="GJAKOVE")
    assert gjakove.name_sr_cyrl == "Ђаковица"
    assert gjakove.name_in("sr-cyrl") == "Ђаковица"
    assert Municipality.objects.get(code="GJILAN").name_sr_cyrl == "Гњилане"


# --- crossing points ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_crossing_points_with_their_type_traffic_and_both_sides():
    assert CrossingPoint.objects.count() == 19
    assert crossing_point_list().count() == 17  # Banjskë and Kotlovi–Kuqishte stay inactive until confirmed open
    assert set(crossing_point_list(kind="one_stop").values_list("code", flat=True)) == {"HANI-I-ELEZIT", "GLLOBOCICE-KACANIK"}
    hani = CrossingPoint.objects.get(code="HANI-I-ELEZIT")
    assert set(hani.traffic) == {"passengers", "cargo", "rail"}
    assert "2025-04-14" in hani.note and hani.other_side_name == "Blace" and hani.neighbour.code == "MK"
    common = crossing_point_list(kind="common_crossing_point")
    assert {c.name_sq for c in common} == {"Jarinjë", "Bërnjak", "Merdarë", "Mutivodë", "Dheu i Bardhë", "Muçibabë"}
    assert {c.neighbour.code for c in common} == {"RS"}
    dheu = CrossingPoint.objects.get(code="DHEU-I-BARDHE")
    assert (dheu.name_sr, dheu.other_side_name) == ("Bela Zemlja", "Končulj")
    assert {c.code for c in crossing_point_list(neighbour="AL")} == {
        "VERMICE",
        "QAFE-MORINE",
        "QAFE-PRUSH",
        "KRUSHEVE",
        "GLLOBOCICE-DRAGASH",
        "ORCUSH",
    }
    assert crossing_point_list(neighbour="ME").get().code == "KULLA"
    airport = CrossingPoint.objects.get(kind="airport")
    assert airport.neighbour is None and airport.directorate.code == "AIRPORT"
    assert "[V]" in airport.note
    assert set(BorderDirectorate.objects.values_list("code", flat=True)) == {"NORTH", "EAST", "SOUTH", "WEST", "AIRPORT"}


# --- countries ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_xk_is_present_as_a_user_assigned_code():
    xk = Country.objects.get(code="XK")
    assert xk.user_assigned and not xk.is_former
    assert (xk.name_sq, xk.name_sr, xk.name_en) == ("Kosova", "Kosovo", "Kosovo")
    assert "not an ISO 3166-1 code" in xk.note
    assert xk in country_list()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "alpha3", "valid_from", "valid_to"),
    [
        ("YUCS", "YUG", dt.date(1945, 11, 29), dt.date(2003, 2, 3)),
        ("CSXX", "SCG", dt.date(2003, 2, 4), dt.date(2006, 6, 5)),
        ("SUHH", "SUN", dt.date(1922, 12, 30), dt.date(1991, 12, 26)),
        ("CSHH", "CSK", dt.date(1918, 10, 28), dt.date(1992, 12, 31)),
        ("DDDE", "DDR", dt.date(1949, 10, 7), dt.date(1990, 10, 2)),
    ],
)
def test_former_countries_of_manufacture_have_date_ranges(code, alpha3, valid_from, valid_to):
    country = Country.objects.get(code=code)
    assert country.is_former and not country.user_assigned
    assert (country.alpha3, country.valid_from, country.valid_to) == (alpha3, valid_from, valid_to)
    assert country.name_sq and country.name_sr and country.name_en
    assert country not in country_list()
    assert country in country_list(include_former=True)


@pytest.mark.django_db
def test_country_list_on_a_date_holds_the_former_countries_of_that_date():
    in_1980 = set(country_list(include_former=True, on_date=dt.date(1980, 1, 1)).values_list("code", flat=True))
    assert {"YUCS", "SUHH", "CSHH", "DDDE"} <= in_1980 and "CSXX" not in in_1980
    in_2005 = set(country_list(include_former=True, on_date=dt.date(2005, 1, 1)).values_list("code", flat=True))
    assert "CSXX" in in_2005 and "YUCS" not in in_2005


@pytest.mark.django_db
def test_country_names_come_from_pycountry_catalogues():
    germany = Country.objects.get(code="DE")
    assert (germany.name_sq, germany.name_sr, germany.name_en) == ("Gjermani", "Nemačka", "Germany")
    assert (germany.alpha3, germany.numeric) == ("DEU", "276")
    sq = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["sq"])
    sr_latin = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["sr@latin"])
    for code in ("FR", "MK", "RS", "AL", "ME", "BA", "HR", "SI"):
        iso = pycountry.countries.get(alpha_2=code)
        country = Country.objects.get(code=code)
        assert (country.name_sq, country.name_sr) == (sq.gettext(iso.name), sr_latin.gettext(iso.name)), code
    assert Country.objects.count() == len(pycountry.countries) + 1 + 5  # + XK + the five former countries


@pytest.mark.django_db
def test_serbian_country_names_are_stored_in_latin_script():
    assert not [c.name_sr for c in Country.objects.all() if re.search("[\u0400-\u04ff]", c.name_sr)]
    assert Country.objects.get(code="TR").name_sr == "Turska"  # pycountry lacks it; countries_local.csv supplies it


def test_a_name_only_in_cyrillic_is_transliterated(monkeypatch):
    monkeypatch.setattr(reference_data, "_catalogue", lambda language: {"Germany": "Немачка"} if language == "sr" else {})
    names = reference_data._iso_names(pycountry.countries.get(alpha_2="DE"))
    assert names == {"name_sq": "Germany", "name_sr": "Nemačka", "name_en": "Germany"}


def test_cyrillic_to_latin_handles_digraph_letters():
    assert cyrillic_to_latin("Љубљана, Њујорк, Џибути") == "Ljubljana, Njujork, Džibuti"
    assert cyrillic_to_latin("ЉУБЉАНА") == "LJUBLJANA"


# --- legal acts and offences ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_legal_acts_valid_on_a_date():
    in_2014 = set(legal_act_list(on_date=dt.date(2014, 1, 1)).values_list("number", flat=True))
    assert {"03/L-143", "04/L-082", "04/L-123"} <= in_2014
    assert not {"05/L-022", "06/L-074", "08/L-032"} & in_2014
    in_2024 = set(legal_act_list(on_date=dt.date(2024, 1, 1)).values_list("number", flat=True))
    assert {"05/L-022", "06/L-074", "08/L-032", "08/L-173", "03/L-178", "06/L-082"} <= in_2024
    assert not {"03/L-143", "04/L-082", "04/L-123"} & in_2024


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), [("03/L-143", "05/L-022"), ("04/L-082", "06/L-074"), ("04/L-123", "08/L-032")])
def test_a_replaced_act_ends_the_day_before_its_successor(old, new):
    act = LegalAct.objects.get(number=old)
    assert act.replaced_by.number == new
    assert act.valid_to + dt.timedelta(days=1) == act.replaced_by.valid_from
    assert LegalAct.objects.get(number=new).needs_verification  # dates and article numbers marked [V]


@pytest.mark.django_db
def test_weapons_offences_follow_the_criminal_code_in_force():
    in_2014 = offence_list(on_date=dt.date(2014, 1, 1))
    assert [(o.act.number, o.article) for o in in_2014] == [("04/L-082", "374")]
    assert in_2014.get().valid_to == dt.date(2019, 4, 13)
    in_2024 = list(offence_list(on_date=dt.date(2024, 1, 1)))
    assert {o.act.number for o in in_2024} == {"06/L-074"} and len(in_2024) >= 2
    assert all(o.needs_verification for o in in_2024)
    assert offence_list(act="04/L-082").get().article == "374"


# --- the loader -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_again_changes_nothing():
    before = _row_counts()
    for _ in range(2):
        counts = load_all()
        assert all(c.created == 0 and c.updated == 0 for c in counts.values()), counts
        assert _row_counts() == before
    assert counts["municipalities"].unchanged == 38 and counts["countries"].total == before["Country"]


@pytest.mark.django_db
def test_loading_restores_a_changed_row_and_reports_the_change():
    Municipality.objects.filter(code="PEJE").update(name_en="Pec")
    changes = []
    counts = load_all(on_change=changes.append)
    assert counts["municipalities"].updated == 1
    assert [(c.table, c.status, c.before, c.after) for c in changes] == [
        ("municipalities", "updated", {"name_en": "Pec"}, {"name_en": "Peja"})
    ]
    assert Municipality.objects.get(code="PEJE").name_en == "Peja"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file", "old", "new", "line", "message"),
    [
        ("municipalities.csv", "Pejë/Peć,PEJE", "Pejë/Peć,NOWHERE", 26, "Unknown code “NOWHERE” in “district”"),
        ("municipalities.csv", "DRAGASH,Dragash,Dragaš", "DRAGASH,,Dragaš", 3, "“name_sq” is empty"),
        ("municipalities.csv", "albanian,sq;sr\nDRAGASH", "albanian,sq;xx\nDRAGASH", 2, "Unknown value(s) xx"),
        ("municipalities.csv", "GJILAN,Gjilan,Gnjilane", "DECAN,Gjilan,Gnjilane", 8, "“DECAN” appears twice"),
        ("districts.csv", "PEJE,Pejë,Peć,Peja", "PEJE,Pejë,Peć", 4, "The row has 3 fields; the header has 4"),
        ("districts.csv", "code,name_sq", "kod,name_sq", 1, "Missing column(s): code"),
        ("legal_acts.csv", ",2019-04-14,,,true", ",2019-14-04,,,true", 13, "“2019-14-04” in “valid_from” is not a date"),
        ("legal_acts.csv", "2013-01-01,2019-04-13", "2019-04-13,2013-01-01", 9, "“valid_from” is after “valid_to”"),
        ("crossing_points.csv", "passengers;cargo;rail,true", "passengers;cargo;rail,maybe", 9, "“maybe” in “customs_presence”"),
        ("crossing_points.csv", "JARINJE,common_crossing_point", "JARINJE,bridge", 2, "kind:"),
        ("offences.csv", "06/L-074,367", "06/L-999,367", 4, "Unknown code “06/L-999” in “act”"),
        ("former_countries.csv", "1922-12-30,1991-12-26", "1922-12-30,", 4, "A former country needs “valid_to”"),
    ],
)
def test_a_bad_row_is_refused_naming_the_file_and_the_line(data_copy, file, old, new, line, message):
    _rewrite(data_copy / file, old, new)
    with pytest.raises(ReferenceDataError) as excinfo:
        load_all(data_dir=data_copy)
    assert excinfo.value.source == file and excinfo.value.line == line
    assert f"{file}, line {line}:" in str(excinfo.value) and message in str(excinfo.value)


@pytest.mark.django_db
def test_a_bad_row_late_in_the_load_changes_nothing(data_copy):
    _rewrite(data_copy / "districts.csv", "PEJE,Pejë,Peć,Peja", "PEJE,Pejë,Peć,Pec")
    _rewrite(data_copy / "offences.csv", "2019-04-14,,true", "2019-04-14,never,true")
    before = _row_counts()
    with pytest.raises(ReferenceDataError, match=r"offences\.csv, line 3"):
        load_all(data_dir=data_copy)
    assert District.objects.get(code="PEJE").name_en == "Peja"
    assert _row_counts() == before


@pytest.mark.django_db
def test_a_cycle_of_replacements_is_refused(data_copy):
    _rewrite(data_copy / "legal_acts.csv", "2015-09-03,,,true", "2015-09-03,2016-01-01,03/L-143,true")
    LegalAct.objects.all().update(replaced_by=None)
    Offence.objects.all().delete()
    LegalAct.objects.filter(number__in=["03/L-143", "05/L-022"]).delete()
    with pytest.raises(ReferenceDataError, match="forms a cycle"):
        load_all(data_dir=data_copy)


# --- administrators' edits -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_update_is_validated_saved_and_audited(editor):
    municipality = Municipality.objects.get(code="PEJE")
    updated = reference_update(actor=editor, obj=municipality, name_en="Peja (Pejë)", majority_community="albanian")
    assert Municipality.objects.get(code="PEJE").name_en == "Peja (Pejë)"
    event = AuditEvent.objects.get(event_type="reference.updated", target_id=str(updated.pk))
    assert event.target_type == "core.municipality" and event.actor_id == editor.user_id
    assert payload_for(event) == {"before": {"name_en": "Peja"}, "after": {"name_en": "Peja (Pejë)"}}


@pytest.mark.django_db
def test_an_update_that_changes_nothing_writes_no_event(editor):
    reference_update(actor=editor, obj=District.objects.get(code="PEJE"), name_en="Peja")
    assert not AuditEvent.objects.filter(event_type="reference.updated").exists()


@pytest.mark.django_db
def test_an_actor_without_the_permission_is_refused():
    reader = _actor("reference-reader", frozenset({"directory.view"}))
    with pytest.raises(PermissionDenied):
        reference_update(actor=reader, obj=Municipality.objects.get(code="PEJE"), name_en="Pec")
    with pytest.raises(PermissionDenied):
        reference_create(actor=reader, model=District, code="X", name_sq="X", name_sr="X", name_en="X")
    assert Municipality.objects.get(code="PEJE").name_en == "Peja"
    assert not AuditEvent.objects.filter(event_type__startswith="reference.").exists()


@pytest.mark.django_db
def test_validation_errors_come_back_as_field_errors(editor):
    with pytest.raises(ApplicationError) as excinfo:
        reference_update(actor=editor, obj=CrossingPoint.objects.get(code="MERDARE"), name_sq="", kind="bridge")
    assert set(excinfo.value.fields) == {"name_sq", "kind"}
    with pytest.raises(ApplicationError) as excinfo:
        reference_create(actor=editor, model=District, code="PEJE", name_sq="Pejë", name_sr="Peć", name_en="Peja")
    assert set(excinfo.value.fields) == {"code"}
    with pytest.raises(ApplicationError) as excinfo:
        reference_update(actor=editor, obj=District.objects.get(code="PEJE"), code="PEJA", colour="red")
    assert set(excinfo.value.fields) == {"code", "colour"}
    assert CrossingPoint.objects.get(code="MERDARE").name_sq == "Merdarë"


@pytest.mark.django_db
def test_a_new_row_is_audited(editor):
    act = LegalAct.objects.get(number="06/L-074")
    offence = reference_create(
        actor=editor,
        model=Offence,
        act=act,
        article="365",
        title_sq="Provë",
        title_sr="Proba",
        title_en="Test",
        valid_from=dt.date(2019, 4, 14),
        needs_verification=True,
    )
    event = AuditEvent.objects.get(event_type="reference.created", target_id=str(offence.pk))
    after = payload_for(event)["after"]
    assert after["act_id"] == act.pk and after["article"] == "365" and after["valid_from"] == "2019-04-14"
    assert offence in offence_list(on_date=dt.date(2024, 1, 1))


@pytest.mark.django_db
def test_reference_update_refuses_an_end_before_the_start(django_user_model):
    import datetime as _dt

    from kssp.core.exceptions import ApplicationError as _AppError
    from kssp.core.models import LegalAct as _LegalAct
    from kssp.core.policy import Actor as _Actor
    from kssp.core.services.reference import reference_update as _update

    user = django_user_model.objects.create(username="ref-editor")
    actor = _Actor(user=user, label="t", membership_id=1, institution_id=None, permissions=frozenset({"reference.edit"}))
    act = _LegalAct.objects.get(number="05/L-022")
    with pytest.raises(_AppError) as info:
        _update(actor=actor, obj=act, valid_from=_dt.date(2020, 1, 1), valid_to=_dt.date(2019, 1, 1))
    assert "valid_to" in info.value.fields


# --- issue #7 point 1: reference data and wording corrected ---------------------------------------------------

LOCALE = DATA_DIR.parents[2] / "locale"


def _catalogue(language: str) -> dict[str, str]:
    return {e.msgid: e.msgstr for e in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))}


def _all_msgstr(language: str) -> list[str]:
    return [
        text
        for e in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
        for text in (e.msgstr, *e.msgstr_plural.values())
        if text
    ]


def _accounts(model: str):
    return django_apps.get_model("accounts", model)


@pytest.mark.django_db
def test_the_intelligence_agency_has_its_albanian_name():
    aki = _accounts("Institution").objects.get(code="AKI")
    assert aki.name_sq == "Agjencia e Kosovës për Inteligjencë"
    assert _accounts("Unit").objects.get(institution=aki, code="HQ").name_sq == "Agjencia e Kosovës për Inteligjencë"
    assert LegalAct.objects.get(number="03/L-063").title_sq == "Ligji për Agjencinë e Kosovës për Inteligjencë"
    assert not [text for text in _all_msgstr("sq") if "Agjencia Kosovare e Inteligjencës" in text]


@pytest.mark.django_db
def test_kosovo_police_structures_in_serbian_are_direkcija_with_sediste():
    units = {u.code: u for u in _accounts("Unit").objects.filter(institution__code="KP")}
    assert units["HQ"].name_sr == "Policija Kosova" and _accounts("Unit").objects.filter(code="HQ", name_sr="Sedište").count() == 0
    assert units["DPP"].name_sr == "Generalna direkcija policije"
    assert units["DRP-PR"].name_sr == "Regionalna direkcija policije Priština"
    assert units["DRP-MJ"].name_sr == "Regionalna direkcija policije Mitrovica Jug"
    assert units["DRP-MV"].name_sr == "Regionalna direkcija policije Mitrovica Sever"
    assert units["PK-VERI"].name_sr == "Regionalna direkcija granične policije – Sever"
    assert not [u.code for u in units.values() if "uprava" in u.name_sr.lower()]
    assert units["PKK-MERDARE"].name_sq == "PKK Merdarë"
    assert _catalogue("sr_Latn")["Headquarters"] == "Sedište"
    assert not [text for text in _all_msgstr("sr_Latn") if "Glavni štab" in text or "uprava policije" in text]


@pytest.mark.django_db
def test_roles_are_instruktor_and_forenzicar_and_qkmk_keeps_its_name():
    roles = {r.code: r for r in _accounts("Role").objects.all()}
    assert roles["trainer"].name_sr == "Instruktor"
    assert roles["forensic_examiner"].name_sr == "Forenzičar"
    assert roles["qkmk_risk_analyst"].name_sr == "Analitičar rizika (QKMK)"
    names = [r.name_sr for r in roles.values()] + _all_msgstr("sr_Latn")
    assert not [n for n in names if "Trener" in n or "Forenzički veštak" in n or "NCUG" in n]


def test_albanian_wording_actor_prosecution_office_ministry():
    sq = _catalogue("sq")
    assert (sq["Actor"], sq["Prosecution office"], sq["Ministry"]) == ("Përdoruesi", "Prokuroria", "Ministria")
    assert not [text for text in _all_msgstr("sq") if re.search(r"\bkryes(i|it)\b", text, re.IGNORECASE)]
    assert _catalogue("sr_Latn")["Actor"] == "Korisnik"


def test_serbian_wording_status_and_reach():
    sr = _catalogue("sr_Latn")
    assert sr["Bulletin status changed"] == "Status biltena promenjen"
    assert sr["Department"] == "Odeljenje"
    assert not [text for text in _all_msgstr("sr_Latn") if "Vašem domenu" in text or "Stanje biltena" in text]


@pytest.mark.django_db
def test_one_name_for_the_firearms_focal_point():
    ffp = _accounts("Unit").objects.get(institution__code="KP", code="FFP")
    sq, sr = _catalogue("sq")["Firearms Focal Point"], _catalogue("sr_Latn")["Firearms Focal Point"]
    assert (
        (ffp.name_sq, ffp.name_sr, ffp.name_en)
        == (sq, sr, "Firearms Focal Point")
        == (
            "Pika Fokale për Armë Zjarri",
            "Kontaktna tačka za vatreno oružje",
            "Firearms Focal Point",
        )
    )
    role = _accounts("Role").objects.get(code="ffp_officer")
    assert role.name_sq == "Zyrtar i Pikës Fokale për Armë Zjarri" and role.name_sr == "Službenik Kontaktne tačke za vatreno oružje"
    others = [t for t in _all_msgstr("sq") + _all_msgstr("sr_Latn") if re.search(r"[Pp]ika fokale për armët|[Kk]ontakt tačk", t)]
    assert not others, others


@pytest.mark.django_db
def test_one_albanian_form_for_kosovo():
    """ "Kosova" everywhere Albanian names the place on its own; "Kosovë" only inside "Fushë Kosovë"."""
    assert Country.objects.get(code="XK").name_sq == _catalogue("sq")["Kosovo"] == "Kosova"
    names = _all_msgstr("sq") + [c.name_sq for c in Country.objects.all()] + [m.name_sq for m in Municipality.objects.all()]
    names += [i.name_sq for i in _accounts("Institution").objects.all()] + [u.name_sq for u in _accounts("Unit").objects.all()]
    assert not [n for n in names if re.search(r"(?<!Fushë )\bKosovë\b", n)]


def test_classification_marks_are_the_laws_own_forms_in_every_language():
    marks = reference_data.classification_marks()
    assert [m.code for m in marks] == [c.name for c in Classification]
    catalogues = {"sq": _catalogue("sq"), "sr": _catalogue("sr_Latn"), "en": _catalogue("en")}
    for mark in marks:
        with translation.override(None):
            label = str(Classification[mark.code].label)  # the msgid of the level's label
        assert (catalogues["sq"][label], catalogues["sr"][label], catalogues["en"][label]) == (mark.mark_sq, mark.mark_sr, mark.mark_en)
    by_code = {m.code: m for m in marks}
    assert (by_code["CONFIDENTIAL"].mark_sq, by_code["SECRET"].mark_sq, by_code["TOP_SECRET"].mark_sq) == (
        "Konfidencial",
        "Sekret",
        "Tepër sekret",
    )
    assert all(m.needs_verification for m in marks)  # [V] in reference-corrections: ship flagged


def test_no_catalogue_uses_serbias_classification_marks():
    for language in ("sq", "sr_Latn", "en"):
        texts = _all_msgstr(language)
        assert not [t for t in texts if any(mark.lower() in t.lower() for mark in ("Državna tajna", "Strogo poverljivo"))]
        assert not [t for t in texts if re.fullmatch(r"Interno", t)]


def test_a_foreign_classification_mark_in_the_file_is_refused(data_copy):
    _rewrite(data_copy / "classification_marks.csv", "Strogo tajno", "Državna tajna")
    with pytest.raises(ReferenceDataError, match=r"classification_marks.csv, line 6: .*Državna tajna"):
        reference_data.classification_marks(data_copy)


@pytest.mark.django_db
def test_the_customs_and_excise_code_replaces_the_old_code_and_its_amendment():
    code = LegalAct.objects.get(number="08/L-247")
    assert code.valid_from == dt.date(2024, 5, 26) and code.title_en == "Customs and Excise Code"
    for old in ("03/L-109", "04/L-099"):
        act = LegalAct.objects.get(number=old)
        assert act.replaced_by == code and act.valid_to == dt.date(2024, 5, 25)
    in_force = set(legal_act_list(on_date=dt.date(2024, 6, 1)).values_list("number", flat=True))
    assert "08/L-247" in in_force and not {"03/L-109", "04/L-099"} & in_force
    assert "08/L-247" not in set(legal_act_list(on_date=dt.date(2024, 5, 25)).values_list("number", flat=True))


@pytest.mark.django_db
def test_border_control_law_is_confirmed_and_its_amendment_is_listed():
    law = LegalAct.objects.get(number="04/L-072")
    assert not law.needs_verification and law.title_sq == "Ligji për kontrollin dhe mbikëqyrjen e kufirit shtetëror"
    amendment = LegalAct.objects.get(number="04/L-214")
    assert all("04/L-072" in title for title in (amendment.title_sq, amendment.title_sr, amendment.title_en))
    classification = LegalAct.objects.get(number="03/L-178")
    assert classification.title_en == "Law on Classification of Information and Security Clearance"
    assert "No. 76, 10.08.2010" in classification.gazette_ref


@pytest.mark.django_db
def test_confirmed_crossing_facts_are_no_longer_marked_and_kotlovi_kuqishte_is_added():
    kulla = CrossingPoint.objects.get(code="KULLA")
    assert "confirmed" in kulla.note and "not confirmed" not in kulla.note
    gllobocice = CrossingPoint.objects.get(code="GLLOBOCICE-KACANIK")
    assert "mid-April 2025" in gllobocice.note and "start date [V]" not in gllobocice.note
    kuqishte = CrossingPoint.objects.get(code="KOTLOVI-KUQISHTE")
    assert (kuqishte.neighbour.code, kuqishte.other_side_name, kuqishte.active) == ("ME", "Kotlovi", False)
    assert "[V]" in kuqishte.note


@pytest.mark.django_db
def test_ministries_services_and_the_weapons_division_are_seeded():
    institutions = {i.code: i for i in _accounts("Institution").objects.all()}
    assert {"MD", "MM", "MF"} <= institutions.keys()
    assert institutions["MD"].name_en == "Ministry of Justice" and institutions["MM"].name_en == "Ministry of Defence"
    assert institutions["MF"].name_en.startswith("Ministry of Finance")
    units = {(u.institution.code, u.code): u for u in _accounts("Unit").objects.select_related("institution", "parent")}
    assert units[("MD", "SHKK")].name_en == "Kosovo Correctional Service"
    assert units[("MD", "SHSK")].name_en == "Kosovo Probation Service"
    assert units[("MPB", "DAME")].name_en == "Division for Weapons, Ammunition and Explosives"
    fva = units[("MPB", "QKMK-AUV")]
    assert fva.parent.code == "QKMK" and fva.name_en.startswith("Food and Veterinary Agency")
    assert units[("MPB", "QKMK")].name_sq == "Qendra Kombëtare për Menaxhim të Kufirit"


@pytest.mark.django_db
def test_the_migration_carries_corrected_names_to_an_existing_deployment():
    """A deployment seeded before issue #7 has the old names on existing units; accounts 0006 rewrites them."""
    migration = importlib.import_module("kssp.accounts.migrations.0006_reference_wording_issue_7")
    unit, institution = _accounts("Unit"), _accounts("Institution")
    unit.objects.filter(institution__code="KP", code="DPP").update(name_sr="Generalna policijska uprava")
    institution.objects.filter(code="AKI").update(name_sq="Agjencia Kosovare e Inteligjencës")
    unit.objects.filter(institution__code="AKI", code="HQ").update(name_sq="Agjencia Kosovare e Inteligjencës")
    _accounts("Role").objects.filter(code="trainer").update(name_sr="Trener")
    migration.reseed(django_apps, None)
    assert unit.objects.get(institution__code="KP", code="DPP").name_sr == "Generalna direkcija policije"
    assert unit.objects.get(institution__code="AKI", code="HQ").name_sq == "Agjencia e Kosovës për Inteligjencë"
    assert _accounts("Role").objects.get(code="trainer").name_sr == "Instruktor"


def test_the_units_template_has_the_seed_columns_and_a_source():
    """Basic Court branches, customs offices and terminals are not seeded (no source names them); the
    institutions fill the template, whose columns are the seed's plus the source naming each unit."""
    accounts_data = DATA_DIR.parents[1] / "accounts" / "data"
    seed_header = (accounts_data / "units.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    template_header = (accounts_data / "units_template.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert template_header == [*seed_header, "source"]


def test_albanian_clearance_is_a_security_verification_and_a_draft_is_a_draft():
    """Law 03/L-178 speaks of "verifikimi i sigurisë", not a certificate; a draft is "draft", not "projekt"."""
    sq = _catalogue("sq")
    assert sq["Security clearance"] == "Verifikimi i sigurisë" and sq["Clearance"] == "Verifikimi i sigurisë"
    assert sq["Draft"] == "Në hartim" and sq["Save as draft"] == "Ruaj si draft"
    assert not [t for t in _all_msgstr("sq") if re.search(r"\bcertifikat\w* (e )?siguri", t, re.IGNORECASE)]
    assert not [t for t in _all_msgstr("sq") if re.search(r"\bprojekt", t, re.IGNORECASE)]


@pytest.mark.django_db
def test_the_acts_reference_corrections_asks_for_are_listed():
    """Explosives for civil use, strategic goods, courts (Basic Court branches) and Regulation 17/2011 on
    classification; only the regulation's trilingual title is taken from its Gazette text."""
    acts = {a.number: a for a in LegalAct.objects.filter(number__in=["04/L-022", "04/L-198", "06/L-054", "17/2011"])}
    assert set(acts) == {"04/L-022", "04/L-198", "06/L-054", "17/2011"}
    assert all(acts[n].needs_verification for n in ("04/L-022", "04/L-198", "06/L-054"))
    regulation = acts["17/2011"]
    assert regulation.kind == "regulation" and not regulation.needs_verification
    assert regulation.title_sr == "Pravilnik br. 17/2011 o klasifikaciji i deklasifikaciji informacija"
