"""Designation profiles (users-review points 15, 16 and 59): how an output names Kosovo and its places.

* ``institutional`` — documents issued by Kosovo institutions: the letterhead
  "Republika e Kosovës – Republika Kosovo – Republic of Kosovo", English place names as institutions
  write them ("Prishtina", "Peja"), the institutions' terms ("border crossing point").
* ``status_neutral`` — UNDP- and donor-branded outputs: "Kosovo" marked with an asterisk and the
  UNSCR 1244 footnote of ``settings.KSSP["XK_FOOTNOTE"]``, English place names in the dual form
  international organisations use ("Prishtinë/Priština", "Merdarë/Merdare"), neutral terms
  ("crossing point").

A profile is chosen per export; ``default_profile()`` reads ``settings.KSSP["DESIGNATION_PROFILE"]``
(falling back to the English toponym setting). No profile ever writes "Kosovo i Metohija"/"KiM" in
Serbian or "Kosova" in English; a test scans every output for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The letterhead of Kosovo institutions is trilingual by itself: it is never translated.
INSTITUTIONAL_LETTERHEAD = "Republika e Kosovës – Republika Kosovo – Republic of Kosovo"


class Profile(models.TextChoices):
    INSTITUTIONAL = "institutional", _("Institutional (Republic of Kosovo letterhead)")
    STATUS_NEUTRAL = "status_neutral", _("Status-neutral (Kosovo* with the UNSCR 1244 footnote)")


# Terms whose wording depends on the profile (users-review point 59). Modules ask ``profile.term(key)``.
TERMS: dict[str, dict[str, Promise]] = {
    "crossing_point": {
        Profile.INSTITUTIONAL: _("border crossing point"),
        Profile.STATUS_NEUTRAL: _("crossing point"),
    },
}


@dataclass(frozen=True)
class DesignationProfile:
    code: str
    en_toponyms: str  # "institutional" or "dual": the ``en_profile`` of Municipality.name_in
    letterhead: bool  # the institutional letterhead, or the designation with its footnote

    @property
    def label(self) -> str:
        return str(Profile(self.code).label)

    def designation(self) -> str:
        """The first line of a document in the active language."""
        if self.letterhead:
            return INSTITUTIONAL_LETTERHEAD
        # Translators: the status-neutral name, followed by an asterisk that points to the UNSCR 1244
        # footnote. Albanian may use its own form; English is always "Kosovo", never "Kosova".
        return gettext("Kosovo") + "*"

    def footnote(self) -> str:
        """The footnote the designation needs ("" for the institutional letterhead)."""
        if self.letterhead:
            return ""
        return "* " + str(settings.KSSP["XK_FOOTNOTE"])

    def term(self, key: str) -> str:
        return str(TERMS[key][self.code])

    def place_name(self, place: Any, language: str) -> str:
        """A place (reference data with sq/sr/en names) as this profile writes it in ``language``.

        English under the status-neutral profile is the dual form: the model's ``name_en_dual`` when it
        has one (municipalities), otherwise "Albanian/Serbian" when the two differ ("Merdarë/Merdare").
        """
        if hasattr(place, "name_en_dual"):  # municipalities know both English forms
            return str(place.name_in(language, en_profile=self.en_toponyms))
        if (language or "").lower().startswith("en") and self.en_toponyms == "dual":
            name_sq, name_sr = getattr(place, "name_sq", ""), getattr(place, "name_sr", "")
            if name_sq and name_sr:
                return name_sq if name_sq == name_sr else f"{name_sq}/{name_sr}"
        return str(place.name_in(language))


PROFILES: dict[str, DesignationProfile] = {
    Profile.INSTITUTIONAL: DesignationProfile(Profile.INSTITUTIONAL, en_toponyms="institutional", letterhead=True),
    Profile.STATUS_NEUTRAL: DesignationProfile(Profile.STATUS_NEUTRAL, en_toponyms="dual", letterhead=False),
}


def default_profile() -> str:
    """The deployment's default: ``KSSP["DESIGNATION_PROFILE"]``, else status-neutral where English
    place names are dual (an international deployment), else institutional."""
    configured = settings.KSSP.get("DESIGNATION_PROFILE")
    if configured in PROFILES:
        return str(configured)
    return Profile.STATUS_NEUTRAL if settings.KSSP.get("EN_TOPONYMS") == "dual" else Profile.INSTITUTIONAL


def get_profile(code: str | None) -> DesignationProfile:
    """The profile named ``code`` (the default when empty); ``KeyError`` for an unknown code."""
    return PROFILES[code or default_profile()]
