"""Reads of the reference data of issue #2 point 6.

Reference data is not need-to-know: it is the same for every institution, so these selectors take no
actor. Lists hold active rows unless ``include_inactive`` is set. "Valid on a date" means
``valid_from <= date <= valid_to``, an empty bound being open.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from kssp.core.models.reference import (
    BorderDirectorate,
    Country,
    CrossingPoint,
    District,
    LegalAct,
    Municipality,
    Offence,
    PoliceRegion,
)


def valid_on_q(on_date: dt.date) -> Q:
    """Rows whose validity period contains ``on_date``."""
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=on_date)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))


def district_list(*, include_inactive: bool = False) -> QuerySet[District]:
    qs = District.objects.all()
    return qs if include_inactive else qs.filter(active=True)


def police_region_list(*, include_inactive: bool = False) -> QuerySet[PoliceRegion]:
    qs = PoliceRegion.objects.all()
    return qs if include_inactive else qs.filter(active=True)


def border_directorate_list(*, include_inactive: bool = False) -> QuerySet[BorderDirectorate]:
    qs = BorderDirectorate.objects.all()
    return qs if include_inactive else qs.filter(active=True)


def municipality_list(
    *, district: str | None = None, police_region: str | None = None, include_inactive: bool = False
) -> QuerySet[Municipality]:
    """Municipalities, optionally those of one district or police region (by code)."""
    qs = Municipality.objects.select_related("district", "police_region")
    if district:
        qs = qs.filter(district__code=district)
    if police_region:
        qs = qs.filter(police_region__code=police_region)
    return qs if include_inactive else qs.filter(active=True)


def crossing_point_list(
    *,
    neighbour: str | None = None,
    kind: str | None = None,
    directorate: str | None = None,
    include_inactive: bool = False,
) -> QuerySet[CrossingPoint]:
    """Crossing points, optionally filtered by neighbour country, type or Border Police directorate (codes)."""
    qs = CrossingPoint.objects.select_related("directorate", "municipality", "neighbour")
    if neighbour:
        qs = qs.filter(neighbour__code=neighbour)
    if kind:
        qs = qs.filter(kind=kind)
    if directorate:
        qs = qs.filter(directorate__code=directorate)
    return qs if include_inactive else qs.filter(active=True)


def country_list(
    *, include_former: bool = False, on_date: dt.date | None = None, include_inactive: bool = False
) -> QuerySet[Country]:
    """Current countries and XK; former countries (YUCS, SUHH…) only when asked, e.g. for the country of
    manufacture. With ``on_date``, only the countries that existed on that date."""
    qs = Country.objects.all()
    if not include_former:
        qs = qs.filter(is_former=False)
    if on_date is not None:
        qs = qs.filter(valid_on_q(on_date))
    return qs if include_inactive else qs.filter(active=True)


def legal_act_list(*, on_date: dt.date | None = None, kind: str | None = None) -> QuerySet[LegalAct]:
    """Legal acts; with ``on_date``, only those in force on that date (so the law of the event is cited)."""
    qs = LegalAct.objects.select_related("replaced_by")
    if on_date is not None:
        qs = qs.filter(valid_on_q(on_date))
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def offence_list(*, on_date: dt.date | None = None, act: str | None = None) -> QuerySet[Offence]:
    """Offences; with ``on_date``, only those valid on that date; with ``act``, those of one act (by number)."""
    qs = Offence.objects.select_related("act")
    if on_date is not None:
        qs = qs.filter(valid_on_q(on_date))
    if act:
        qs = qs.filter(act__number=act)
    return qs
