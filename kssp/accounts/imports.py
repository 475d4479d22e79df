"""Units as an import type (issue #7 point 1): an institution's administrator uploads
``kssp/accounts/data/units_template.csv`` filled with the units no stored source names (Basic Court
branches, customs offices and terminals), with the act or page that names each one.

The staged import framework (``kssp/core/imports``) parses each cell, ``validate_row`` checks the row
against the uploader's institution (the institution column, an existing parent unit, a code not yet
used), and the report shows every row's errors in the reader's language. Promotion creates the units
through the audited ``unit_create`` service in one transaction: all of them or none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext_lazy as _

from kssp.accounts import permissions as perms
from kssp.accounts import services
from kssp.accounts.choices import UnitKind
from kssp.accounts.models import Institution, Unit
from kssp.core.imports.messages import Msg
from kssp.core.imports.registry import Column, ImportType, RowInvalid, StagedValues, register_import_type
from kssp.core.policy import Actor

COLUMNS = (
    Column("institution", _("Institution"), max_length=30,
           help_text=_("The code of your institution (e.g. DK); empty: yours.")),
    Column("code", _("Code"), required=True, max_length=40, help_text=_("Unique within the institution, e.g. DOG-PR.")),
    Column("parent", _("Parent unit"), max_length=40,
           help_text=_("The code of an existing unit of your institution; empty: under its headquarters.")),
    Column("kind", _("Kind"), kind="choice", choices=UnitKind.choices, default=UnitKind.UNIT),
    Column("name_sq", _("Name (Albanian)"), required=True, max_length=200),
    Column("name_sr", _("Name (Serbian, Latin)"), required=True, max_length=200),
    Column("name_en", _("Name (English)"), required=True, max_length=200),
    Column("source", _("Source"), required=True, max_length=500, free_text=True,
           help_text=_("The act or page that names the unit.")),
)


def _institution_of(actor: Actor) -> Institution:
    return Institution.objects.get(pk=int(actor.institution_id or 0))


def validate_row(actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
    """What the cells alone cannot tell: the uploader's institution, the parent, a code already used."""
    institution = _institution_of(actor)
    errors: dict[str, list[Any]] = {}
    given = (values.get("institution") or "").strip()
    if given and given.upper() != institution.code.upper():
        errors["institution"] = [Msg(_("You can add units only to your own institution (%(code)s)."), code=institution.code)]
    code = values["code"].strip()
    if Unit.objects.filter(institution=institution, code__iexact=code).exists():
        errors["code"] = [_("This institution already has a unit with this code.")]
    parent_code = (values.get("parent") or "").strip() or "HQ"
    if not Unit.objects.filter(institution=institution, code__iexact=parent_code).exists():
        errors["parent"] = [Msg(_("Your institution has no unit with the code %(code)s."), code=parent_code)]
    if errors:
        raise RowInvalid(errors)
    values["institution"] = institution.code
    values["code"] = code
    values["parent"] = parent_code
    return values


def promote(actor: Actor, rows: Iterator[StagedValues]) -> int:
    """Create every unit through ``unit_create`` (audited, with its source); the framework holds the
    transaction, so a refusal at any row (a code used twice in the file) leaves no unit at all."""
    institution = _institution_of(actor)
    count = 0
    for row in rows:
        v = row.values
        parent = Unit.objects.get(institution=institution, code__iexact=v["parent"])
        services.unit_create(actor=actor, institution=institution, parent=parent, code=v["code"], name_sq=v["name_sq"],
                             name_sr=v["name_sr"], name_en=v["name_en"], kind=v["kind"], source=v["source"])
        count += 1
    return count


UNITS_IMPORT = register_import_type(ImportType(
    code="units",
    label=_("Units"),
    description=_("Units of your institution that no source in the platform names (court branches, customs offices "
                  "and terminals), each with the act or page that names it: the columns of units_template.csv."),
    permission=perms.MEMBERSHIPS_MANAGE,
    columns=COLUMNS,
    validate_row=validate_row,
    promote=promote,
))
