"""The permission catalogue. Each app registers the codes it checks; roles list codes (data)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class PermissionSpec:
    code: str
    label: str | Promise
    group: str


_permissions: dict[str, PermissionSpec] = {}


def register_permission(code: str, label: str | Promise, *, group: str) -> str:
    _permissions[code] = PermissionSpec(code, label, group)
    return code


def registered_permissions() -> dict[str, PermissionSpec]:
    return dict(sorted(_permissions.items()))


def unknown_permissions(codes: list[str]) -> list[str]:
    return [code for code in codes if code not in _permissions]
