"""Bulletins in the global search (issue #3 point 7). Imported from ``BulletinsConfig.ready()``.

A bulletin is found by its number (exact, or a part of it), its title or its text, or by its public id
(a QR code or a link). Only bulletins the actor may see are searched (``bulletin_list_visible_to``); when
none match, an actor holding ``hits.check`` may ask whether another unit holds a match (existence only).
"""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import reverse

from kssp.bulletins import permissions as perms
from kssp.bulletins.models import Bulletin
from kssp.bulletins.selectors import bulletin_list_visible_to
from kssp.core.policy import Actor
from kssp.core.search import query as kinds
from kssp.core.search.query import SearchQuery
from kssp.core.search.registry import Badge, SearchResult, register_search_type


def match(query: SearchQuery) -> Q:
    text = query.text
    return Q(number__icontains=text) | Q(title__icontains=text) | Q(body__icontains=text)


def visible(actor: Actor) -> QuerySet[Bulletin]:
    return bulletin_list_visible_to(actor=actor)


def _ranked(actor: Actor, query: SearchQuery) -> QuerySet[Bulletin]:
    qs = visible(actor)
    if query.public_id is not None:
        return qs.filter(public_id=query.public_id)
    exact = Case(When(number__iexact=query.text, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.filter(match(query)).annotate(search_rank=exact).order_by("search_rank", "-created_at", "-pk")


def present(bulletin: Bulletin) -> SearchResult:
    return SearchResult(
        title=bulletin.title,
        number=bulletin.number,
        url=reverse("bulletins:bulletin_detail", args=[bulletin.public_id]),
        public_id=bulletin.public_id,
        badges=(
            Badge("classification", bulletin.classification, str(bulletin.get_classification_display())),
            Badge("status", bulletin.status, str(bulletin.get_status_display())),
        ),
        detail=str(bulletin.owner_unit),
    )


register_search_type(
    "bulletin",
    label_sq="Buletinet",
    label_sr="Bilteni",
    label_en="Bulletins",
    permission=perms.VIEW,
    selector=_ranked,
    present=present,
    kinds={kinds.RECORD_NUMBER, kinds.CASE_NUMBER, kinds.PLATE, kinds.SERIAL, kinds.VIN, kinds.NAME, kinds.TEXT},
    model=Bulletin,
    hidden_match=match,
    order=50,
)
