"""What the search box recognises (issue #3 point 7): case numbers, exhibit numbers, serials, plates,
names and QR payloads, and the text it refuses."""

from __future__ import annotations

import uuid

import pytest

from kssp.core.search import query as k
from kssp.core.search.query import QueryError, parse_query

UID = "3f1c2a4e-1111-4222-8333-444455556666"


@pytest.mark.parametrize(
    ("text", "primary", "also"),
    [
        ("PP/I nr. 123/2024", k.CASE_NUMBER, set()),
        ("P.nr.45/24", k.CASE_NUMBER, set()),
        ("PKR 12/2023", k.CASE_NUMBER, set()),
        ("BUL-KP-2026-000123", k.RECORD_NUMBER, set()),
        ("bul-kp-2026-000123", k.RECORD_NUMBER, set()),
        ("EXH-KP-2026-000045", k.EXHIBIT_NUMBER, set()),
        ("01-123-AB", k.PLATE, {k.SERIAL}),
        ("01 123 AB", k.PLATE, set()),
        ("BG 123-AB", k.PLATE, set()),
        ("WVWZZZ1JZXW000001", k.VIN, {k.SERIAL}),
        ("1234567890", k.PERSONAL_NUMBER, {k.SERIAL}),
        ("19Z45Z", k.SERIAL, set()),
        ("Xhemajl Berisha", k.NAME, set()),
        ("Džemajl Ćerimi", k.NAME, set()),
        ("Џемаил Бериша", k.NAME, set()),
        ("Golf", k.NAME, set()),
        ("stolen rifles near 7 Shtatori", k.TEXT, set()),
    ],
)
def test_the_box_recognises_what_people_type(text, primary, also):
    query = parse_query(text)
    assert query.primary == primary
    assert also <= query.kinds and k.TEXT in query.kinds
    assert query.public_id is None


@pytest.mark.parametrize(
    ("text", "qr_type"),
    [
        (f"kssp:bulletin:{UID}", "bulletin"),
        (f"KSSP:Bulletin:{UID}", "bulletin"),
        (f"https://kssp.example/bulletins/{UID}/", None),
        (f"/bulletins/{UID}/?purpose=scan", None),
    ],
)
def test_a_qr_payload_or_a_link_names_a_record(text, qr_type):
    query = parse_query(text)
    assert query.primary == k.QR
    assert query.public_id == uuid.UUID(UID)
    assert query.qr_type == qr_type


def test_a_bare_uuid_names_a_record():
    query = parse_query(UID.upper())
    assert query.primary == k.PUBLIC_ID and query.public_id == uuid.UUID(UID) and query.qr_type is None


def test_a_qr_payload_with_a_broken_uuid_is_plain_text():
    query = parse_query("kssp:bulletin:not-a-uuid")
    assert query.public_id is None and k.QR not in query.kinds


def test_text_is_cleaned():
    query = parse_query("  Grey\u0000 Golf\t\n  01-123-AB ", purpose="  border check\u200b ", case_ref=" PP 1/2026 ")
    assert query.text == "Grey Golf 01-123-AB"
    assert query.purpose == "border check"
    assert query.case_ref == "PP 1/2026"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type what you are looking for."),
        ("   \t ", "Type what you are looking for."),
        ("a", "Type at least 2 characters."),
        ("x" * 201, "Search for at most 200 characters."),
    ],
)
def test_text_that_cannot_be_searched_is_refused_with_a_reason(text, message):
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert str(caught.value.message) == message
