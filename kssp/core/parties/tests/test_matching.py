"""Name matching across Albanian and Serbian spellings and scripts (issue #3 point 1; users-review 19).

Pure tests of ``kssp.core.parties.matching``: no database, no Django."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kssp.core.parties import matching as m
from kssp.core.parties.matching import Candidate, PartialDate, Query

SAME_PERSON = [
    ("Xhemajl", "Džemajl"),
    ("Xhemajl", "Џемајл"),
    ("Džemajl", "Џемајл"),
    ("Qerim", "Ćerim"),
    ("Qerim", "Ћерим"),
    ("Gjergj", "Đerđ"),
    ("Gjergj", "Ђерђ"),
    ("Shaqiri", "Šaćiri"),
    ("Shaqiri", "Шаћири"),
    ("Zhuja", "Žuja"),
    ("Zhuja", "Жуја"),
    ("Thaçi", "Tači"),
    ("Berisë", "Berise"),
    ("Gashi", "Гаши"),
    ("Hasani", "HASANI"),
    ("Ramadan Dhurata", "Ramadan Durata"),
    ("Llapashtica", "Lapaštica"),
    ("Ferri", "Feri"),
    ("Xhaferri", "Džaferi"),
    ("Çeku", "Čeku"),
    ("Ylli", "Ili"),
    ("Djordje", "Đorđe"),
    ("José", "Jose"),
]


@pytest.mark.parametrize(("albanian", "serbian"), SAME_PERSON)
def test_the_same_name_has_the_same_key(albanian, serbian):
    assert m.name_key(albanian) == m.name_key(serbian)


@pytest.mark.parametrize(
    ("a", "b"),
    [("Xhemajl", "Xhevdet"), ("Shaqiri", "Shala"), ("Gjergj", "Gjon"), ("Zhuja", "Zeka"), ("Qerim", "Kerim"),
     ("Çeku", "Ćeku"), ("Gashi", "Gasi")],
)
def test_different_names_keep_different_keys(a, b):
    # Ç and Ć (Albanian Ç and Q) stay apart; so do S and Š (Sh): they are different names.
    assert m.name_key(a) != m.name_key(b)


def test_the_loose_key_drops_the_remaining_marks():
    assert m.loose_key("Šaćiri Džemajl") == m.loose_key("Saciri Dzemajl") == "saciri dzemajl"
    assert m.loose_key("Gjergj") == m.loose_key("Derd")


def test_keys_of_every_required_pair():
    assert m.name_key("Xhemajl") == m.name_key("Džemajl") == m.name_key("Џемајл") == "džemajl"
    assert m.name_key("Qerim") == m.name_key("Ćerim") == "ćerim"
    assert m.name_key("Gjergj") == m.name_key("Đerđ") == "đerđ"
    assert m.name_key("Shaqiri") == m.name_key("Šaćiri") == "šaćiri"
    assert m.name_key("Zhuja") == m.name_key("Žuja") == "žuja"


def test_rules_applied_are_recorded_per_word():
    (word,) = m.tokens("Xhemajl")
    assert word.rules == {"xh"}
    (word,) = m.tokens("Џемајл")
    assert word.rules == {"cyrillic"}
    (word,) = m.tokens("Éric")
    assert word.rules == {"diacritics"} and word.key == "eric"


def test_separators_split_words_and_digits_are_ignored():
    assert m.name_key("Ahmeti-Krasniqi") == "ahmeti krasnići"
    assert m.name_key("  O'Neil 2 ") == "oneil"
    assert m.tokens("123 !!") == ()


def test_script_detection():
    assert m.detect_script("Xhemajl", "Shaqiri") == "latin"
    assert m.detect_script("Џемајл", "Шаћири") == "cyrillic"
    assert m.detect_script("Џемајл", "Shaqiri") == "mixed"
    assert m.detect_script("", None) == ""


def test_identifiers_and_plates_are_normalised_without_name_rules():
    assert m.normalise_identifier(" aq 123-45 ") == "AQ12345"  # Q stays Q in a number
    assert m.normalise_plate("01-123-ab") == "01123AB"
    assert m.normalise_plate("ĐA 123 ВВ") == "ĐA123BB"  # Cyrillic look-alikes read as Latin


# --- dates of birth ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.03.1980", PartialDate(1980, 3, 12)),
        ("12.03.1980.", PartialDate(1980, 3, 12)),
        ("1980-03-12", PartialDate(1980, 3, 12)),
        ("3/1980", PartialDate(1980, 3)),
        ("1980", PartialDate(1980)),
        ("~1980", PartialDate(1980, approximate=True)),
        ("rreth 1980", PartialDate(1980, approximate=True)),
        ("oko 1980", PartialDate(1980, approximate=True)),
        ("", None),
    ],
)
def test_dates_of_birth_are_parsed_full_or_partial(text, expected):
    assert m.parse_partial_date(text) == expected


@pytest.mark.parametrize("text", ["31.02.1980", "1980-13-01", "12.1980.03", "yesterday", "0980", "12/13"])
def test_impossible_or_unreadable_dates_are_refused(text):
    with pytest.raises(ValueError):
        m.parse_partial_date(text)


@pytest.mark.parametrize(
    ("query", "candidate", "code"),
    [
        (PartialDate(1980, 3, 12), PartialDate(1980, 3, 12), "dob_equal"),
        (PartialDate(1980, 3, 12), PartialDate(1980, 12, 3), "dob_day_month_swapped"),
        (PartialDate(1980, 3, 12), PartialDate(1981, 3, 12), "dob_within_year"),
        (PartialDate(1980, 3, 12), PartialDate(1979, 1, 1), "dob_within_year"),
        (PartialDate(1980), PartialDate(1980, 3, 12), "dob_same_year"),
        (PartialDate(1980, 3, 12), PartialDate(1980), "dob_same_year"),
        (PartialDate(1980, approximate=True), PartialDate(1981), "dob_within_year"),
        (PartialDate(1980, 3, 12), PartialDate(1982, 3, 12), "dob_differs"),
        (PartialDate(1980, 3, 12), None, "dob_unknown"),
    ],
)
def test_date_of_birth_tolerance(query, candidate, code):
    assert m.compare_dates(query, candidate)[0] == code


# --- ranking ----------------------------------------------------------------------------------------


def cand(ref, given, family, **extra):
    return Candidate(ref=ref, given_name=given, family_name=family, **extra)


def codes(match):
    return [r.code for r in match.reasons]


def test_the_required_pairs_match_with_their_rule_as_reason():
    people = [cand("dz", "Džemajl", "Šaćiri"), cand("cy", "Џемајл", "Шаћири"), cand("other", "Dragan", "Petrović")]
    matches = m.rank(Query(name="Xhemajl Shaqiri"), people)
    assert [x.ref for x in matches] == ["dz", "cy"]
    by_ref = {x.ref: x for x in matches}
    assert str(by_ref["dz"].reasons[0]) == "same key after Xh→Dž, Sh→Š, Q→Ć"
    assert str(by_ref["cy"].reasons[0]) == "same key after Cyrillic→Latin, Xh→Dž, Sh→Š, Q→Ć"


@pytest.mark.parametrize(
    ("query", "given", "family"),
    [("Xhemajl", "Džemajl", "X"), ("Qerim", "Ćerim", "X"), ("Gjergj", "Đerđ", "X"), ("Shaqiri", "A", "Šaćiri"),
     ("Zhuja", "A", "Žuja"), ("Џемајл", "Xhemajl", "X")],
)
def test_each_required_example_is_found(query, given, family):
    (match,) = m.rank(Query(name=query), [cand(1, given, family)])
    assert codes(match)[0] == "name_same_key"
    assert match.percent == 100


def test_the_same_spelling_says_so():
    (match,) = m.rank(Query(name="shaqiri"), [cand(1, "Arben", "Shaqiri")])
    assert codes(match) == ["name_same"]


def test_names_typed_without_diacritics_match_loosely_and_rank_below_exact():
    people = [cand("loose", "Dzemajl", "Saciri"), cand("exact", "Džemajl", "Šaćiri")]
    matches = m.rank(Query(name="Džemajl Šaćiri"), people)
    assert [x.ref for x in matches] == ["exact", "loose"]
    assert codes(matches[1]) == ["name_same_loose"]


def test_names_in_the_other_order_match_and_say_so():
    (match,) = m.rank(Query(name="Shaqiri Xhemajl"), [cand(1, "Xhemajl", "Shaqiri")])
    assert codes(match) == ["name_same", "names_reordered"]


def test_a_typo_is_a_similar_name_with_its_score():
    (match,) = m.rank(Query(name="Xhemajl Shaqirii"), [cand(1, "Xhemajl", "Shaqiri")])
    assert codes(match) == ["name_similar"]
    assert 0.9 < match.reasons[0].value < 1


@pytest.mark.parametrize(("query", "given", "family"), [("Xhemajl Shaqiri", "Xhevdet", "Shala"), ("Gjergj", "Gjon", "X"),
                                                          ("Zhuja", "Zeka", "X"), ("Qerim", "Kerim", "X")])
def test_different_names_do_not_match(query, given, family):
    assert m.rank(Query(name=query), [cand(1, given, family)]) == []


def test_date_of_birth_tolerance_ranks_and_excludes():
    people = [
        cand("same", "Arben", "Gashi", date_of_birth=PartialDate(1980, 3, 12)),
        cand("swapped", "Arben", "Gashi", date_of_birth=PartialDate(1980, 12, 3)),
        cand("year", "Arben", "Gashi", date_of_birth=PartialDate(1981, 6, 1)),
        cand("unknown", "Arben", "Gashi"),
        cand("far", "Arben", "Gashi", date_of_birth=PartialDate(1990, 3, 12)),
    ]
    matches = m.rank(Query(name="Arben Gashi", date_of_birth=PartialDate(1980, 3, 12)), people)
    assert [x.ref for x in matches] == ["same", "swapped", "year", "unknown"]
    assert [str(r) for r in matches[2].reasons] == ["same name", "DOB within 1 year"]
    assert "dob_day_month_swapped" in codes(matches[1])


def test_a_personal_number_matches_whatever_the_name_and_date():
    people = [cand("pn", "Arbena", "Gashi-Berisha", personal_number="1234567890", date_of_birth=PartialDate(1950))]
    (match,) = m.rank(Query(name="Arben Gashi", personal_number="1234567890", date_of_birth=PartialDate(1980)), people)
    assert codes(match)[0] == "personal_number_equal"
    assert str(match.reasons[0]) == "personal number equal"


def test_a_document_number_matches():
    people = [cand("doc", "X", "Y", document_numbers=("P-0012345",)), cand("no", "X", "Y", document_numbers=("P0099",))]
    (match,) = m.rank(Query(document_number="p0012345"), people)
    assert match.ref == "doc" and codes(match) == ["document_equal"]


def test_other_spellings_of_the_same_person_are_matched():
    person = cand("survivor", "Arben", "Gashi", other_names=(("Xhemajl", "Shaqiri"),))
    (match,) = m.rank(Query(name="Džemajl Šaćiri"), [person])
    assert match.ref == "survivor"


def test_an_empty_query_matches_nothing():
    assert m.rank(Query(), [cand(1, "Arben", "Gashi")]) == []


@given(st.text(max_size=40))
def test_normalising_any_text_never_fails_and_gives_words_of_letters(text):
    key = m.name_key(text)
    assert all(word and all(ch.isalpha() for ch in word) for word in key.split(" ")) or key == ""
    m.rank(Query(name=text), [cand(1, "Arben", "Gashi")])


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_a_full_date_round_trips(day):
    assert m.parse_partial_date(day.strftime("%d.%m.%Y")) == PartialDate.from_date(day)
    assert m.compare_dates(PartialDate.from_date(day), PartialDate.from_date(day))[0] == "dob_equal"


def test_the_matching_module_imports_nothing_from_django():
    source = Path(m.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "django" not in imported and "kssp" not in imported, imported
