"""Page chrome for every template: navigation, the acting membership, languages, the clock.

Navigation is built ONLY from the acting membership's permissions (never from ``is_staff`` or
``is_superuser``). An item whose page is not installed yet (its URL name does not resolve) is left out,
so that modules appear in the menu as they land.

Everything is exposed as one lazy object, ``kssp``, so that a page that does not show (say) the list of
memberships never queries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kssp.core.markings import Classification

# Permission codes (strings, so that the chrome does not import every module's permissions).
AUDIT_PERMISSIONS = ("audit.view_institution", "audit.view_consultations", "audit.view_all")


@dataclass(frozen=True)
class NavEntry:
    """One item of the main menu.

    ``any_of``: the acting membership needs at least one of these permissions (empty: none needed);
    ``needs_membership``: operational pages need a valid acting membership, reference pages do not.
    """

    key: str
    label: str | Promise
    url_names: tuple[str, ...]
    any_of: tuple[str, ...] = ()
    needs_membership: bool = True

    def url(self) -> str | None:
        """The first of ``url_names`` that resolves (where a module is mounted is the lead's call)."""
        for name in self.url_names:
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
        return None


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("bulletins", _("Bulletins"), ("bulletins:bulletin_list",), ("bulletins.view",)),
    # Quick capture works without a connection once opened: linked for those who may capture (#7 point 2).
    NavEntry("capture", _("Quick capture"), ("bulletins:bulletin_quick_capture",), ("bulletins.create",)),
    NavEntry("parties", _("Persons"), ("parties:person_search",), ("parties.view",)),
    NavEntry("audit", _("Audit trail"), ("audit:event_list",), AUDIT_PERMISSIONS),
    NavEntry("imports", _("Imports"), ("imports:batch_list",), ("bulletins.create",)),
    NavEntry("worklist", _("My tasks"), ("worklist:my_tasks",)),
    NavEntry("portal", _("Messages from the public"), ("portal_staff:submission_list",), ("portal.review",)),
    NavEntry("retention", _("Retention"), ("retention:review_list",), ("retention.view", "retention.propose", "retention.review")),
    NavEntry("directory", _("Directory"), ("directory:institution_list",), ("directory.view",)),
    NavEntry("reference", _("Reference data"), ("reference:index",), (), needs_membership=False),
)

# The language chooser: each language named in itself (never translated), with its BCP 47 tag.
LANGUAGE_CHOICES: tuple[tuple[str, str, str], ...] = (
    ("sq", "Shqip", "sq"),
    ("sr-latn", "Srpski (latinica)", "sr-Latn"),
    ("sr-cyrl", "Српски (ћирилица)", "sr-Cyrl"),
    ("en", "English", "en"),
)
_BCP47 = {code: tag for code, _label, tag in LANGUAGE_CHOICES}


def permitted_entries(actor: Any, *, signed_in: bool) -> list[NavEntry]:
    """The menu entries ``actor`` may see, whether or not their pages are installed."""
    if not signed_in:
        return []
    entries = []
    for entry in NAVIGATION:
        if entry.needs_membership and not actor.is_authenticated:
            continue
        if entry.any_of and not any(actor.has_perm(code) for code in entry.any_of):
            continue
        entries.append(entry)
    return entries


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url: str
    active: bool


class PageChrome:
    """Lazy view of what the base template shows around a page."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    @cached_property
    def user(self) -> Any:
        user = getattr(self.request, "user", None)
        return user if user is not None and user.is_authenticated else None

    @cached_property
    def actor(self) -> Any:
        return getattr(self.request, "actor", None)

    @cached_property
    def has_membership(self) -> bool:
        return self.actor is not None and bool(self.actor.is_authenticated)

    @cached_property
    def nav_items(self) -> list[NavItem]:
        items = []
        path = self.request.path
        for entry in permitted_entries(self.actor, signed_in=self.user is not None):
            url = entry.url()
            if url is None:
                continue
            items.append(NavItem(entry.key, entry.label, url, active=url != "/" and path.startswith(url)))
        return items

    @cached_property
    def memberships(self) -> list[Any]:
        if self.user is None:
            return []
        from kssp.accounts.actor import request_memberships

        return request_memberships(self.request, self.user)

    @cached_property
    def membership(self) -> Any:
        if not self.has_membership:
            return None
        return next((m for m in self.memberships if m.pk == self.actor.membership_id), None)

    @cached_property
    def other_memberships(self) -> list[Any]:
        return [m for m in self.memberships if self.membership is None or m.pk != self.membership.pk]

    @cached_property
    def clearance_label(self) -> str:
        level = self.actor.clearance if self.actor is not None else 0
        return str(Classification(level).label)

    @cached_property
    def clearance(self) -> Any:
        """The clearance certificate that gives today's level (for its expiry), or None."""
        if self.user is None:
            return None
        today = timezone.localdate()
        return (
            self.user.clearances.filter(revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today)
            .order_by("-level", "-valid_until")
            .first()
        )

    @property
    def languages(self) -> tuple[tuple[str, str, str], ...]:
        return LANGUAGE_CHOICES

    @cached_property
    def language(self) -> str:
        return translation.get_language() or "sq"

    @cached_property
    def html_lang(self) -> str:
        return _BCP47.get(self.language, self.language)

    @cached_property
    def now(self) -> Any:
        return timezone.now()

    @cached_property
    def today(self) -> Any:
        return timezone.localdate()


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"kssp": PageChrome(request)}
