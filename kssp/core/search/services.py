"""The one write of the global search: "check other institutions" (the existence-only exception).

When nothing the actor may see matches, an actor holding ``hits.check`` may ask whether units beyond
their reach hold a match. Each type that offers the check runs the kernel's ``hit_check`` with the
purpose the user gave: the searcher learns only "possible match held by unit X", the owner's unit gets a
notice naming who asked and why, and every notice is audited. All types are checked in one transaction,
so a refusal leaves nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from kssp.core.access_exceptions import Hit, hit_check
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.policy import Actor
from kssp.core.search.query import SearchQuery
from kssp.core.search.registry import SearchType
from kssp.core.search.selectors import hit_check_types_for, may_check_other_institutions

PURPOSE_MAX = 300


@dataclass(frozen=True)
class TypeHits:
    type: SearchType
    hits: list[Hit]


@transaction.atomic
def search_hit_check(*, actor: Actor, query: SearchQuery, purpose: str) -> list[TypeHits]:
    """Existence-only check of every type that offers it; returns the hits per type (maybe none)."""
    if not may_check_other_institutions(actor):
        raise PermissionDenied(_("You may not check other institutions' records."))
    purpose = (purpose or "").strip()
    if not purpose:
        raise ApplicationError(_("The check was not run."), fields={"purpose": [_("Give the purpose of the check.")]})
    if len(purpose) > PURPOSE_MAX:
        raise ApplicationError(
            _("The check was not run."),
            fields={"purpose": [_("Write the purpose in at most %(max)s characters.") % {"max": PURPOSE_MAX}]},
        )
    results = []
    for spec in hit_check_types_for(actor=actor, query=query):
        assert spec.model is not None and spec.hidden_match is not None  # offers_hit_check
        match = spec.hidden_match(query)
        if match is None:
            continue
        results.append(TypeHits(spec, hit_check(actor=actor, model=spec.model, match=match, purpose=purpose)))
    return results
