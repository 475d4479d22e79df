"""Markings a record can carry (users-review point 2): three separate things, never one.

* ``Classification`` is the legal classification under Law 03/L-178 on Classification of Information
  and Security Clearance; the reader's clearance must reach it.
* ``HandlingCode`` is a dissemination restriction in the Europol style (H0-H3) [V: wording to be checked
  against the handling-code annex in force].
* ``TLP`` (FIRST TLP 2.0) and ``PAP`` are only for cyber sharing between CSIRTs; they are not a legal
  classification, and a record holding personal data may never be TLP:CLEAR.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.IntegerChoices):
    UNCLASSIFIED = 0, _("Unclassified")
    RESTRICTED = 1, _("Restricted")
    CONFIDENTIAL = 2, _("Confidential")
    SECRET = 3, _("Secret")
    TOP_SECRET = 4, _("Top secret")


class HandlingCode(models.TextChoices):
    H0 = "H0", _("H0 – not for use in judicial proceedings without the provider's permission")
    H1 = "H1", _("H1 – not to be disseminated further without the provider's permission")
    H2 = "H2", _("H2 – not to be acted upon without the provider's permission")
    H3 = "H3", _("H3 – other restrictions, stated in the record")


# Handling codes under which nobody but the owner may pass the record on, whatever a grant says.
NO_RESHARE_HANDLING = frozenset({HandlingCode.H1, HandlingCode.H2})
# The known values, once (``Classification.values`` builds the list with its labels at every call, and
# ``check_markings`` runs for every row an import validates or promotes).
_CLASSIFICATIONS = frozenset(Classification.values)
_HANDLING_CODES = frozenset(HandlingCode.values)


class TLP(models.TextChoices):
    CLEAR = "CLEAR", _("TLP:CLEAR")
    GREEN = "GREEN", _("TLP:GREEN")
    AMBER = "AMBER", _("TLP:AMBER")
    AMBER_STRICT = "AMBER+STRICT", _("TLP:AMBER+STRICT")
    RED = "RED", _("TLP:RED")


class PAP(models.TextChoices):
    CLEAR = "CLEAR", _("PAP:CLEAR")
    GREEN = "GREEN", _("PAP:GREEN")
    AMBER = "AMBER", _("PAP:AMBER")
    RED = "RED", _("PAP:RED")


def validate_tlp(value: str, *, has_personal_data: bool = False) -> str:
    """Return the canonical TLP 2.0 value or raise a translated field error.

    Accepts the label with or without the ``TLP:`` prefix, any case ("tlp:amber+strict").
    """
    raw = (value or "").strip().upper()
    if raw.startswith("TLP:"):
        raw = raw[4:]
    if raw == "WHITE":
        # TLP 1.0's WHITE became CLEAR in 2.0; accept it on input, never store it.
        raw = TLP.CLEAR
    if raw not in TLP.values:
        raise ValidationError(
            _("“%(value)s” is not a TLP 2.0 marking. Use one of: %(allowed)s."),
            code="invalid_tlp",
            params={"value": value, "allowed": ", ".join(str(label) for label in TLP.labels)},
        )
    if has_personal_data and raw == TLP.CLEAR:
        raise ValidationError(
            _("A record holding personal data can never be TLP:CLEAR."), code="tlp_clear_personal_data"
        )
    return raw


def validate_pap(value: str) -> str:
    raw = (value or "").strip().upper()
    if raw.startswith("PAP:"):
        raw = raw[4:]
    if raw == "WHITE":
        raw = PAP.CLEAR
    if raw not in PAP.values:
        raise ValidationError(
            _("“%(value)s” is not a PAP marking. Use one of: %(allowed)s."),
            code="invalid_pap",
            params={"value": value, "allowed": ", ".join(str(label) for label in PAP.labels)},
        )
    return raw


def check_markings(actor: Any, data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """The classification and handling code given in ``data``, checked once for every record type.

    A known classification no higher than the actor's clearance, a known handling code; refusals go into
    ``errors`` by field. Returns the values to store (an empty handling code as ``""``), only for the
    markings ``data`` names, so an edit that leaves them alone does not touch them.
    """
    values: dict[str, Any] = {}
    if "classification" in data:
        level = data["classification"]
        if level not in _CLASSIFICATIONS:
            errors["classification"] = [str(_("Unknown classification."))]
        elif level > actor.clearance:
            errors["classification"] = [str(_("You cannot mark a record above your own security clearance."))]
        values["classification"] = level
    if "handling_code" in data:
        code = data["handling_code"] or ""
        if code and code not in _HANDLING_CODES:
            errors["handling_code"] = [str(_("Unknown handling code."))]
        values["handling_code"] = code
    return values
