"""The existence-only check ("check other institutions"), issue #2 point 4 as corrected by #7 point 3.

What the searcher learns is "a record of unit X (institution Y) matches your identifier": nothing else.
Three rules hold here, for every caller (the global search, the record list pages, the API):

1. **Identifiers only.** A check matches a record's own number, another institution's number of it
   (identifier schemes), and identifier-shaped queries — record and case numbers, serials, plates,
   VINs, personal numbers, a full name — as whole tokens of the declared search fields. Free text,
   a single word, a year or a date (of birth) is not an identifier and is refused with a field error,
   so the check cannot answer content questions ("born 1990" / "born 1991").
2. **The searcher's trail carries only what the searcher was told.** The searcher's institution gets
   one ``hit_check.run`` event (who, why, what kind of identifier, which units answered). The owner's
   institution gets ``hit_notice.created`` per record hit, written by the system on the searcher's
   behalf (no acting institution), so it is readable by the owner's auditors, never the searcher's.
3. **Probing is limited**, counted from the database (so it holds across workers): at most
   ``KSSP_HIT_CHECK_PER_HOUR`` checks per user in the last hour and ``KSSP_HIT_CHECK_PER_RECORD`` hits of
   the same record by the same user; then the check is refused (``HitCheckLimited``, 429 in the API)
   and audited. The owner's unit is notified of each hit, and again (with an audit event in the owner's
   institution) when a user reaches the per-record limit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kssp.core.access_exceptions import HITS_CHECK, Hit
from kssp.core.actor import Actor
from kssp.core.audit import audit_record
from kssp.core.exceptions import ApplicationError, PermissionDenied
from kssp.core.models.audit import AuditEvent
from kssp.core.models.notices import HitNotice
from kssp.core.policy import INTELLIGENCE_KIND, policy_for
from kssp.core.search import query as k
from kssp.core.search.query import SearchQuery
from kssp.core.selectors import records_across_the_wall

RUN = "hit_check.run"
REFUSED = "hit_check.refused"
NOTICE_CREATED = "hit_notice.created"
LIMIT_REACHED = "hit_notice.limit_reached"
WINDOW = dt.timedelta(hours=1)
MAX_RECORDS = 50  # per type and check

#: Kinds of query that name one thing (a number, a plate, a serial, a person's full name).
IDENTIFIER_KINDS = frozenset({
    k.RECORD_NUMBER, k.EXHIBIT_NUMBER, k.CASE_NUMBER, k.PLATE, k.VIN, k.PERSONAL_NUMBER, k.SERIAL, k.NAME,
})

#: Of those, the ones made of letters and digits that may be written inside a text.
NUMBER_KINDS = IDENTIFIER_KINDS - {k.NAME}

_YEAR = re.compile(r"^(?:18|19|20)\d{2}$")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}(?:[./-]\d{1,4})?\.?$|^\d{1,2}[./-](?:18|19|20)\d{2}$")
_DIGITS = re.compile(r"^\d+$")


def per_hour() -> int:
    return int(getattr(settings, "KSSP_HIT_CHECK_PER_HOUR", 20))


def per_record() -> int:
    return int(getattr(settings, "KSSP_HIT_CHECK_PER_RECORD", 5))


class HitCheckLimited(ApplicationError):
    """Too many checks: refused until ``retry_after`` seconds have passed."""

    code = "too_many_checks"
    status = 429

    def __init__(self, message: object, *, retry_after: int) -> None:
        super().__init__(message, fields={"q": [str(message)]})
        self.retry_after = max(1, retry_after)


def _looks_like_a_date(text: str) -> bool:
    """A year, a date or a month and year (of birth, say), in any of the usual spellings."""
    text = text.strip()
    if _YEAR.match(text) or _DATE.match(text):
        return True
    if _DIGITS.match(text) and len(text) in (6, 8):  # ddmmyy, ddmmyyyy, yyyymmdd
        for fmt in ("%d%m%y", "%d%m%Y", "%Y%m%d"):
            try:
                dt.datetime.strptime(text, fmt)  # noqa: DTZ007  (only: is it a calendar date?)
            except ValueError:
                continue
            return True
    return False


def identifier_of(query: SearchQuery) -> str | None:
    """The identifier a check may look for, or None when the query is not one (free text, one word, a
    date or year of birth, too short)."""
    if query.public_id is not None:
        return str(query.public_id)
    kinds = query.kinds & IDENTIFIER_KINDS
    if not kinds:
        return None
    if kinds == {k.NAME}:
        # A person's full name (two words or more), not one word of a text.
        return query.text if len(query.words) >= 2 and all(len(w) >= 2 for w in query.words) else None
    if _looks_like_a_date(query.text):
        return None
    if kinds <= {k.SERIAL, k.NAME} and len(query.compact) < 4:
        return None
    return query.text


def _token(text: str) -> str:
    """A case-insensitive regular expression for ``text`` as a whole token (both SQLite and PostgreSQL)."""
    return r"(^|[^0-9A-Za-z\u00C0-\u024F\u0400-\u04FF])" + re.escape(text) + r"([^0-9A-Za-z\u00C0-\u024F\u0400-\u04FF]|$)"


def identifier_match(declaration: Any, query: SearchQuery) -> Q | None:
    """The records of a declared type that carry the query's identifier: its number, another
    institution's number of it, or the identifier as a whole token of a search field."""
    text = identifier_of(query)
    if text is None:
        return None
    if query.public_id is not None:
        return Q(public_id=query.public_id)
    from kssp.core.records.declaration import RecordType

    if type(declaration).search_match is not RecordType.search_match:
        return declaration.search_match(query)  # the type's own matching of identifiers (keys, plates)
    if not query.kinds & NUMBER_KINDS:
        return None  # a name: found only by a type's own name matching, never in free text
    q = Q(pk__in=[])
    number_field = declaration.number_field
    if number_field:
        q |= Q(**{f"{number_field}__iexact": text})
    if declaration.identifier_schemes:
        from kssp.core.models.identifiers import RecordIdentifier, identifier_key

        key = identifier_key(text)
        if key:
            numbers = RecordIdentifier.objects.filter(content_type=declaration.content_type, value_key=key)
            q |= Q(pk__in=numbers.values("object_id"))
    # A number, serial, plate or VIN written in a title or a text counts as a whole token; words never do.
    for name in declaration.search_fields:
        if name != number_field:
            q |= Q(**{f"{name}__iregex": _token(text)})
    return q


