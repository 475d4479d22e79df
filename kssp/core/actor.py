"""Who is acting (issue #2): the ``Actor`` every selector and service takes, its scope and its ids.

The lowest piece of the kernel's access layer: ``kssp.core.models`` (grants, the scoped manager) and
``kssp.core.policy`` both build on it, so neither needs the other to say who is acting (issue #6 point 7:
``policy`` and ``models.grants`` used to import each other). ``kssp.core.policy`` re-exports these names.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    OWN_UNIT = "own_unit", _("own unit")
    UNIT_SUBTREE = "unit_subtree", _("unit and the units below it")
    INSTITUTION = "institution", _("whole institution")
    NATIONAL = "national", _("national")


INTELLIGENCE_KIND = "intelligence"

# How long an actor's remembered filters stay (``Actor.remembered``): longer than a request, short
# against a grant's expiry.
MEMO_SECONDS = 30.0

_T = TypeVar("_T")


@dataclass(frozen=True)
class ActingIds:
    """The ids of an authenticated actor, non-optional (for services that write on its behalf)."""

    user_id: int
    membership_id: int
    institution_id: int
    unit_id: int


@dataclass(frozen=True)
class Actor:
    """Who is acting, as which membership, from where. Built once per request, task or command and
    passed explicitly to every selector and service (never read from a global)."""

    user: Any  # the accounts User (core does not import accounts), or None for the system
    label: str
    membership_id: int | None = None
    institution_id: int | None = None
    institution_kind: str = ""
    unit_id: int | None = None
    unit_path: str = ""
    unit_ancestor_ids: tuple[int, ...] = ()
    role_code: str = ""
    scope: str = Scope.OWN_UNIT
    permissions: frozenset[str] = field(default_factory=frozenset)
    clearance: int = 0
    privileged: bool = False
    source: str = "web"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    ip: str | None = None

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None and self.membership_id is not None

    @property
    def ids(self) -> ActingIds:
        if self.user is None or self.membership_id is None or self.institution_id is None or self.unit_id is None:
            raise PermissionError("this operation needs a signed-in actor acting as a membership")
        return ActingIds(self.user.pk, self.membership_id, self.institution_id, self.unit_id)

    def has_perm(self, code: str) -> bool:
        return code in self.permissions

    @cached_property
    def unit_subtree_ids(self) -> tuple[int, ...]:
        """The acting unit and every unit below it, read once per actor (an actor lives for one request,
        task or command). The policy filters on these ids rather than joining the unit table on its path,
        so that the database can use the owner-unit index (issue #6 point 8)."""
        if not self.unit_path:
            return ()
        unit_model = apps.get_model("accounts", "Unit")
        return tuple(unit_model._base_manager.filter(path__startswith=self.unit_path).order_by("pk").values_list("pk", flat=True))

    def remembered(self, key: Any, make: Callable[[], _T], *, seconds: float = MEMO_SECONDS) -> _T:
        """``make()`` computed once per actor and ``key`` for ``seconds``: what depends only on who is
        acting and the time (a policy's filter, whose grant expiry compares with "now"), reused by the
        many queries of one page. A filter holds no rows (its grant lookups are subqueries the database
        runs with each query), so a share made during the request is seen by the next query all the same.
        An actor of a long task or command rebuilds the entry after ``seconds``."""
        memo = self.__dict__.setdefault("_memo", {})  # a frozen dataclass: its __dict__ is the cache
        now = time.monotonic()
        entry = memo.get(key)
        if entry is None or now - entry[0] > seconds:
            entry = memo[key] = (now, make())
        return entry[1]  # type: ignore[no-any-return]

    @property
    def effective_scope(self) -> str:
        # The Intelligence Agency never sees into another tenant by scope (users-review point 4).
        if self.scope == Scope.NATIONAL and self.institution_kind == INTELLIGENCE_KIND:
            return Scope.INSTITUTION
        return self.scope

    @classmethod
    def system(cls, label: str = "system", *, source: str = "system") -> Actor:
        return cls(user=None, label=label, source=source)
