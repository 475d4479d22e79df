"""The one write of the global search: "check other institutions" (the existence-only exception).

When nothing the actor may see matches, an actor holding ``hits.check`` may ask whether units beyond
their reach hold a record carrying the same identifier. Every type that offers the check is asked in
one transaction (``kssp.core.search.hits``): the searcher learns only "a record of unit X (institution
Y) matches", the owner's unit gets a notice naming who asked and why, the searcher's institution's
trail gets only what the searcher was told, and probing is limited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from kssp.core.access_exceptions import Hit
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.policy import Actor
from kssp.core.search.hits import hit_check_many, identifier_match, identifier_of, no_type_answers, not_an_identifier
from kssp.core.search.query import SearchQuery
from kssp.core.search.registry import SearchType
from kssp.core.search.selectors import hit_check_types_for, may_check_other_institutions

PURPOSE_MAX = 300


@dataclass(frozen=True)
class TypeHits:
    type: SearchType
    hits: list[Hit]


def hidden_match(spec: SearchType, query: SearchQuery) -> Q | None:
    """The identifier match of a type: the declaration's when the type is a declared record type, else
    the type's own ``hidden_match`` (given identifier queries only)."""
    from kssp.core.records import declaration_for

    if identifier_of(query) is None or spec.model is None:
        return None
    declaration: Any = declaration_for(spec.model)
    if declaration is not None:
        return identifier_match(declaration, query)
    return spec.hidden_match(query) if spec.hidden_match is not None else None


def search_hit_check(*, actor: Actor, query: SearchQuery, purpose: str) -> list[TypeHits]:
    """Existence-only check of every type that offers it; returns the hits per type (maybe none).

    Raises ``HitCheckLimited`` (after recording the refusal) when the actor checked too often."""
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
    if identifier_of(query) is None:
        raise not_an_identifier()
    specs, checks = [], []
    for spec in hit_check_types_for(actor=actor, query=query):
        assert spec.model is not None  # offers_hit_check
        match = hidden_match(spec, query)
        if match is None:
            continue
        specs.append(spec)
        checks.append((spec.model, match))
    if not checks:
        raise no_type_answers()
    hits = hit_check_many(actor=actor, checks=checks, purpose=purpose, kind=query.primary)
    return [TypeHits(spec, typed) for spec, typed in zip(specs, hits, strict=True)]
