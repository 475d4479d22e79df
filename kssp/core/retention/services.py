"""Writes of retention (issue #3 point 8): the sweep that flags what is due, proposals, the DPO's
decision, and carrying out approved actions.

The rules, each enforced here and nowhere else:

* the sweeper (``retention_sweep``) only *proposes*: it creates review items for records whose period
  ran out (from each declaration's trigger field) and for records a registered check flags;
* a proposal to delete or anonymise is approved or rejected by a DPO (``retention.review``), with a
  reason; whoever proposed an action may not approve it (four-eyes); the sweeper's own proposals are
  approved by a DPO like any other;
* only an approved action is ever carried out (``retention_review_execute``), through the handler the
  record's module declared, followed by the crypto-shredding of the record's audit payloads; anything
  else is refused with a translated message and nothing changes;
* every step writes its audit event in the same transaction; a handler that fails is rolled back to a
  savepoint and the review is marked failed (nothing half-erased).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kssp.core.audit import audit_record
from kssp.core.audit.service import shred_subject
from kssp.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied
from kssp.core.models.scoping import every_row
from kssp.core.policy import Actor, registered_policies
from kssp.core.retention import permissions as perms
from kssp.core.retention.models import OPEN_STATUSES, RetentionReview, ReviewStatus
from kssp.core.retention.policies import retention_review_policy
from kssp.core.retention.registry import (
    Action,
    Candidate,
    Declaration,
    RetentionClass,
    declaration_for,
    declarations,
    registered_checks,
    registered_classes,
)

logger = logging.getLogger(__name__)

REASON_MAX = 2000
SWEEP_BATCH = 500
EXECUTE_BATCH = 200
APPROVE, REJECT = "approve", "reject"


def sweeper_actor() -> Actor:
    return Actor.system("retention sweeper", source="system")


# --- helpers ------------------------------------------------------------------------------------------


def blocking_q(today: dt.date) -> Q:
    """Reviews that stop the sweeper from proposing the same record again: open or carried out, or kept
    by a decision that is not yet due for reconsideration."""
    return Q(status__in=[*OPEN_STATUSES, ReviewStatus.EXECUTED]) | Q(status=ReviewStatus.REJECTED, reconsider_on__gt=today)


def _local_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value  # type: ignore[no-any-return]


def _neutral_label(number: Any, public_id: Any, pk: int) -> str:
    """What names the record on the review list: its number, else its public id, else its key; never
    its content. Stored without the kind of record, which is shown in the reader's language."""
    if number:
        return str(number)[:200]
    if public_id:
        return str(public_id)
    return f"#{pk}"


def _has_field(model: type[models.Model], name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist, or a path that is not a field
        return False
    return True


def _clean_reason(reason: str, message: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ApplicationError(message, fields={"reason": [_("Give the reason.")]})
    if len(text) > REASON_MAX:
        raise ApplicationError(message, fields={"reason": [_("Write at most %(max)s characters.") % {"max": REASON_MAX}]})
    return text


def _visible_review(actor: Actor, review: RetentionReview, *, lock: bool = True) -> RetentionReview:
    qs = RetentionReview.objects.filter(retention_review_policy.visible_q(actor), pk=review.pk)
    if lock:
        qs = qs.select_for_update()
    found = qs.first()
    if found is None:
        raise NotFound()
    return found


def _review_extra(review: RetentionReview) -> dict[str, Any]:
    return {
        "record": review.model_label, "record_key": review.object_id, "record_label": review.target_label,
        "class": review.class_code, "action": review.proposed_action, "due_on": review.due_on,
    }


def _audit(actor: Actor, event: str, review: RetentionReview, *, reason: str = "", **extra: Any) -> None:
    audit_record(
        actor=actor, event=event, target=review, reason=reason, extra={**_review_extra(review), **extra},
        target_institution_id=review.owner_institution_id,
    )


# --- the sweep: proposals from stored state ----------------------------------------------------------


def _new_review(
    *, ct: ContentType, model: type[models.Model], pk: int, retention_class: RetentionClass, source: str,
    trigger_on: dt.date | None, due_on: dt.date, institution_id: int | None, number: Any = None, public_id: Any = None,
) -> RetentionReview:
    return RetentionReview(
        content_type=ct, object_id=pk, model_label=model._meta.label_lower,
        target_label=_neutral_label(number, public_id, pk), target_public_id=public_id,
        owner_institution_id=institution_id, class_code=retention_class.code, source=source, trigger_on=trigger_on,
        due_on=due_on, proposed_action=retention_class.action, status=ReviewStatus.PROPOSED, proposed_by=None,
        proposed_at=timezone.now(),
    )


def _due_records(declaration: Declaration, model: type[models.Model], today: dt.date, batch: int) -> list[RetentionReview]:
    rc = declaration.retention_class
    field_name = declaration.trigger_field
    assert field_name is not None
    cutoff = rc.period.before(today)
    field = model._meta.get_field(field_name)
    if isinstance(field, models.DateTimeField):
        start_of_next_day = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time.min))
        due = Q(**{f"{field_name}__lt": start_of_next_day})
    else:
        due = Q(**{f"{field_name}__lte": cutoff})
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    blocked = RetentionReview.objects.filter(content_type=ct, class_code=rc.code).filter(blocking_q(today)).values("object_id")
    qs = every_row(model, reason="the retention sweep sees every row").filter(due)
    if declaration.sweep_filter is not None:
        qs = qs.filter(declaration.sweep_filter)
    qs = qs.exclude(pk__in=blocked).order_by("pk")
    names = ["pk", field_name]
    names.append(declaration.institution_field or "pk")
    names.append(declaration.label_field or "pk")
    names.append("public_id" if _has_field(model, "public_id") else "pk")
    reviews = []
    for pk, trigger, institution, number, public_id in qs.values_list(*names)[:batch]:
        trigger_on = _local_date(trigger)
        reviews.append(_new_review(
            ct=ct, model=model, pk=pk, retention_class=rc, source="sweeper", trigger_on=trigger_on,
            due_on=rc.period.after(trigger_on), institution_id=institution if declaration.institution_field else None,
            number=number if declaration.label_field else None, public_id=public_id if public_id != pk else None,
        ))
    return reviews


