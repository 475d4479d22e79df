"""The API's gate: every request acts as one valid membership (an ``Actor``).

* no credentials, or credentials that fail → 401 with ``WWW-Authenticate: Bearer`` (DRF raises
  ``NotAuthenticated`` when no authenticator succeeded and this permission refuses);
* a signed-in user without a valid membership → 403 ``no_membership``.

Which records an actor may see is not decided here but by the selectors (a forbidden record is a
missing one); a viewset may also name the permission its list needs (``list_permission``), which
answers 403 for the whole list.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


def request_actor(request: Request) -> Any:
    return getattr(request, "actor", None)


class IsActor(BasePermission):
    message = _("You have no valid membership to act as. Ask your administrator.")
    code = "no_membership"

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.user is None or not request.user.is_authenticated:
            return False
        actor = request_actor(request)
        return actor is not None and actor.is_authenticated


class MayList(BasePermission):
    """For the list (and other collection-level reads): the viewset's ``may_list(actor)``."""

    message = _("You do not have permission to see this list.")
    code = "permission_denied"

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(view, "detail", None) is not False or request.method not in ("GET", "HEAD", "OPTIONS"):
            return True
        may_list = getattr(view, "may_list", None)
        return may_list is None or bool(may_list(request_actor(request)))
