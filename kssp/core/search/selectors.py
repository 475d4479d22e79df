"""Reads of the global search: every registered type asked through its own selector (ARCHITECTURE rule 2).

Counts are of visible records only: a type's selector filters by its policy before anything is counted,
so no number on the page or in the API reveals a record the actor may not see. Crossing the wall is
the separate, audited existence-only check (``kssp.core.search.services.search_hit_check``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from kssp.core.access_exceptions import HITS_CHECK
from kssp.core.exceptions import NotFound
from kssp.core.policy import INTELLIGENCE_KIND, Actor
from kssp.core.search.query import SearchQuery
from kssp.core.search.registry import SearchResult, SearchType, registered_search_types, search_type

DEFAULT_LIMIT = 10
MAX_LIMIT = 200


@dataclass
class SearchGroup:
    type: SearchType
    count: int | None  # None: not asked, because the type needs a purpose the user did not give
    results: list[SearchResult] = field(default_factory=list)

    @property
    def needs_purpose(self) -> bool:
        return self.count is None

    @property
    def more(self) -> bool:
        return self.count is not None and self.count > len(self.results)


@dataclass
class SearchOutcome:
    query: SearchQuery
    groups: list[SearchGroup]
    hit_check_types: list[SearchType] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(g.count or 0 for g in self.groups)

    @property
    def needs_purpose(self) -> bool:
        return any(g.needs_purpose for g in self.groups)

    @property
    def found(self) -> list[SearchGroup]:
        return [g for g in self.groups if g.count]

    @property
    def record(self) -> tuple[SearchType, SearchResult] | None:
        """The one visible record a QR payload, link or UUID names, if any."""
        if self.query.public_id is None:
            return None
        hits = [(g.type, r) for g in self.groups for r in g.results if r.public_id == self.query.public_id]
        return hits[0] if len(hits) == 1 else None

    @property
    def offers_hit_check(self) -> bool:
        """"Check other institutions" is offered when nothing visible matches, the query is an identifier
        (``kssp.core.search.hits.identifier_of``) and the actor may ask."""
        from kssp.core.search.hits import identifier_of

        return self.total == 0 and bool(self.hit_check_types) and identifier_of(self.query) is not None

    @property
    def check_needs_identifier(self) -> bool:
        """Nothing visible matches and the actor may check, but the query is not an identifier: say why
        "check other institutions" is not offered."""
        from kssp.core.search.hits import identifier_of

        return self.total == 0 and bool(self.hit_check_types) and identifier_of(self.query) is None


def types_for(*, actor: Actor, query: SearchQuery, only: str | None = None) -> list[SearchType]:
    """The registered types the actor may search that handle this query."""
    types = registered_search_types()
    if only is not None:
        types = [t for t in types if t.code == only]
    return [t for t in types if t.available_to(actor) and t.handles(query)]


def may_check_other_institutions(actor: Actor) -> bool:
    # The Intelligence Agency has no search into other tenants (users-review point 4), not even by existence.
    return actor.is_authenticated and actor.has_perm(HITS_CHECK) and actor.institution_kind != INTELLIGENCE_KIND


def hit_check_types_for(*, actor: Actor, query: SearchQuery) -> list[SearchType]:
    if not may_check_other_institutions(actor):
        return []
    return [t for t in types_for(actor=actor, query=query) if t.offers_hit_check]


def _run(spec: SearchType, actor: Actor, query: SearchQuery) -> QuerySet[Any] | Sequence[Any]:
    return spec.selector(actor, query)


def _slice(items: QuerySet[Any] | Sequence[Any], offset: int, limit: int) -> tuple[int, list[Any]]:
    if isinstance(items, QuerySet):
        return items.count(), list(items[offset : offset + limit])
    items = list(items)
    return len(items), items[offset : offset + limit]


def search_visible_to(*, actor: Actor, query: SearchQuery, only: str | None = None, limit: int = DEFAULT_LIMIT) -> SearchOutcome:
    """Ask every registered type the actor may search; the first ``limit`` results of each, and its count."""
    limit = max(1, min(limit, MAX_LIMIT))
    groups = []
    for spec in types_for(actor=actor, query=query, only=only):
        if spec.requires_purpose and not (query.purpose or query.case_ref):
            groups.append(SearchGroup(spec, None))
            continue
        count, items = _slice(_run(spec, actor, query), 0, limit)
        groups.append(SearchGroup(spec, count, [spec.to_result(item) for item in items]))
    outcome = SearchOutcome(query, groups)
    if outcome.total == 0:
        outcome.hit_check_types = hit_check_types_for(actor=actor, query=query)
    return outcome


def search_type_results(*, actor: Actor, query: SearchQuery, code: str) -> tuple[SearchType, QuerySet[Any] | Sequence[Any]]:
    """All results of one type, unevaluated (for a paginated page of that type); NotFound if the actor
    may not search it or it does not handle the query."""
    spec = search_type(code)
    if spec is None or not spec.available_to(actor) or not spec.handles(query):
        raise NotFound()
    if spec.requires_purpose and not (query.purpose or query.case_ref):
        return spec, []
    return spec, _run(spec, actor, query)


def search_resolve_visible_to(*, actor: Actor, public_id: uuid.UUID, purpose: str = "") -> tuple[SearchType, SearchResult]:
    """The record a public id (a QR payload) names, if the actor may see it; NotFound otherwise."""
    query = SearchQuery(text=str(public_id), kinds=frozenset({"public_id", "text"}), public_id=public_id, purpose=purpose)
    outcome = search_visible_to(actor=actor, query=query, limit=2)
    record = outcome.record
    if record is None:
        raise NotFound()
    return record