def _flagged(code: str, rc: RetentionClass, candidates: Iterable[Candidate], today: dt.date, batch: int) -> list[RetentionReview]:
    reviews: list[RetentionReview] = []
    for candidate in candidates:
        if len(reviews) >= batch:
            break
        ct = ContentType.objects.get_for_model(candidate.model, for_concrete_model=False)
        if RetentionReview.objects.filter(content_type=ct, object_id=candidate.pk, class_code=rc.code).filter(blocking_q(today)).exists():
            continue
        public_id = None
        if _has_field(candidate.model, "public_id"):
            public_id = every_row(candidate.model, reason="retention").filter(pk=candidate.pk).values_list("public_id", flat=True).first()
        reviews.append(_new_review(
            ct=ct, model=candidate.model, pk=candidate.pk, retention_class=rc, source=f"check:{code}",
            trigger_on=candidate.due_on, due_on=candidate.due_on, institution_id=candidate.institution_id,
            number=candidate.label or None, public_id=public_id,
        ))
    return reviews


@transaction.atomic
def retention_sweep(*, today: dt.date | None = None, batch: int = SWEEP_BATCH) -> dict[str, Any]:
    """Propose a review for every record whose retention ran out, and for every record a check flags.

    Idempotent: a record with an open, carried-out, or recently kept review is not proposed again. At
    most ``batch`` new reviews per declaration and per check (the rest at the next sweep)."""
    today = today or timezone.localdate()
    created: Counter[str] = Counter()
    skipped: dict[str, str] = {}
    for declaration in declarations():
        if not declaration.swept:
            continue
        model = declaration.model()
        if model is None:
            continue
        reviews = _due_records(declaration, model, today, batch)
        RetentionReview.objects.bulk_create(reviews)
        if reviews:
            created[declaration.retention_class.code] += len(reviews)
    for check in registered_checks():
        candidates, reason = _run_check(check.run, today)
        if reason:
            skipped[check.code] = reason
            continue
        reviews = _flagged(check.code, check.retention_class, candidates, today, batch)
        RetentionReview.objects.bulk_create(reviews)
        if reviews:
            created[f"check:{check.code}"] += len(reviews)
    if created:
        audit_record(actor=sweeper_actor(), event="retention.swept", extra={"day": today, "proposed": dict(sorted(created.items()))})
    return {"proposed": dict(sorted(created.items())), "skipped": skipped}


def _run_check(run: Any, today: dt.date) -> tuple[list[Candidate], str]:
    result = run(today)
    if isinstance(result, str):  # a check that cannot run here says why (e.g. its module is not installed)
        return [], result
    return list(result), ""


# --- proposals ----------------------------------------------------------------------------------------


def _require_handler(model_label: str, action: str) -> None:
    declaration = declaration_for(model_label)
    if declaration is None or action not in declaration.handlers:
        raise ApplicationError(
            _("The proposal was not saved."),
            fields={"action": [_("No way to carry out this action is declared for this kind of record.")]},
        )


