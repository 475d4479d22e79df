"""Reference data (issue #2 point 6): seeded by data migrations from `kssp/core/data/*.csv`, editable by
administrators through services (audited). Names are explicit per language; Cyrillic is derived."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kssp.core.models.base import TrilingualNameModel


class ValidityMixin:
    """Single-row invariant of every dated reference row: it cannot end before it starts."""

    valid_from: object
    valid_to: object

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:  # type: ignore[operator]
            raise ValidationError({"valid_to": _("The end date is before the start date.")})


class ReferenceModel(TrilingualNameModel):
    code = models.CharField(_("code"), max_length=20, unique=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ["code"]


class District(ReferenceModel):
    """One of the seven districts used as statistical regions (editable data, not code)."""

    class Meta(ReferenceModel.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class PoliceRegion(ReferenceModel):
    """A Kosovo Police regional directorate (DRP); it does not coincide with the districts."""

    class Meta(ReferenceModel.Meta):
        verbose_name = _("police region")
        verbose_name_plural = _("police regions")


class BorderDirectorate(ReferenceModel):
    """A Border Police regional directorate responsible for crossing points and border sections."""

    class Meta(ReferenceModel.Meta):
        verbose_name = _("Border Police directorate")
        verbose_name_plural = _("Border Police directorates")


class Municipality(ReferenceModel):
    """One of the 38 municipalities, with the names institutions use (users-review point 15).

    English has two forms: the institutional one ("Prishtina") and the dual form used by international
    organisations ("Prishtinë/Priština"); `settings.KSSP["EN_TOPONYMS"]` or an export profile chooses.
    """

    name_en_dual = models.CharField(_("name (English, dual form)"), max_length=200)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("district"))
    police_region = models.ForeignKey(
        PoliceRegion, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("police region")
    )
    majority_community = models.CharField(_("majority community"), max_length=40, blank=True)
    official_languages = models.JSONField(_("official languages"), default=list, blank=True)

    class Meta(ReferenceModel.Meta):
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def name_in(self, language: str | None = None, *, en_profile: str | None = None) -> str:
        lang = (language or get_language() or "sq").lower()
        profile = en_profile or settings.KSSP.get("EN_TOPONYMS", "institutional")
        if lang.startswith("en") and profile == "dual":
            return self.name_en_dual
        return super().name_in(lang)


class CrossingPoint(ReferenceModel):
    """A crossing point with its type, traffic, hours and both sides' names (users-review point 18)."""

    class Kind(models.TextChoices):
        CROSSING_POINT = "crossing_point", _("Crossing point")
        COMMON_CROSSING_POINT = "common_crossing_point", _("Common crossing point")
        ONE_STOP = "one_stop", _("One-stop joint control")
        AIRPORT = "airport", _("Airport")

    class Traffic(models.TextChoices):
        PASSENGERS = "passengers", _("Passengers")
        CARGO = "cargo", _("Cargo")
        RAIL = "rail", _("Rail")
        PEDESTRIANS = "pedestrians", _("Pedestrians")

    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    traffic = models.JSONField(_("traffic allowed"), default=list, blank=True)
    customs_presence = models.BooleanField(_("customs present"), default=True)
    hours = models.CharField(_("hours"), max_length=100, blank=True)
    seasonal = models.BooleanField(_("seasonal"), default=False)
    directorate = models.ForeignKey(
        BorderDirectorate,
        on_delete=models.PROTECT,
        related_name="crossing_points",
        verbose_name=_("directorate"),
        null=True,
        blank=True,
    )
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="crossing_points", verbose_name=_("municipality"))
    neighbour = models.ForeignKey(
        "core.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("neighbour"), null=True, blank=True
    )
    other_side_name = models.CharField(_("name on the other side"), max_length=200, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta(ReferenceModel.Meta):
        verbose_name = _("crossing point")
        verbose_name_plural = _("crossing points")


class Country(ValidityMixin, TrilingualNameModel):
    """A country or a former country of manufacture (ISO 3166-1 and 3166-3), plus XK.

    XK is a user-assigned code, not part of ISO 3166-1; outputs under the status-neutral profile add the
    footnote from `settings.KSSP["XK_FOOTNOTE"]`.
    """

    code = models.CharField(
        _("code"), max_length=4, unique=True, help_text=_("ISO 3166-1 alpha-2, or ISO 3166-3 alpha-4 for former countries")
    )
    alpha3 = models.CharField(_("alpha-3 code"), max_length=3, blank=True)
    numeric = models.CharField(_("numeric code"), max_length=3, blank=True)
    is_former = models.BooleanField(_("former country"), default=False)
    user_assigned = models.BooleanField(_("user-assigned code"), default=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")


class LegalAct(ValidityMixin, models.Model):
    """A versioned legal act (users-review point 1): modules cite rows, never hard-code article numbers."""

    class Kind(models.TextChoices):
        CONSTITUTION = "constitution", _("Constitution")
        CODE = "code", _("Code")
        LAW = "law", _("Law")
        REGULATION = "regulation", _("Regulation")
        ADMINISTRATIVE_INSTRUCTION = "administrative_instruction", _("Administrative instruction")
        EU = "eu", _("EU act (reference)")
        INTERNATIONAL = "international", _("International instrument")

    number = models.CharField(_("number"), max_length=40)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title_sq = models.CharField(_("title (Albanian)"), max_length=300)
    title_sr = models.CharField(_("title (Serbian, Latin)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    gazette_ref = models.CharField(_("Official Gazette reference"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces", verbose_name=_("replaced by")
    )
    needs_verification = models.BooleanField(_("to be verified against the Official Gazette"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["number"], name="legal_act_number_unique")]
        verbose_name = _("legal act")
        verbose_name_plural = _("legal acts")

    @property
    def title(self) -> str:
        lang = (get_language() or "sq").lower()
        if lang.startswith("sr"):
            from kssp.core.translit import latin_to_cyrillic

            return latin_to_cyrillic(self.title_sr) if lang.endswith("cyrl") else self.title_sr
        return self.title_en if lang.startswith("en") else self.title_sq

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Offence(ValidityMixin, models.Model):
    """An article (and paragraph) of a legal act defining an offence, valid for a period."""

    act = models.ForeignKey(LegalAct, on_delete=models.PROTECT, related_name="offences", verbose_name=_("legal act"))
    article = models.CharField(_("article"), max_length=20)
    paragraph = models.CharField(_("paragraph"), max_length=20, blank=True)
    title_sq = models.CharField(_("title (Albanian)"), max_length=300)
    title_sr = models.CharField(_("title (Serbian, Latin)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    needs_verification = models.BooleanField(_("to be verified against the Official Gazette"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["act__number", "article", "paragraph"]
        constraints = [models.UniqueConstraint(fields=["act", "article", "paragraph"], name="offence_act_article_unique")]
        verbose_name = _("offence")
        verbose_name_plural = _("offences")

    @property
    def title(self) -> str:
        lang = (get_language() or "sq").lower()
        if lang.startswith("sr"):
            from kssp.core.translit import latin_to_cyrillic

            return latin_to_cyrillic(self.title_sr) if lang.endswith("cyrl") else self.title_sr
        return self.title_en if lang.startswith("en") else self.title_sq

    def __str__(self) -> str:
        para = f"({self.paragraph})" if self.paragraph else ""
        return f"{self.act.number} art. {self.article}{para} {self.title}"
