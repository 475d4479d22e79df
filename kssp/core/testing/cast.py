"""The people of the generated record contracts (issue #6 point 5), built for one declared record type.

Everyone holds one role made for the test, ``contract_reader``: the type's own permission codes (and
its parent's, for a dependent type), scope "unit and the units below it". So a refusal can only come
from what the contract varies — the institution, the clearance, a missing permission, a grant — never
from a role that happens to lack the type's permission in ``roles.json``.

* ``owner``: Kosovo Police, NJKT (under DHT), cleared SECRET; the sample records are theirs.
* ``low``: the owner's unit, no clearance at all (reaches UNCLASSIFIED only).
* ``outsider``: Customs, ZL (the directorate); another institution.
* ``outsider_below``: Customs, DG-VERMICE (a branch under ZL); ``outsider_above``: Customs, HQ.
* ``named``: Special Prosecution Office, HQ; ``named_colleague``: the same unit and role.
  ``named_elsewhere``: the same user as ``named``, acting through a second membership in Customs/ZL.

Accounts are reached by name (``apps.get_model``, ``import_string``): the kernel imports no module.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.module_loading import import_string

from kssp.core.markings import Classification
from kssp.core.policy import Actor
from kssp.core.records.declaration import RecordType
from kssp.core.records.registry import declaration_for

_serial = itertools.count(1)


def chain(declaration: RecordType) -> list[RecordType]:
    """The declaration, then its parent's, up to the first record type that is not dependent."""
    out = [declaration]
    while out[-1].is_dependent:
        parent = declaration_for(out[-1].parent_model)
        if parent is None:
            raise LookupError(f"{out[-1].label}: its parent is not declared")
        out.append(parent)
    return out


def root_record(declaration: RecordType, record: Any) -> Any:
    """The record a dependent one belongs to (what is shared and marked); the record itself otherwise."""
    for link in chain(declaration)[:-1]:
        record = getattr(record, str(link.parent))
    return record


def permission_codes(declaration: RecordType, *kinds: str) -> set[str]:
    kinds = kinds or ("view_perm", "create_perm", "change_perm", "share_perm")
    return {code for d in chain(declaration) for kind in kinds if (code := getattr(d, kind))}


def without_permissions(actor: Actor, codes: set[str]) -> Actor:
    """The same actor (membership, unit, scope, clearance) minus the given permission codes."""
    return dataclasses.replace(actor, permissions=actor.permissions - frozenset(codes))


@dataclass
class Cast:
    declaration: RecordType
    owner: Any
    low: Any
    outsider: Any
    outsider_below: Any
    outsider_above: Any
    named: Any
    named_colleague: Any
    named_elsewhere: Actor

    @property
    def label(self) -> str:
        return self.declaration.label


def ensure_seeded() -> None:
    """Institutions and roles come from the seed migration; a transactional test may have flushed them."""
    Role = apps.get_model("accounts", "Role")
    if not Role.objects.exists():
        seed = import_string("kssp.accounts.seed.seed_institutions")
        seed(apps.get_model("accounts", "Institution"), apps.get_model("accounts", "Unit"))
        import_string("kssp.accounts.seed.seed_roles")(Role)


def contract_role(declaration: RecordType, scope: str = "unit_subtree", *, like: str | None = None) -> str:
    """A role holding the type's permission codes (and, with ``like``, that seeded role's as well: the
    route contracts act as people who could use every page, not only read the type)."""
    Role = apps.get_model("accounts", "Role")
    code = f"contract_reader_{next(_serial)}"
    permissions = permission_codes(declaration)
    if like is not None:
        permissions |= set(Role.objects.get(code=like).permissions)
    Role.objects.create(code=code, name_sq=code, name_sr=code, name_en=code, scope=scope, permissions=sorted(permissions))
    return code


def second_membership(person: Any, *, institution: str, unit: str, role: str) -> Actor:
    """Give ``person``'s user another valid membership; the actor acting through it."""
    Membership = apps.get_model("accounts", "Membership")
    Unit = apps.get_model("accounts", "Unit")
    Role = apps.get_model("accounts", "Role")
    membership = Membership.objects.create(
        user=person.user, unit=Unit.objects.get(institution__code=institution, code=unit),
        role=Role.objects.get(code=role), valid_from=timezone.localdate() - dt.timedelta(days=30),
    )
    actor_for = import_string("kssp.accounts.actor.actor_for")
    return actor_for(person.user, membership)  # type: ignore[no-any-return]


def build_cast(declaration: RecordType, *, like: str | None = None) -> Cast:
    ensure_seeded()
    make_person = import_string("kssp.accounts.testing.make_person")
    role = contract_role(declaration, like=like)
    n = next(_serial)

    def person(name: str, institution: str, unit: str, **extra: Any) -> Any:
        return make_person(f"c{n}_{name}", institution=institution, unit=unit, role=role, **extra)

    named = person("named", "PSRK", "HQ")
    return Cast(
        declaration=declaration,
        owner=person("owner", "KP", "NJKT"),
        low=person("low", "KP", "NJKT", clearance=Classification.UNCLASSIFIED),
        outsider=person("outsider", "DK", "ZL"),
        outsider_below=person("outsider_below", "DK", "DG-VERMICE"),
        outsider_above=person("outsider_above", "DK", "HQ"),
        named=named,
        named_colleague=person("named_colleague", "PSRK", "HQ"),
        named_elsewhere=second_membership(named, institution="DK", unit="ZL", role=role),
    )
