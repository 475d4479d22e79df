"""``{% parties_panel record %}``: the persons, organisations and vehicles linked to a record, for any
module's detail page (``{% load parties %}``). Only links whose party the reader may see are shown;
protected witnesses and juveniles appear under their pseudonym."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from kssp.core.parties.models import Organisation, Person, Vehicle
from kssp.core.parties.selectors import party_links_for_record, person_view, record_label

register = template.Library()

_DETAIL = {Person: "parties:person_detail", Organisation: "parties:organisation_detail", Vehicle: "parties:vehicle_detail"}


def _party_url(party: Any) -> str:
    try:
        return reverse(_DETAIL[type(party)], args=[party.public_id])
    except (KeyError, NoReverseMatch):
        return ""


@register.inclusion_tag("parties/partials/_parties_panel.html", takes_context=True)
def parties_panel(context: template.Context, record: Any) -> dict[str, Any]:
    request = context.get("request")
    actor = getattr(request, "actor", None)
    rows = []
    if actor is not None and actor.is_authenticated and getattr(record, "pk", None) is not None:
        for link in party_links_for_record(actor=actor, record=record):
            party = link.party
            label = person_view(party).name if isinstance(party, Person) else record_label(party)
            rows.append({"link": link, "party": party, "type_label": str(party._meta.verbose_name).capitalize(),
                         "label": label, "url": _party_url(party)})
    return {"rows": rows, "record": record}


_EDIT = {Organisation: "parties:organisation_update", Vehicle: "parties:vehicle_update"}


@register.simple_tag(takes_context=True)
def party_edit_url(context: template.Context, record: Any) -> str:
    """The edit page of a vehicle or an organisation, when the request's actor may change it; else ""."""
    from kssp.core.records.access import policy_of

    request = context.get("request")
    actor = getattr(request, "actor", None)
    name = _EDIT.get(type(record))
    if actor is None or name is None or not policy_of(type(record)).can(actor, "change", record):
        return ""
    return reverse(name, args=[record.public_id])