@transaction.atomic
def retention_review_propose(*, actor: Actor, review: RetentionReview, action: str, reason: str) -> RetentionReview:
    """Propose to delete or anonymise the record of an open review (the proposer is recorded, so that
    another DPO must approve: four-eyes)."""
    if not actor.is_authenticated or not actor.has_perm(perms.PROPOSE):
        raise PermissionDenied(_("You may not propose retention actions."))
    review = _visible_review(actor, review)
    if review.status != ReviewStatus.PROPOSED:
        raise Conflict(_("This review was already decided; nothing was changed."))
    if action not in (Action.DELETE, Action.ANONYMISE):
        raise ApplicationError(_("The proposal was not saved."), fields={"action": [_("Choose to delete or to anonymise.")]})
    text = _clean_reason(reason, _("The proposal was not saved."))
    _require_handler(review.model_label, action)
    before = review.proposed_action
    review.proposed_action = action
    review.proposed_by = actor.user
    review.proposed_at = timezone.now()
    review.proposal_reason = text
    review.save(update_fields=["proposed_action", "proposed_by", "proposed_at", "proposal_reason", "updated_at"])
    _audit(actor, "retention.proposed", review, reason=text, previous_action=before)
    return review


@transaction.atomic
def retention_request(*, actor: Actor, obj: models.Model, action: str, reason: str) -> RetentionReview:
    """Open a review proposing to delete or anonymise ``obj`` now (e.g. a data subject's request, or a
    case closed). The actor must see the record; a DPO other than the actor must approve."""
    if not actor.is_authenticated or not actor.has_perm(perms.PROPOSE):
        raise PermissionDenied(_("You may not propose retention actions."))
    model = type(obj)
    policy = registered_policies().get(model)
    if policy is None or not policy.can(actor, "view", obj):
        raise NotFound()
    declaration = declaration_for(model)
    if declaration is None:
        raise ApplicationError(_("No retention class is declared for this kind of record."))
    if action not in (Action.DELETE, Action.ANONYMISE):
        raise ApplicationError(_("The proposal was not saved."), fields={"action": [_("Choose to delete or to anonymise.")]})
    text = _clean_reason(reason, _("The proposal was not saved."))
    _require_handler(model._meta.label_lower, action)
    ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
    rc = declaration.retention_class
    if RetentionReview.objects.filter(content_type=ct, object_id=obj.pk, class_code=rc.code, status__in=OPEN_STATUSES).exists():
        raise Conflict(_("A retention review of this record is already open."))
    today = timezone.localdate()
    institution_id = None
    if declaration.institution_field:
        rows = every_row(model, reason="retention").filter(pk=obj.pk)
        institution_id = rows.values_list(declaration.institution_field, flat=True).first()
    review = _new_review(
        ct=ct, model=model, pk=obj.pk, retention_class=rc, source="request", trigger_on=None, due_on=today,
        institution_id=institution_id, number=getattr(obj, declaration.label_field, None) if declaration.label_field else None,
        public_id=getattr(obj, "public_id", None),
    )
    review.proposed_action = action
    review.proposed_by = actor.user
    review.proposal_reason = text
    review.save()
    _audit(actor, "retention.proposed", review, reason=text)
    return review


# --- the DPO's decision -------------------------------------------------------------------------------


@transaction.atomic
def retention_review_decide(*, actor: Actor, review: RetentionReview, decision: str, reason: str) -> RetentionReview:
    """Approve (the action will be carried out) or reject (the data are kept, and reconsidered after the
    class's review interval). Only a DPO decides; nobody approves their own proposal."""
    if not actor.is_authenticated or not actor.has_perm(perms.REVIEW):
        raise PermissionDenied(_("Only a data protection officer may approve or reject retention actions."))
    review = _visible_review(actor, review)
    if decision not in (APPROVE, REJECT):
        raise ApplicationError(_("Nothing was decided."), fields={"decision": [_("Choose to approve or to reject.")]})
    text = _clean_reason(reason, _("Nothing was decided."))
    if review.status != ReviewStatus.PROPOSED:
        raise Conflict(_("This review was already decided; nothing was changed."))
    now = timezone.now()
    if decision == APPROVE:
        if review.proposed_action == Action.REVIEW:
            raise ApplicationError(
                _("There is no action to approve: keep the data, or propose to delete or anonymise them."),
                fields={"decision": [_("Propose an action first.")]},
            )
        if review.proposed_by_id is not None and review.proposed_by_id == actor.user_id:
            raise ApplicationError(
                _("You proposed this action: another data protection officer must approve it (four-eyes rule)."),
                code="four_eyes",
            )
        _require_handler(review.model_label, review.proposed_action)
        review.status = ReviewStatus.APPROVED
    else:
        rc = registered_classes().get(review.class_code)
        interval = rc.review_interval if rc is not None else None
        today = timezone.localdate()
        review.status = ReviewStatus.REJECTED
        review.reconsider_on = interval.after(today) if interval is not None else today + dt.timedelta(days=365)
    review.decided_by = actor.user
    review.decided_at = now
    review.decision_reason = text
    review.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "reconsider_on", "updated_at"])
    _audit(actor, "retention.approved" if decision == APPROVE else "retention.rejected", review, reason=text)
    return review


