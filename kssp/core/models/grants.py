"""Grants: the one way a protected record is shared beyond its owner's scope (issue #2 point 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kssp.core.markings import Classification, HandlingCode
from kssp.core.models.base import PublicIdModel
from kssp.core.models.scoping import ProtectedManager, integrity_checks

if TYPE_CHECKING:
    from kssp.core.actor import Actor


class ProtectedRecord(PublicIdModel):
    """Base of every need-to-know record: an owning institution and unit, a classification under
    Law 03/L-178, an optional handling code, and whether it holds personal data (then never public,
    and reading it writes a consultation event)."""

    owner_institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("owning institution")
    )
    owner_unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("owning unit"))
    classification = models.PositiveSmallIntegerField(
        _("classification"), choices=Classification.choices, default=Classification.RESTRICTED
    )
    handling_code = models.CharField(_("handling code"), max_length=2, choices=HandlingCode.choices, blank=True)
    contains_personal_data = models.BooleanField(_("holds personal data"), default=False)
    # The import batch (its key) whose promotion is still writing this record: hidden from everyone, by
    # the policy's both faces, until the batch's one short final switch clears it (kssp.core.imports).
    import_pending = models.PositiveBigIntegerField(null=True, blank=True, editable=False, db_index=True)

    objects = ProtectedManager()  # scoped by default: .visible_to(actor) or .unscoped(reason=...)

    class Meta:
        abstract = True

    def validate_unique(self, exclude: Any = None) -> None:
        with integrity_checks("uniqueness is checked over every row"):
            super().validate_unique(exclude)

    def validate_constraints(self, exclude: Any = None) -> None:
        with integrity_checks("constraints are checked over every row"):
            super().validate_constraints(exclude)


def visibility_indexes(prefix: str) -> list[models.Index]:
    """The indexes a high-volume protected record type declares in its ``Meta.indexes`` so that the
    policy's filter is served from an index (issue #6 point 8): lists newest first are read in index
    order and stop at the page's last row, and counting what a unit-scoped reader sees is an index-only
    scan of (owning unit, classification) that also carries the pending-import mark and the id (key
    columns rather than PostgreSQL's ``include``, so that SQLite builds the same index)."""
    return [
        models.Index(fields=["-created_at"], name=f"{prefix}_newest_first"),
        models.Index(fields=["owner_unit", "classification", "import_pending", "id"], name=f"{prefix}_unit_class"),
    ]


class DependentRecord(PublicIdModel):
    """Base of a record that belongs to a protected one (a custody event, a charge, an observable): its
    declaration names the ``parent`` foreign key, and it is visible exactly when the parent is."""

    objects = ProtectedManager()

    class Meta:
        abstract = True

    def validate_unique(self, exclude: Any = None) -> None:
        with integrity_checks("uniqueness is checked over every row"):
            super().validate_unique(exclude)

    def validate_constraints(self, exclude: Any = None) -> None:
        with integrity_checks("constraints are checked over every row"):
            super().validate_constraints(exclude)


class GrantQuerySet(models.QuerySet["Grant"]):
    def active(self, at: Any = None) -> GrantQuerySet:
        moment = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=moment))

    def for_model(self, model: type[models.Model]) -> GrantQuerySet:
        return self.filter(content_type=ContentType.objects.get_for_model(model))

    def for_object(self, obj: models.Model) -> GrantQuerySet:
        return self.for_model(type(obj)).filter(object_id=obj.pk)

    def naming(self, actor: Actor) -> GrantQuerySet:
        """Grants whose grantee is the actor as the acting membership sees it."""
        if not actor.is_authenticated:
            return self.none()
        return self.filter(
            Q(grantee_type=Grant.GranteeType.INSTITUTION, grantee_institution_id=actor.institution_id)
            | Q(grantee_type=Grant.GranteeType.UNIT, grantee_unit_id__in=actor.unit_ancestor_ids)
            | Q(
                grantee_type=Grant.GranteeType.USER,
                grantee_user_id=actor.user_id,
                grantee_institution_id=actor.institution_id,
            )
        )


class Grant(PublicIdModel):
    """Shares one record with an institution, a unit (and its sub-units) or a named user.

    A user grant is bound to the institution the user was named in, so that it follows the person
    only while acting for that institution. Revocation and expiry end it; rows are never deleted.
    """

    class GranteeType(models.TextChoices):
        INSTITUTION = "institution", _("Institution")
        UNIT = "unit", _("Unit")
        USER = "user", _("Named user")

    class Kind(models.TextChoices):
        SHARE = "share", _("Share")
        ASSIGNMENT = "assignment", _("Assignment")
        DISSEMINATION = "dissemination", _("Dissemination")
        BREAK_GLASS = "break_glass", _("Break-glass access")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SHARE)
    grantee_type = models.CharField(_("grantee type"), max_length=20, choices=GranteeType.choices)
    grantee_institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.PROTECT, related_name="grants_received",
        verbose_name=_("institution"),
    )
    grantee_unit = models.ForeignKey(
        "accounts.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="grants_received",
        verbose_name=_("unit"),
    )
    grantee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="grants_received",
        verbose_name=_("user"),
    )
    reason = models.TextField(_("reason"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    may_reshare = models.BooleanField(_("grantee may share further"), default=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="grants_given"
    )
    granted_by_institution = models.ForeignKey(
        "accounts.Institution", on_delete=models.PROTECT, null=True, blank=True, related_name="grants_given"
    )
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reshares")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="grants_revoked"
    )
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="grant_target_idx"),
            models.Index(fields=["grantee_institution", "grantee_type"], name="grant_grantee_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="grant_grantee_shape",
                condition=(
                    Q(grantee_type="institution", grantee_unit__isnull=True, grantee_user__isnull=True)
                    | Q(grantee_type="unit", grantee_unit__isnull=False, grantee_user__isnull=True)
                    | Q(grantee_type="user", grantee_unit__isnull=True, grantee_user__isnull=False)
                ),
            )
        ]
        verbose_name = _("grant")
        verbose_name_plural = _("grants")

    def __str__(self) -> str:
        return f"grant {self.public_id}"

    @property
    def grantee_label(self) -> str:
        if self.grantee_type == self.GranteeType.USER and self.grantee_user is not None:
            return f"{self.grantee_user} ({self.grantee_institution})"
        if self.grantee_type == self.GranteeType.UNIT and self.grantee_unit is not None:
            return str(self.grantee_unit)
        return str(self.grantee_institution)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
