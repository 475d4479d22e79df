"""Markings: classification, handling codes and TLP 2.0 / PAP kept apart (users-review point 2)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kssp.core.markings import PAP, TLP, Classification, validate_pap, validate_tlp


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("AMBER+STRICT", TLP.AMBER_STRICT), ("tlp:amber+strict", TLP.AMBER_STRICT), (" TLP:RED ", TLP.RED), ("white", TLP.CLEAR)],
)
def test_tlp_accepts_canonical_and_prefixed_forms(raw, expected):
    assert validate_tlp(raw) == expected


@pytest.mark.parametrize("raw", ["PURPLE", "", "TLP:", "AMBER STRICT", "secret"])
def test_unknown_tlp_is_a_clear_error_listing_the_allowed_values(raw):
    with pytest.raises(ValidationError) as info:
        validate_tlp(raw)
    assert info.value.code == "invalid_tlp"
    message = info.value.messages[0]
    assert "TLP:AMBER+STRICT" in message and "TLP:RED" in message


def test_unknown_tlp_message_is_translated():
    with translation.override("sq"):
        with pytest.raises(ValidationError) as info:
            validate_tlp("PURPLE")
        message = info.value.messages[0]  # lazy: render it while Albanian is active
    assert message.startswith("“PURPLE” nuk është shenjë TLP 2.0")
    assert "TLP:AMBER+STRICT" in message


def test_personal_data_can_never_be_tlp_clear():
    with pytest.raises(ValidationError) as info:
        validate_tlp("CLEAR", has_personal_data=True)
    assert info.value.code == "tlp_clear_personal_data"
    assert validate_tlp("GREEN", has_personal_data=True) == TLP.GREEN


def test_pap_values():
    assert validate_pap("pap:amber") == PAP.AMBER
    with pytest.raises(ValidationError):
        validate_pap("AMBER+STRICT")


def test_classification_levels_are_ordered_for_clearance_comparison():
    assert Classification.UNCLASSIFIED < Classification.RESTRICTED < Classification.CONFIDENTIAL < Classification.SECRET
    assert Classification.SECRET < Classification.TOP_SECRET
