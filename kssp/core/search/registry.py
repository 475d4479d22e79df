"""Searchable types: how a module puts its records into the global search (issue #3 point 7).

The header search box asks every registered type, through the type's own selector, and shows only
what the acting membership may see. A module registers its types from its ``AppConfig.ready()``
(``kssp/<app>/search.py``, imported there); the kernel imports no module.

Registering a type
==================

Most types are a visible queryset plus a match::

    from kssp.core.search.registry import SearchResult, register_search_type
    from kssp.core.search import query as k

    register_search_type(
        "bulletin",
        label_sq="Buletinet", label_sr="Bilteni", label_en="Bulletins",
        permission="bulletins.view",                    # asked only for actors holding it
        visible=lambda actor: bulletin_list_visible_to(actor=actor),   # the module's selector
        match=lambda q: Q(number__iexact=q.text) | Q(title__icontains=q.text),
        present=lambda b: SearchResult(title=b.title, number=b.number, url=…, public_id=b.public_id,
                                       badges=(classification_badge(b.classification, …),)),
        model=Bulletin, hidden_check=True,              # may answer the existence-only check
        kinds={k.RECORD_NUMBER, k.NAME, k.TEXT},        # optional: which kinds of query it handles
    )

* ``visible(actor)`` must be the module's ``<entity>_list_visible_to`` selector: a search never sees
  more than the list page. ``match(query)`` returns a ``Q`` (or ``None``: nothing matches). A query
  naming a record (QR payload, link, UUID) is matched on ``public_id`` without calling ``match``.
* ``present(obj)`` turns a record into a ``SearchResult`` (title, number, url, public id, badges).
  Keep personal data out of ``title`` unless the list page shows it too.
* ``hidden_check=True`` with ``model`` (a ``ProtectedRecord`` with a registered policy) lets an actor
  holding ``hits.check`` ask "does another unit hold a match?" when nothing visible matches: the kernel's
  existence-only exception (``kssp.core.search.hits.hit_check``), with a purpose, audited, the
  owner notified. ``hidden_match(query)`` overrides the ``Q`` used for it (default: ``match``).

Types whose results are not a queryset (a ranked person match with reasons) pass ``selector`` instead
of ``visible``/``match``: ``selector(actor, query)`` returns a list of ``SearchResult`` (or of records,
with ``present``), already limited to what the actor may see and ranked.

Persons: a type that logs a consultation sets ``requires_purpose=True``. It is then asked only when
the user gave a purpose (``query.purpose``, ``query.case_ref``); without one the page shows the group
as "give a purpose to search persons" and asks for it, and the header box grows a purpose field. Its
selector writes the consultation event itself (``kssp.core.audit.consultation_record``). The parties
module registers persons this way, with ``kinds={NAME, PERSONAL_NUMBER, …}`` so that a plate or a
case number is not a person search.

Labels are given in sq, sr (Latin; Cyrillic is derived) and en, like reference data.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import get_language

from kssp.core.policy import Actor
from kssp.core.search.query import KIND_ORDER, SearchQuery
from kssp.core.translit import latin_to_cyrillic


@dataclass(frozen=True)
class Badge:
    """A marking shown next to a result. ``kind``: "classification" (``value`` the level 0-4),
    "status" (``value`` the stored status, for the colour class), "handling" (H0-H3) or "text"."""

    kind: str
    value: Any
    label: str


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    number: str = ""
    public_id: uuid.UUID | None = None
    badges: tuple[Badge, ...] = ()
    detail: str = ""  # a short second line (owner unit, a match reason); no personal data beyond the title's


Selector = Callable[[Actor, SearchQuery], "QuerySet[Any] | Sequence[Any]"]


@dataclass(frozen=True)
class SearchType:
    code: str
    label_sq: str
    label_sr: str
    label_en: str
    selector: Selector
    present: Callable[[Any], SearchResult] | None = None
    permission: str | None = None
    kinds: frozenset[str] | None = None
    requires_purpose: bool = False
    model: type[Any] | None = None
    hidden_match: Callable[[SearchQuery], Q | None] | None = None
    order: int = 100
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        lang = (get_language() or "sq").lower()
        if lang.startswith("sr"):
            return latin_to_cyrillic(self.label_sr) if lang.endswith("cyrl") else self.label_sr
        if lang.startswith("en"):
            return self.label_en
        return self.label_sq

    @property
    def offers_hit_check(self) -> bool:
        return self.model is not None and self.hidden_match is not None

    def available_to(self, actor: Actor) -> bool:
        return actor.is_authenticated and (self.permission is None or actor.has_perm(self.permission))

    def handles(self, query: SearchQuery) -> bool:
        """Whether this type answers ``query`` at all (a QR payload naming another type: no)."""
        if query.qr_type is not None:
            return query.qr_type == self.code
        if query.public_id is not None:
            return True
        return self.kinds is None or bool(self.kinds & query.kinds)

    def to_result(self, item: Any) -> SearchResult:
        if isinstance(item, SearchResult):
            return item
        if self.present is None:
            raise TypeError(f"search type {self.code!r} returned records but has no present()")
        return self.present(item)


_types: dict[str, SearchType] = {}
_CODE = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def _queryset_selector(visible: Callable[[Actor], QuerySet[Any]], match: Callable[[SearchQuery], Q | None]) -> Selector:
    def selector(actor: Actor, query: SearchQuery) -> QuerySet[Any]:
        qs = visible(actor)
        if query.public_id is not None:
            return qs.filter(public_id=query.public_id)
        condition = match(query)
        return qs.filter(condition) if condition is not None else qs.none()

    return selector


def _with_public_id(match: Callable[[SearchQuery], Q | None]) -> Callable[[SearchQuery], Q | None]:
    def hidden(query: SearchQuery) -> Q | None:
        if query.public_id is not None:
            return Q(public_id=query.public_id)
        return match(query)

    return hidden


def register_search_type(
    code: str,
    *,
    label_sq: str,
    label_sr: str,
    label_en: str,
    selector: Selector | None = None,
    visible: Callable[[Actor], QuerySet[Any]] | None = None,
    match: Callable[[SearchQuery], Q | None] | None = None,
    present: Callable[[Any], SearchResult] | None = None,
    permission: str | None = None,
    kinds: Collection[str] | None = None,
    requires_purpose: bool = False,
    model: type[Any] | None = None,
    hidden_check: bool = False,
    hidden_match: Callable[[SearchQuery], Q | None] | None = None,
    order: int = 100,
) -> SearchType:
    """Register (or re-register, idempotently) a searchable type. See the module docstring."""
    if not _CODE.match(code):
        raise ValueError(f"search type code {code!r}: lower-case letters, digits, '-' or '_'")
    if not (label_sq and label_sr and label_en):
        raise ValueError(f"search type {code!r} needs its sq, sr and en labels")
    if selector is None:
        if visible is None or match is None:
            raise ValueError(f"search type {code!r}: give selector, or visible and match")
        selector = _queryset_selector(visible, match)
    if kinds is not None:
        unknown = set(kinds) - set(KIND_ORDER)
        if unknown:
            raise ValueError(f"search type {code!r}: unknown kinds {sorted(unknown)}")
    if hidden_check or hidden_match is not None:
        if model is None:
            raise ValueError(f"search type {code!r}: the existence-only check needs the model")
        if hidden_match is None:
            if match is None:
                raise ValueError(f"search type {code!r}: give hidden_match for the existence-only check")
            hidden_match = match
        hidden_match = _with_public_id(hidden_match)
    spec = SearchType(
        code=code, label_sq=label_sq, label_sr=label_sr, label_en=label_en, selector=selector, present=present,
        permission=permission, kinds=frozenset(kinds) if kinds is not None else None, requires_purpose=requires_purpose,
        model=model, hidden_match=hidden_match, order=order,
    )
    _types[code] = spec
    return spec


def unregister_search_type(code: str) -> None:
    """For tests that register a type of their own."""
    _types.pop(code, None)


def registered_search_types() -> list[SearchType]:
    return sorted(_types.values(), key=lambda t: (t.order, t.code))


def search_type(code: str) -> SearchType | None:
    return _types.get(code)


def any_type_requires_purpose(actor: Actor | None = None) -> bool:
    """Whether a registered type (one ``actor`` may search, when given) asks for a purpose."""
    return any(t.requires_purpose and (actor is None or t.available_to(actor)) for t in _types.values())
