"""The export framework on its own (issue #3 point 6): the three formats, markings, formula
neutralisation, designation profiles, the PDF's text layer (``pdftotext``), and the disclosure event."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from django.conf import settings
from django.test import override_settings

from kssp.core.audit import payload_for
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.exports import services
from kssp.core.exports.profiles import INSTITUTIONAL_LETTERHEAD, Profile, default_profile, get_profile
from kssp.core.exports.registry import Column
from kssp.core.exports.services import export, export_file
from kssp.core.exports.tests.conftest import csv_rows, pdf_text, read_xlsx, sheet_rows
from kssp.core.markings import Classification
from kssp.core.models.audit import AuditEvent
from kssp.core.models.reference import CrossingPoint, Municipality
from kssp.core.policy import Actor

SAMPLE = "čćđšž ëç АБВ"
COLUMNS = [Column("name", "Name", width=2), Column("note", "Note", width=2), Column("n", "Count", numeric=True)]
FORMULAS = ["=1+2", "+SUM(A1:A3)", "-2+3", "@cmd", "\t=x", "\r=x", "  =HYPERLINK(\"http://x\")", "\uff1dfull-width"]


def rows(n=3, **over):
    return [{"name": f"Row {i}", "note": "plain", "n": i, "classification": 0, **over} for i in range(n)]


def make(actor, fmt="csv", data=None, columns=COLUMNS, **options):
    options.setdefault("purpose", "Monthly report")
    options.setdefault("recipient", "Director General, Kosovo Police")
    options.setdefault("title", "Test export")
    options.setdefault("language", "en")
    return export_file(actor=actor, queryset_or_rows=rows() if data is None else data, columns=columns, format=fmt, **options)


# --- each format -----------------------------------------------------------------------------------


def test_csv_opens_with_marking_designation_and_title_then_the_header_and_rows(world):
    result = make(world.kp_investigator.actor, "csv", profile=Profile.INSTITUTIONAL)
    lines = csv_rows(result.content)
    assert lines[0] == ["UNCLASSIFIED"]
    assert lines[1] == [INSTITUTIONAL_LETTERHEAD]
    assert lines[2] == ["Test export — Kosovo Police"]
    assert lines[3] == ["Name", "Note", "Count"]
    assert lines[4:] == [["Row 0", "plain", "0"], ["Row 1", "plain", "1"], ["Row 2", "plain", "2"]]
    assert result.content_type.startswith("text/csv") and result.filename.endswith(".csv")


def test_xlsx_has_the_same_preamble_numbers_as_numbers_and_an_about_sheet(world):
    result = make(world.kp_investigator.actor, "xlsx", profile=Profile.INSTITUTIONAL)
    data = sheet_rows(result.content)
    assert data[0][0] == "UNCLASSIFIED"
    assert data[1][0] == INSTITUTIONAL_LETTERHEAD
    assert data[3] == ["Name", "Note", "Count"]
    assert data[4] == ["Row 0", "plain", 0]
    about = {row[0]: row[1] for row in sheet_rows(result.content, 1) if len(row) > 1 and row[1]}
    assert about["Purpose"] == "Monthly report"
    assert about["Recipient"] == "Director General, Kosovo Police"
    assert about["Records"] == "3"


def test_pdf_has_the_designation_title_disclosure_details_and_rows(world):
    result = make(world.kp_investigator.actor, "pdf", profile=Profile.INSTITUTIONAL)
    text = pdf_text(result.content)
    assert result.content_type == "application/pdf"
    for expected in (INSTITUTIONAL_LETTERHEAD, "Kosovo Police", "Test export", "Monthly report", "Director General", "Row 2"):
        assert expected in text, expected
    assert b"DejaVuSans" in result.content  # the vendored font is embedded


def test_values_keep_their_meaning_in_every_format(world):
    when = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # half an hour before summer time: 01:30 CET
    data = [{"name": None, "note": True, "n": dt.date(2026, 3, 1)}, {"name": when, "note": False, "n": 1.5}]
    csv_lines = csv_rows(make(world.kp_investigator.actor, "csv", data=data).content)
    assert csv_lines[4:] == [["", "yes", "2026-03-01"], ["2026-03-29 01:30", "no", "1.5"]]
    xlsx = sheet_rows(make(world.kp_investigator.actor, "xlsx", data=data).content)
    assert xlsx[4][2] == dt.datetime(2026, 3, 1) and xlsx[5][0] == dt.datetime(2026, 3, 29, 1, 30) and xlsx[5][2] == 1.5


def test_an_empty_export_is_still_a_marked_file(world):
    result = make(world.kp_investigator.actor, "pdf", data=[])
    text = pdf_text(result.content)
    assert "No records." in text and "UNCLASSIFIED" in text
    assert result.count == 0


# --- formula injection (bad input: a CSV with a formula in a cell) ------------------------------------


def test_formula_cells_are_neutralised_in_csv(world):
    data = [{"name": formula, "note": "ok", "n": -5} for formula in FORMULAS]
    lines = csv_rows(make(world.kp_investigator.actor, "csv", data=data).content)[4:]
    for line, formula in zip(lines, FORMULAS, strict=True):
        assert line[0] == "'" + formula
        assert line[2] == "-5"  # a negative number is a number, not a formula


def test_formula_cells_are_neutralised_and_stored_as_text_in_xlsx(world):
    data = [{"name": formula, "note": "=A1", "n": -5} for formula in FORMULAS]
    content = make(world.kp_investigator.actor, "xlsx", data=data, title="=cmd|' /C calc'!A0").content
    wb = read_xlsx(content)
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell may be a formula"
    ws = wb.worksheets[0]
    # (XML reads a stored carriage return back as a line feed; the apostrophe is what matters)
    assert [ws.cell(row=5 + i, column=1).value for i in range(len(FORMULAS))] == ["'" + f.replace("\r", "\n") for f in FORMULAS]
    assert ws.cell(row=5, column=2).value == "'=A1"
    assert ws.cell(row=5, column=3).value == -5
    assert ws.cell(row=3, column=1).value.startswith("'=cmd")  # the title row, too
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        for name in package.namelist():
            assert not re.search(rb"<f[ >]", package.read(name)), name  # no formula element in any part


# --- classification markings ---------------------------------------------------------------------------


def test_marking_is_the_highest_classification_of_the_rows_with_their_handling_codes(world):
    data = [
        {"name": "a", "note": "", "n": 1, "classification": Classification.RESTRICTED, "handling_code": "H2"},
        {"name": "b", "note": "", "n": 2, "classification": Classification.SECRET, "handling_code": "H1"},
        {"name": "c", "note": "", "n": 3, "classification": Classification.UNCLASSIFIED},
    ]
    actor = world.kp_investigator.actor
    assert csv_rows(make(actor, "csv", data=data).content)[0] == ["SECRET · H1, H2"]
    content = make(actor, "xlsx", data=data).content
    ws = read_xlsx(content).worksheets[0]
    assert ws["A1"].value == "SECRET · H1, H2"
    assert ws.oddHeader.center.text == "SECRET · H1, H2" and ws.oddFooter.center.text == "SECRET · H1, H2"


def test_every_pdf_page_carries_the_marking_in_its_header_and_footer(world):
    data = [{"name": f"Row {i}", "note": "x", "n": i, "classification": Classification.CONFIDENTIAL} for i in range(150)]
    text = pdf_text(make(world.kp_investigator.actor, "pdf", data=data).content)
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert page.count("CONFIDENTIAL") >= 2, f"page {number}"
        assert f"Page {number} of {len(pages)}" in page


def test_an_explicit_classification_raises_the_marking_never_lowers_it(world):
    actor = world.kp_investigator.actor
    assert csv_rows(make(actor, "csv", classification=Classification.RESTRICTED).content)[0] == ["RESTRICTED"]
    high = rows(classification=Classification.SECRET)
    assert csv_rows(make(actor, "csv", data=high, classification=Classification.UNCLASSIFIED).content)[0] == ["SECRET"]


# --- fonts and scripts -----------------------------------------------------------------------------------


def test_pdftotext_reads_back_albanian_serbian_and_cyrillic_exactly(world):
    data = [{"name": SAMPLE, "note": "Xhemajl Džemajl Qerim Ćerim", "n": 1}, {"name": "Gjakovë Đakovica", "note": "", "n": 2}]
    result = make(world.kp_investigator.actor, "pdf", data=data, title=f"Provë {SAMPLE}")
    text = pdf_text(result.content)
    assert SAMPLE in text
    assert f"Provë {SAMPLE}" in text
    assert "Xhemajl Džemajl Qerim Ćerim" in text and "Gjakovë Đakovica" in text


@pytest.mark.parametrize("language", ["sq", "sr-latn", "sr-cyrl", "en"])
def test_pdf_renders_in_every_language(world, language):
    data = [{"name": SAMPLE, "note": "Приштина", "n": 1}]
    result = make(world.kp_investigator.actor, "pdf", data=data, language=language)
    text = pdf_text(result.content)
    assert SAMPLE in text and "Приштина" in text
    assert "\ufffd" not in text  # no replacement characters: every glyph was in the font


def test_the_fonts_are_vendored_with_their_licence():
    fonts = settings.BASE_DIR / "static" / "fonts"
    assert (fonts / "DejaVuSans.ttf").stat().st_size > 100_000
    assert (fonts / "DejaVuSans-Bold.ttf").stat().st_size > 100_000
    assert "Bitstream" in (fonts / "LICENSE").read_text(encoding="utf-8")


# --- designation profiles ----------------------------------------------------------------------------------


def test_institutional_profile_prints_the_letterhead_and_no_footnote(world):
    actor = world.kp_investigator.actor
    text = pdf_text(make(actor, "pdf", profile=Profile.INSTITUTIONAL).content)
    assert INSTITUTIONAL_LETTERHEAD in text
    assert "UNSCR 1244" not in text


def test_status_neutral_profile_prints_kosovo_star_and_the_footnote_on_every_page(world):
    actor = world.kp_investigator.actor
    footnote = settings.KSSP["XK_FOOTNOTE"]
    data = [{"name": f"Row {i}", "note": "x", "n": i} for i in range(120)]
    text = pdf_text(make(actor, "pdf", data=data, profile=Profile.STATUS_NEUTRAL).content)
    assert "Kosovo*" in text and INSTITUTIONAL_LETTERHEAD not in text
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 2
    flat = [re.sub(r"\s+", " ", page) for page in pages]
    for page in flat:
        assert "UNSCR 1244/1999" in page
    assert re.sub(r"\s+", " ", footnote)[:60] in flat[0]
    lines = csv_rows(make(actor, "csv", profile=Profile.STATUS_NEUTRAL).content)
    assert lines[1] == [f"Kosovo* — * {footnote}"]
    ws = read_xlsx(make(actor, "xlsx", profile=Profile.STATUS_NEUTRAL).content).worksheets[0]
    assert ws["A2"].value == f"Kosovo* — * {footnote}"


@pytest.mark.parametrize(
    ("language", "profile", "municipality", "crossing_point"),
    [
        ("en", Profile.INSTITUTIONAL, "Prishtina", "Jarinje"),
        ("en", Profile.STATUS_NEUTRAL, "Prishtinë/Priština", "Jarinjë/Jarinje"),
        ("sq", Profile.STATUS_NEUTRAL, "Prishtinë", "Jarinjë"),
        ("sr-latn", Profile.INSTITUTIONAL, "Priština", "Jarinje"),
        ("sr-cyrl", Profile.STATUS_NEUTRAL, "Приштина", "Јариње"),
    ],
)
def test_place_names_follow_the_profile_in_english_and_the_language_otherwise(world, language, profile, municipality, crossing_point):
    columns = [Column("place", "Place", place=True), Column("cp", "Crossing point", place=True)]
    data = [{"place": Municipality.objects.get(code="PRISHTINE"), "cp": CrossingPoint.objects.get(code="JARINJE")}]
    lines = csv_rows(make(world.kp_investigator.actor, "csv", data=data, columns=columns, profile=profile, language=language).content)
    assert lines[4] == [municipality, crossing_point]


def test_reference_data_that_is_not_a_place_is_named_in_the_language_only(world):
    columns = [Column("unit", "Unit")]
    unit = world.kp_investigator.membership.unit
    lines = csv_rows(make(world.kp_investigator.actor, "csv", data=[{"unit": unit}], columns=columns,
                          profile=Profile.STATUS_NEUTRAL).content)
    assert lines[4] == [unit.name_en]


def test_profile_terms_and_default(settings):
    assert get_profile(Profile.INSTITUTIONAL).term("crossing_point") == "border crossing point"
    assert get_profile(Profile.STATUS_NEUTRAL).term("crossing_point") == "crossing point"
    settings.KSSP = {**settings.KSSP, "DESIGNATION_PROFILE": "status_neutral"}
    assert default_profile() == Profile.STATUS_NEUTRAL
    settings.KSSP = {**{k: v for k, v in settings.KSSP.items() if k != "DESIGNATION_PROFILE"}, "EN_TOPONYMS": "dual"}
    assert default_profile() == Profile.STATUS_NEUTRAL
    settings.KSSP = {**settings.KSSP, "EN_TOPONYMS": "institutional"}
    assert default_profile() == Profile.INSTITUTIONAL


FORBIDDEN = {
    "en": [r"\bKosova\b"],
    "sr": [r"Kosovo i Metohija", r"\bKiM\b", r"Косово и Метохија", r"\bКиМ\b"],
}


def _texts(fmt, content):
    if fmt == "pdf":
        return pdf_text(content)
    if fmt == "csv":
        return content.decode("utf-8")
    wb = read_xlsx(content)
    parts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    ws = wb.worksheets[0]
    parts += [ws.oddHeader.center.text or "", ws.oddFooter.center.text or "", ws.oddFooter.left.text or ""]
    return "\n".join(parts)


@pytest.mark.parametrize("language", ["sq", "sr-latn", "sr-cyrl", "en"])
def test_no_output_ever_writes_kosovo_i_metohija_in_serbian_or_kosova_in_english(world, language):
    columns = [Column("place", "Place", place=True), Column("cp", "Crossing point", place=True), Column("inst", "Institution")]
    places = list(Municipality.objects.all())
    crossings = list(CrossingPoint.objects.all())
    institution = world.kp_investigator.membership.unit.institution
    data = [
        {"place": place, "cp": crossings[i % len(crossings)], "inst": institution} for i, place in enumerate(places)
    ]
    patterns = FORBIDDEN.get(language[:2], [])
    for profile in Profile.values:
        for fmt in ("csv", "xlsx", "pdf"):
            content = make(world.kp_investigator.actor, fmt, data=data, columns=columns, profile=profile, language=language).content
            text = _texts(fmt, content)
            assert "Prishtin" in text or "Приштин" in text or "Prištin" in text
            for pattern in patterns:
                assert not re.search(pattern, text), (language, profile, fmt, pattern)


# --- the disclosure --------------------------------------------------------------------------------------


def test_the_disclosure_is_recorded_before_the_file_is_produced(world, monkeypatch):
    seen = []

    def spy(doc):
        seen.append(AuditEvent.objects.filter(event_type="export.disclosed").count())
        return b"%PDF-1.4 spy"

    monkeypatch.setitem(services.WRITERS, "pdf", spy)
    result = make(world.kp_investigator.actor, "pdf", record_type="test.row", filters={"status": "issued"})
    assert seen == [1]
    event = result.event
    assert event.event_type == "export.disclosed" and event.category == "disclosure"
    assert event.actor_id == world.kp_investigator.user.pk
    assert event.purpose == "Monthly report"
    extra = payload_for(event)["extra"]
    assert extra["recipient"] == "Director General, Kosovo Police"
    assert extra["count"] == 3 and extra["record_type"] == "test.row" and extra["filters"] == {"status": "issued"}
    assert extra["format"] == "pdf" and extra["profile"] == default_profile()


@pytest.mark.parametrize(
    ("options", "fields"),
    [
        ({"purpose": "", "recipient": ""}, {"purpose", "recipient"}),
        ({"purpose": "   "}, {"purpose"}),
        ({"purpose": "x" * 301}, {"purpose"}),
        ({"recipient": "y" * 201}, {"recipient"}),
        ({"profile": "kosovo-i-metohija"}, {"profile"}),
        ({"language": "de"}, {"language"}),
    ],
)
def test_bad_requests_are_field_errors_and_record_nothing(world, options, fields):
    with pytest.raises(ApplicationError) as caught:
        make(world.kp_investigator.actor, "csv", **options)
    assert set(caught.value.fields) == fields
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()


def test_an_unknown_format_is_a_field_error(world):
    with pytest.raises(ApplicationError) as caught:
        make(world.kp_investigator.actor, "docx")
    assert set(caught.value.fields) == {"format"}


def test_the_system_or_an_anonymous_actor_cannot_export(world):
    with pytest.raises(PermissionDenied):
        make(Actor.system(), "csv")


@override_settings(KSSP={**settings.KSSP, "EXPORT_MAX_PDF_ROWS": 3, "EXPORT_MAX_ROWS": 5})
def test_too_many_rows_is_a_field_error_before_anything_is_recorded(world):
    with pytest.raises(ApplicationError) as caught:
        make(world.kp_investigator.actor, "pdf", data=rows(4))
    assert set(caught.value.fields) == {"format"}
    with pytest.raises(ApplicationError) as caught:
        make(world.kp_investigator.actor, "csv", data=rows(6))
    assert set(caught.value.fields) == {"filters"}
    assert not AuditEvent.objects.filter(event_type="export.disclosed").exists()
    assert make(world.kp_investigator.actor, "csv", data=rows(5)).count == 5


def test_control_characters_and_huge_cells_never_break_a_file(world):
    data = [
        {"name": "bell\x07 and nul\x00 and esc\x1b", "note": "W" * 20_000, "n": 1},
        {"name": "<b>not markup</b> & <br/>", "note": "line one\nline two", "n": 2},
    ]
    actor = world.kp_investigator.actor
    xlsx = sheet_rows(make(actor, "xlsx", data=data).content)
    assert xlsx[4][0] == "bell and nul and esc"
    text = pdf_text(make(actor, "pdf", data=data).content)
    assert "<b>not markup</b> & <br/>" in text
    assert csv_rows(make(actor, "csv", data=data).content)[4][1] == "W" * 20_000


def test_export_answers_a_download_that_is_not_cached(world):
    response = export(
        actor=world.kp_investigator.actor, queryset_or_rows=rows(), columns=COLUMNS, format="xlsx",
        purpose="p", recipient="r", title="T", language="en",
    )
    # Named after its title in the export's language, to the second, with the audit event's number (#7 point 2).
    assert re.match(r'attachment; filename="t-\d{8}-\d{6}-\d+\.xlsx"', response["Content-Disposition"])
    assert response["Cache-Control"] == "no-store" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
