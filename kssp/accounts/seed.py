"""Seeding institutions, their unit trees and the role catalogue from `kssp/accounts/data/`.

Used by the data migration (with historical models) and by ``manage.py seed_demo``; idempotent
(upsert by code). Seeds are part of the release and are not audited as user actions; later edits go
through the audited services.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_institutions(institution_model: Any, unit_model: Any) -> None:
    Institution, Unit = institution_model, unit_model
    owners: dict[str, str] = {}
    for row in _rows("institutions.csv"):
        Institution.objects.update_or_create(
            code=row["code"],
            defaults={
                "kind": row["kind"],
                "name_sq": row["name_sq"],
                "name_sr": row["name_sr"],
                "name_en": row["name_en"],
                "abbreviation_sq": row["abbreviation_sq"],
                "abbreviation_sr": row["abbreviation_sr"],
                "abbreviation_en": row["abbreviation_en"],
                "uses_platform": row["uses_platform"] == "1",
            },
        )
        if row["administrative_owner"]:
            owners[row["code"]] = row["administrative_owner"]
    for code, owner in owners.items():
        Institution.objects.filter(code=code).update(administrative_owner=Institution.objects.get(code=owner))

    unit_rows = _rows("units.csv")
    for institution in Institution.objects.all():
        for row in unit_rows:
            if row["institution"] not in {"*", institution.code}:
                continue
            parent = Unit.objects.get(institution=institution, code=row["parent"]) if row["parent"] else None
            unit = Unit.objects.filter(institution=institution, code=row["code"]).first()
            if unit is None:
                names = (row["name_sq"], row["name_sr"], row["name_en"])
                if row["code"] == "HQ":
                    # The root unit carries the institution's own name.
                    names = (institution.name_sq, institution.name_sr, institution.name_en)
                unit = Unit.objects.create(
                    institution=institution,
                    parent=parent,
                    code=row["code"],
                    kind=row["kind"],
                    name_sq=names[0],
                    name_sr=names[1],
                    name_en=names[2],
                    path="",
                )
                prefix = parent.path if parent is not None else ""
                unit.path = f"{prefix}{unit.pk:06d}."
                unit.save(update_fields=["path"])


def seed_roles(role_model: Any) -> None:
    Role = role_model
    for spec in json.loads((DATA / "roles.json").read_text(encoding="utf-8")):
        Role.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name_sq": spec["name_sq"],
                "name_sr": spec["name_sr"],
                "name_en": spec["name_en"],
                "scope": spec["scope"],
                "privileged": spec["privileged"],
                "permissions": sorted(spec["permissions"]),
                "institution_kinds": spec["kinds"],
                "sees_personal_data": spec.get("sees_personal_data", True),
            },
        )