# --- the check ------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    hits: list[list[Hit]] = field(default_factory=list)
    refused: HitCheckLimited | None = None


def _since() -> dt.datetime:
    return timezone.now() - WINDOW


def _retry_after(oldest: dt.datetime | None) -> int:
    if oldest is None:
        return int(WINDOW.total_seconds())
    return int((oldest + WINDOW - timezone.now()).total_seconds()) + 1


def _on_behalf(actor: Actor) -> Actor:
    """The writer of the owner's events: the system, naming the searcher, with no acting institution,
    so that the event is the owner's (readable by its auditors) and not the searcher's institution's."""
    return Actor.system(label=f"{actor.label} · existence-only check"[:200], source=actor.source)


def _refuse(actor: Actor, *, limit: str, allowed: int, oldest: dt.datetime | None, purpose: str) -> HitCheckLimited:
    audit_record(actor=actor, event=REFUSED, purpose=purpose, extra={"limit": limit, "allowed": allowed})
    if limit == "per_hour":
        message = ngettext(
            "You have run %(limit)s check in the last hour, the most allowed. Try again later.",
            "You have run %(limit)s checks in the last hour, the most allowed. Try again later.", allowed,
        ) % {"limit": allowed}
    else:
        message = ngettext(
            "You have checked the same record %(limit)s time in the last hour, the most allowed. "
            "Try again later, or ask its owner to share it.",
            "You have checked the same record %(limit)s times in the last hour, the most allowed. "
            "Try again later, or ask its owner to share it.", allowed,
        ) % {"limit": allowed}
    return HitCheckLimited(message, retry_after=_retry_after(oldest))