# --- carrying out ---------------------------------------------------------------------------------------


class _Failed(Exception):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def _shred(review: RetentionReview, summary: dict[str, Any]) -> list[str]:
    subjects = [(review.model_label, review.object_id), *summary.pop("shred", [])]
    shredded = []
    for label, key in subjects:
        if shred_subject(subject_type=str(label).lower(), subject_id=str(key), reason=f"retention {review.class_code} {review.public_id}"):
            shredded.append(f"{str(label).lower()}:{key}")
    return shredded


def retention_review_execute(*, actor: Actor, review: RetentionReview) -> RetentionReview:
    """Carry out an approved action: the module's handler, then crypto-shredding of the record's audit
    payloads. Refused, with nothing changed, unless a DPO approved it. Run by the sweeper (the system)
    or, to make it happen sooner, by a DPO."""
    if actor.user is not None and not actor.has_perm(perms.REVIEW):
        raise PermissionDenied(_("Only a data protection officer may carry out retention actions."))
    with transaction.atomic():
        if actor.user is not None:
            item = _visible_review(actor, review)
        else:
            found = RetentionReview.objects.select_for_update().filter(pk=review.pk).first()
            if found is None:
                raise NotFound()
            item = found
        approved = (
            item.status == ReviewStatus.APPROVED
            and item.decided_by_id is not None
            and item.decided_by_id != item.proposed_by_id
            and item.proposed_action in (Action.DELETE, Action.ANONYMISE)
        )
        if not approved:
            raise ApplicationError(
                _("This retention action has no approval by a data protection officer: nothing was changed."),
                code="not_approved",
            )
        model = item.content_type.model_class()
        obj = every_row(model, reason="an approved retention action").filter(pk=item.object_id).first() if model is not None else None
        if obj is None:
            item.status = ReviewStatus.OBSOLETE
            item.executed_at = timezone.now()
            item.save(update_fields=["status", "executed_at", "updated_at"])
            _audit(actor, "retention.obsolete", item)
            return item
        declaration = declaration_for(item.model_label)
        handler = declaration.handlers.get(item.proposed_action) if declaration is not None else None
        try:
            if handler is None:
                raise _Failed(_("No way to carry out this action is declared for this kind of record."))
            with transaction.atomic():  # a savepoint: a failing handler leaves nothing half-erased
                summary = dict(handler(actor=actor, obj=obj, review=item) or {})
                summary["shredded"] = _shred(item, summary)
        except _Failed as exc:
            return _mark_failed(actor, item, exc.message)
        except ApplicationError as exc:
            return _mark_failed(actor, item, str(exc.message))
        except Exception:  # noqa: BLE001 - a module's handler failed; record it, never half-erase
            logger.exception("retention handler failed for review %s", item.public_id)
            return _mark_failed(actor, item, _("The action failed; the record was left as it was. The error was logged."))
        item.status = ReviewStatus.EXECUTED
        item.executed_at = timezone.now()
        item.outcome = summary
        item.save(update_fields=["status", "executed_at", "outcome", "updated_at"])
        _audit(actor, "retention.executed", item, outcome=summary)
        return item


def _mark_failed(actor: Actor, item: RetentionReview, message: str) -> RetentionReview:
    item.status = ReviewStatus.FAILED
    item.outcome = {"error": message}
    item.save(update_fields=["status", "outcome", "updated_at"])
    _audit(actor, "retention.failed", item, error=message)
    return item


def retention_execute_approved(*, batch: int = EXECUTE_BATCH) -> dict[str, int]:
    """The sweeper's second half: carry out every approved action (each in its own transaction)."""
    actor = sweeper_actor()
    counts: Counter[str] = Counter()
    for item in RetentionReview.objects.filter(status=ReviewStatus.APPROVED).order_by("decided_at", "pk")[:batch]:
        result = retention_review_execute(actor=actor, review=item)
        counts[result.status] += 1
    return dict(sorted(counts.items()))
