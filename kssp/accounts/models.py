"""Users, institutions, units, roles, memberships, clearances and API tokens (issue #2 points 2-3).

A membership (unit, role, validity) is the only source of permissions; a user acts as one membership
at a time. ``is_superuser`` and ``is_staff`` give no operational access (ARCHITECTURE rule 1).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.accounts.choices import InstitutionKind, UnitKind
from kssp.core.markings import Classification
from kssp.core.models.base import PublicIdModel, TrilingualNameModel
from kssp.core.policy import Scope


class User(AbstractUser):
    """A person who signs in. Permissions come only from memberships."""

    public_id = models.UUIDField(_("public id"), unique=True, editable=False, null=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        full = self.get_full_name()
        return full or self.username

    def clearance_level(self, on: dt.date | None = None) -> int:
        day = on or timezone.localdate()
        levels = self.clearances.filter(revoked_at__isnull=True, valid_from__lte=day, valid_until__gte=day).values_list("level", flat=True)
        return max(levels, default=Classification.UNCLASSIFIED)


class Institution(PublicIdModel, TrilingualNameModel):
    """A reference institution (Kosovo Police, Customs, a Basic Prosecution Office, KOS-CERT, an operator…)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=InstitutionKind.choices)
    abbreviation_sq = models.CharField(_("abbreviation (Albanian)"), max_length=30, blank=True)
    abbreviation_sr = models.CharField(_("abbreviation (Serbian)"), max_length=30, blank=True)
    abbreviation_en = models.CharField(_("abbreviation (English)"), max_length=30, blank=True)
    administrative_owner = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="administered",
        verbose_name=_("administrative owner"),
    )
    uses_platform = models.BooleanField(_("has platform users"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")


class Unit(PublicIdModel, TrilingualNameModel):
    """A unit in an institution's tree. ``path`` ("0001.0004.") makes subtree queries portable."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="units", verbose_name=_("institution"))
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent unit")
    )
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices, default=UnitKind.UNIT)
    path = models.CharField(max_length=255, db_index=True, editable=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="unit_code_per_institution")]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    @property
    def depth(self) -> int:
        return self.path.count(".") - 1

    def ancestor_ids(self) -> tuple[int, ...]:
        ids = [int(part) for part in self.path.split(".") if part]
        return tuple(ids)


class Role(models.Model):
    """A role in the catalogue: permissions, scope and whether it is privileged are data."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_sq = models.CharField(_("name (Albanian)"), max_length=120)
    name_sr = models.CharField(_("name (Serbian, Latin)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    permissions = models.JSONField(_("permissions"), default=list)
    scope = models.CharField(_("scope"), max_length=20, choices=Scope.choices, default=Scope.OWN_UNIT)
    privileged = models.BooleanField(_("privileged"), default=False)
    sees_personal_data = models.BooleanField(_("sees personal data"), default=True)
    institution_kinds = models.JSONField(_("institution kinds"), default=list, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    @property
    def name(self) -> str:
        return TrilingualNameModel.name_in(self)  # type: ignore[arg-type]

    @property
    def name_sr_cyrl(self) -> str:
        from kssp.core.translit import latin_to_cyrillic

        return latin_to_cyrillic(self.name_sr)

    def __str__(self) -> str:
        return self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def valid(self, on: dt.date | None = None) -> MembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class Membership(PublicIdModel):
    """A user's role in a unit for a period: the only source of permissions."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit"))
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("role"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "valid_from"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                name="membership_valid_range", condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.role} – {self.unit}"

    @property
    def institution(self) -> Institution:
        return self.unit.institution

    def is_valid(self, on: dt.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.revoked_at is None and self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)


class Clearance(models.Model):
    """A security clearance under Law 03/L-178 (vetted by the Intelligence Agency), with an expiry."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="clearances", verbose_name=_("user"))
    level = models.PositiveSmallIntegerField(_("level"), choices=Classification.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    reference = models.CharField(_("decision number"), max_length=100, blank=True)
    decision_date = models.DateField(_("decision date"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Who recorded the vetting authority's decision and who approved the record (never the holder).
    recorded_by = models.ForeignKey("User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_by = models.ForeignKey("User", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-valid_until"]
        verbose_name = _("security clearance")
        verbose_name_plural = _("security clearances")

    def __str__(self) -> str:
        return f"{self.get_level_display()} → {self.valid_until}"


class AccessChange(PublicIdModel):
    """A proposed change to someone's access (a membership, a clearance) or to a role definition.

    Nothing that widens access takes effect on one person's word (issue #7 point 3): the change is
    proposed, and a second person approves or rejects it; neither may be the person it benefits. Both
    steps are audited and the institution's auditors are notified.
    """

    class Kind(models.TextChoices):
        MEMBERSHIP = "membership", _("Membership")
        CLEARANCE = "clearance", _("Security clearance")
        ROLE = "role", _("Role change")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED)
    # The institution whose administrators decide and whose auditors are told (for a role change: the
    # operating institution).
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+", verbose_name=_("institution"))
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="access_changes",
                             verbose_name=_("person"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit"))
    role = models.ForeignKey(Role, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("role"))
    details = models.JSONField(_("details"), default=dict)
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    clearance = models.ForeignKey(Clearance, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("access change")
        verbose_name_plural = _("access changes")

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id} ({self.status})"


class ApiToken(PublicIdModel):
    """A bearer token for the API, bound to one membership; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


# --- security operations (issue #3 point 11) --------------------------------------------------------


class ScreenLock(models.Model):
    """A user's quick-unlock PIN for shared booth and evidence-room workstations, and the count of
    wrong unlock attempts (kept here, not in the session, so that parallel requests cannot race it).

    Only a salted hash of the PIN is stored (the platform's password hashers).
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="screen_lock", verbose_name=_("user"))
    pin_hash = models.CharField(max_length=200, blank=True)
    pin_set_at = models.DateTimeField(_("PIN set"), null=True, blank=True)
    failed_attempts = models.PositiveIntegerField(_("wrong unlock attempts"), default=0)

    class Meta:
        verbose_name = _("screen lock")
        verbose_name_plural = _("screen locks")

    def __str__(self) -> str:
        return f"screen lock of {self.user}"

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hash)


class PasswordResetLink(PublicIdModel):
    """A one-time password reset link an administrator issued. Only the SHA-256 of the token is stored;
    the link is shown once to the administrator, who hands it to the user (no password is e-mailed)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_reset_links", verbose_name=_("user"))
    token_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_by_institution = models.ForeignKey(Institution, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("password reset link")
        verbose_name_plural = _("password reset links")

    def __str__(self) -> str:
        return f"password reset link for {self.user}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def is_usable(self, at: dt.datetime | None = None) -> bool:
        moment = at or timezone.now()
        return self.used_at is None and self.revoked_at is None and self.expires_at > moment


class BreakGlassAccess(PublicIdModel):
    """Emergency access to one record outside the actor's scope: a stated reason, a short time box, a
    named-user grant (``grant``, kind "break_glass") and an alert to the owning institution's auditors."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass_accesses", verbose_name=_("user"))
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+", verbose_name=_("membership"))
    grant = models.OneToOneField("core.Grant", on_delete=models.PROTECT, related_name="break_glass", verbose_name=_("grant"))
    target_institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="break_glass_received", verbose_name=_("owning institution")
    )
    target_type = models.CharField(_("record type"), max_length=100)
    target_public_id = models.UUIDField(_("record"))
    reason = models.TextField(_("reason"))
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("break-glass access")
        verbose_name_plural = _("break-glass accesses")

    def __str__(self) -> str:
        return f"break-glass {self.target_type} {self.target_public_id} by {self.user}"

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now() and self.grant.revoked_at is None