@transaction.atomic
def _run(*, actor: Actor, checks: Sequence[tuple[type[Any], Q]], purpose: str, kind: str) -> _Outcome:
    ids = actor.ids
    # One user's checks are counted one at a time (PostgreSQL; SQLite's IMMEDIATE transactions already are).
    list(get_user_model()._base_manager.select_for_update().filter(pk=ids.user_id).values_list("pk", flat=True))
    since = _since()
    runs = AuditEvent.objects.filter(event_type=RUN, actor_id=ids.user_id, occurred_at__gte=since)
    if runs.count() >= per_hour():
        oldest = runs.order_by("occurred_at").values_list("occurred_at", flat=True).first()
        return _Outcome(refused=_refuse(actor, limit="per_hour", allowed=per_hour(), oldest=oldest, purpose=purpose))

    found: list[tuple[type[Any], ContentType, list[Any]]] = []
    for model, match in checks:
        hidden = (
            records_across_the_wall(model, exception="hit check")
            .filter(match)
            .exclude(policy_for(model).visible_q(actor))
            .exclude(owner_institution__kind=INTELLIGENCE_KIND)
            .select_related("owner_institution", "owner_unit")
            .order_by("pk")
        )
        found.append((model, ContentType.objects.get_for_model(model), list(hidden[:MAX_RECORDS])))

    earlier: dict[tuple[int, int], int] = {}
    for _model, ct, records in found:
        counted = HitNotice.objects.filter(
            searcher_id=ids.user_id, content_type=ct, object_id__in=[r.pk for r in records], created_at__gte=since,
        )
        for object_id in counted.values_list("object_id", flat=True):
            earlier[(ct.pk, object_id)] = earlier.get((ct.pk, object_id), 0) + 1
    if any(n >= per_record() for n in earlier.values()):
        keys = [key for key, n in earlier.items() if n >= per_record()]
        oldest = (
            HitNotice.objects.filter(searcher_id=ids.user_id, created_at__gte=since)
            .filter(_any_of(keys)).order_by("created_at").values_list("created_at", flat=True).first()
        )
        return _Outcome(refused=_refuse(actor, limit="per_record", allowed=per_record(), oldest=oldest, purpose=purpose))

    from kssp.core.notifications import hooks as notifications

    system = _on_behalf(actor)
    outcome = _Outcome()
    notices: list[HitNotice] = []
    reached: list[HitNotice] = []
    units: dict[int, Hit] = {}
    for _model, ct, records in found:
        typed: dict[int, Hit] = {}
        for record in records:
            notice = HitNotice.objects.create(
                content_type=ct, object_id=record.pk, owner_institution_id=record.owner_institution_id,
                owner_unit_id=record.owner_unit_id, searcher_id=ids.user_id, searcher_institution_id=ids.institution_id,
                searcher_unit_id=ids.unit_id, purpose=purpose[:300],
            )
            notices.append(notice)
            extra = {"notice": str(notice.public_id), "searcher": actor.label}
            audit_record(actor=system, event=NOTICE_CREATED, target=record, purpose=purpose, extra=extra)
            if earlier.get((ct.pk, record.pk), 0) + 1 == per_record():
                reached.append(notice)
                audit_record(actor=system, event=LIMIT_REACHED, target=record, purpose=purpose,
                             extra={**extra, "limit": per_record()})
            hit = Hit(institution=str(record.owner_institution), unit=str(record.owner_unit))
            typed.setdefault(record.owner_unit_id, hit)
            units.setdefault(record.owner_unit_id, hit)
        outcome.hits.append(list(typed.values()))
    # The searcher's institution reads only what the searcher was told.
    audit_record(actor=actor, event=RUN, purpose=purpose, extra={
        "kind": kind, "matches": len(units), "units": sorted(f"{h.unit} ({h.institution})" for h in units.values()),
    })
    notifications.hit_notices_created(notices)
    notifications.hit_check_limit_reached(reached)
    return outcome


def _any_of(keys: Iterable[tuple[int, int]]) -> Q:
    q = Q(pk__in=[])
    for ct_id, object_id in keys:
        q |= Q(content_type_id=ct_id, object_id=object_id)
    return q


def check_allowed(actor: Actor, purpose: str) -> str:
    """The trimmed purpose; PermissionDenied or a field error otherwise."""
    if not actor.is_authenticated or not actor.has_perm(HITS_CHECK):
        raise PermissionDenied()
    if actor.institution_kind == INTELLIGENCE_KIND:
        # The Intelligence Agency has no search into other tenants, not even existence-only
        # (users-review point 4); it receives records only by dissemination.
        raise PermissionDenied()
    purpose = (purpose or "").strip()
    if not purpose:
        raise ApplicationError(_("The check was not run."), fields={"purpose": [_("Give the purpose of the check.")]})
    return purpose


def not_an_identifier() -> ApplicationError:
    return ApplicationError(_("The check was not run."), fields={"q": [_(
        "A check looks for an identifier: a record, case or document number, a serial number, a plate, a VIN, "
        "a personal number or a full name. Words of a text, a year or a date are not checked."
    )]})


def no_type_answers() -> ApplicationError:
    return ApplicationError(_("The check was not run."), fields={"q": [_(
        "None of the records you may check is found by this kind of identifier: give a number, a serial number, "
        "a plate or a VIN."
    )]})


def hit_check_many(*, actor: Actor, checks: Sequence[tuple[type[Any], Q]], purpose: str, kind: str) -> list[list[Hit]]:
    """Run the check of ``checks`` (model, identifier match) in one transaction; the hits per check.

    Not atomic itself: a refusal is committed (its audit event) before ``HitCheckLimited`` is raised."""
    purpose = check_allowed(actor, purpose)
    outcome = _run(actor=actor, checks=checks, purpose=purpose, kind=kind)
    if outcome.refused is not None:
        raise outcome.refused
    return outcome.hits


def hit_check(*, actor: Actor, model: type[Any], match: Q, purpose: str) -> list[Hit]:
    """The existence-only exception for one record type: which units hold records matching ``match``
    that the actor cannot see (the owners notified, the check audited and limited like every check)."""
    return hit_check_many(actor=actor, checks=[(model, match)], purpose=purpose, kind="")[0]
