"""Template tags every record page uses (issue #6 point 4).

``{% grants_panel record %}``: who the record is shared with and a link to share it, for any declared
record type, shown to the owner side and to those who shared it; ``{% grants_panel record with_form=True %}``
on the sharing page, with the form. Its forms post to the generic pages in
``kssp.core.views_grants``, which show it again with the errors.
"""

from __future__ import annotations

from typing import Any

from django import template

from kssp.core.forms_grants import IdentifierForm, IdentifierRemoveForm, RevokeForm, ShareForm
from kssp.core.records.access import identifiers_of
from kssp.core.records.registry import declaration_for
from kssp.core.services.grants import grants_for

register = template.Library()


@register.inclusion_tag("core/_grants_panel.html", takes_context=True)
def grants_panel(context: template.Context, record: Any, with_form: bool = False) -> dict[str, Any]:
    """Who the record is shared with. ``with_form`` (the sharing page) adds the form to share it; a
    record's own page links to that page instead: the form lists every institution, unit and member of
    the platform (some 600 choices), which cost a record page half of its time under load."""
    request = context["request"]
    actor = request.actor
    declaration = declaration_for(record)
    if declaration is None or declaration.is_dependent or not actor.is_authenticated:
        return {"show": False}
    policy = declaration.policy
    owner_side = policy.in_scope(actor, record)  # type: ignore[attr-defined]
    can_share = policy.can(actor, "share", record) and declaration.may_share(record)
    bound_revoke = context.get("grants_revoke_form")
    rows = []
    for grant in grants_for(actor=actor, obj=record):
        if bound_revoke is not None and bound_revoke[0] == grant.public_id:
            form = bound_revoke[1]
        else:
            form = RevokeForm.for_grant(grant)
        rows.append({"grant": grant, "revoke_form": form})
    return {
        "show": owner_side or bool(rows) or can_share,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "kssp": context.get("kssp"),
        "record": record,
        "record_type": declaration.label,
        "owner_side": owner_side,
        "grant_rows": rows,
        "share_form": context.get("grants_share_form") or (ShareForm(record=record) if can_share and with_form else None),
        "can_share": can_share,
    }


@register.inclusion_tag("core/_identifiers_panel.html", takes_context=True)
def identifiers_panel(context: template.Context, record: Any) -> dict[str, Any]:
    """``{% identifiers_panel record %}``: the numbers institutions gave the record in the schemes its
    type declares, and the form to add one's own (for those who may change the record)."""
    request = context["request"]
    actor = request.actor
    declaration = declaration_for(record)
    if declaration is None or not declaration.identifier_schemes or not actor.is_authenticated:
        return {"show": False}
    labels = {s.code: s.label for s in declaration.identifier_schemes}
    can_change = declaration.can(actor, "change", record)
    bound_remove = context.get("identifiers_remove_form")
    rows = []
    for identifier in identifiers_of(actor=actor, record=record):
        own = can_change and identifier.institution_id == actor.institution_id
        form = None
        if own:
            form = bound_remove[1] if bound_remove is not None and bound_remove[0] == identifier.public_id else (
                IdentifierRemoveForm(auto_id=f"id_number_{identifier.public_id.hex[:12]}_%s"))
        rows.append({"identifier": identifier, "scheme": labels.get(identifier.scheme, identifier.scheme), "remove_form": form})
    return {
        "show": True,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "record": record,
        "record_type": declaration.label,
        "rows": rows,
        "form": context.get("identifiers_form") or (
            IdentifierForm(schemes=declaration.identifier_schemes) if can_change else None),
    }
