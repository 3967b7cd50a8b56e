"""Writes of the review workflow: review decisions on evidence items, and incidents' verification status.

The workflow (TRANSITIONS below is the one place it is defined):

    submitted --start--> in_review --approve--> approved
                                   --reject---> rejected      (a reason is required)
                                   --needs_info-> needs_info  (a question is required)
    needs_info --resubmit--> submitted                        (the investigator's answer is recorded)

From "needs information" the item goes back to "submitted", not straight into review: the answer may have changed
the item, so it re-enters the queue and a reviewer starts a fresh review (recorded again). Approved and rejected are
final here; reopening is not part of the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.cases.permissions import case_is_open
from apps.custody.enums import CustodyAction
from apps.custody.services import custody_record
from apps.evidence.enums import ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.evidence.permissions import can_edit_item
from apps.incidents.enums import VerificationStatus
from apps.incidents.models import Incident
from apps.review.checklist import ChecklistError, checklist_normalise, checklist_unanswered
from apps.review.enums import Decision
from apps.review.models import IncidentVerificationChange, ReviewDecision
from apps.review.permissions import (
    CASE_CLOSED_REFUSED,
    RESUBMIT_REFUSED,
    REVIEW_REFUSED,
    VERIFICATION_REFUSED,
    can_review_item,
    can_set_verification_status,
    four_eyes_conflict,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from apps.accounts.models import User


@dataclass(frozen=True)
class Transition:
    sources: frozenset[ReviewStatus]
    target: ReviewStatus


TRANSITIONS: dict[Decision, Transition] = {
    Decision.START: Transition(frozenset({ReviewStatus.SUBMITTED}), ReviewStatus.IN_REVIEW),
    Decision.APPROVE: Transition(frozenset({ReviewStatus.IN_REVIEW}), ReviewStatus.APPROVED),
    Decision.REJECT: Transition(frozenset({ReviewStatus.IN_REVIEW}), ReviewStatus.REJECTED),
    Decision.NEEDS_INFO: Transition(frozenset({ReviewStatus.IN_REVIEW}), ReviewStatus.NEEDS_INFO),
    Decision.RESUBMIT: Transition(frozenset({ReviewStatus.NEEDS_INFO}), ReviewStatus.SUBMITTED),
}

# The steps a reviewer takes (the four-eyes rule applies to each); RESUBMIT is the investigator's.
REVIEWER_DECISIONS = frozenset({Decision.START, Decision.APPROVE, Decision.REJECT, Decision.NEEDS_INFO})

REASON_MAX_LENGTH = 5000


class ReviewNotAllowedError(PermissionDenied):
    """The user does not hold a role that may take this step on the item."""


class FourEyesViolationError(PermissionDenied):
    """The reviewer uploaded, collected or last edited the item: a second person must review it."""


class TransitionNotAllowedError(ValidationError):
    """The step does not apply to the item's current state (see TRANSITIONS)."""


def decisions_from(status: str) -> list[Decision]:
    """The steps allowed from a review state, in TRANSITIONS order."""
    return [decision for decision, transition in TRANSITIONS.items() if status in transition.sources]


def _text_errors(*, decision: Decision, reason: str, question: str, answer: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if decision == Decision.REJECT and not reason:
        errors["reason"] = _("Give the reason for rejecting the item.")
    if decision == Decision.NEEDS_INFO and not question:
        errors["question"] = _("Write the question the investigator should answer.")
    if decision == Decision.RESUBMIT and not answer:
        errors["answer"] = _("Answer the reviewer's question before resubmitting.")
    for name, value in (("reason", reason), ("question", question), ("answer", answer)):
        if len(value) > REASON_MAX_LENGTH:
            errors[name] = _("Keep this under %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}
    return errors


def _checklist(decision: Decision, checklist: object) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    try:
        answers = checklist_normalise(checklist)
    except ChecklistError as error:
        return {}, {key if key == "checklist" else f"checklist.{key}": msg for key, msg in error.errors.items()}
    errors: dict[str, str] = {}
    if decision == Decision.APPROVE:
        for key in checklist_unanswered(answers):
            errors[f"checklist.{key}"] = _("Answer this question before approving.")
    return answers, errors


def evidence_review_decide(
    *,
    item: EvidenceItem,
    user: User,
    decision: Decision,
    reason: str = "",
    question: str = "",
    answer: str = "",
    checklist: object = None,
) -> ReviewDecision:
    """Take one step of the review workflow on an item and return the recorded decision.

    Checks, in this order, on the locked row: the role (ReviewNotAllowedError; the investigator's resubmit needs
    can_edit_item), an open case (ReviewNotAllowedError: a closed case is read-only), the transition
    (TransitionNotAllowedError), the four-eyes rule for reviewer steps (FourEyesViolationError), then the input
    (ValidationError with field errors: "reason", "question", "answer", "checklist" or "checklist.<key>").

    Side effects, in one transaction: the item's review_status changes, one ReviewDecision row and one custody
    event (REVIEW_DECISION, details: decision, reason, question, answer, checklist, from_status, to_status) are
    written. The item's row is locked (SELECT ... FOR UPDATE) first, so two reviewers deciding at once queue, and the
    second one sees the first one's state instead of both moving the item from the same state.
    """
    decision = Decision(decision)
    reason, question, answer = reason.strip(), question.strip(), answer.strip()
    with transaction.atomic():
        locked = EvidenceItem.objects.select_for_update(of=("self",)).select_related("case").get(pk=item.pk)
        if decision == Decision.RESUBMIT:
            if not can_edit_item(user, locked):
                raise ReviewNotAllowedError(str(RESUBMIT_REFUSED))
        elif not can_review_item(user, locked):
            raise ReviewNotAllowedError(str(REVIEW_REFUSED))
        if not case_is_open(locked.case):
            raise ReviewNotAllowedError(str(CASE_CLOSED_REFUSED))
        transition = TRANSITIONS[decision]
        from_status = ReviewStatus(locked.review_status)
        if from_status not in transition.sources:
            raise TransitionNotAllowedError(
                {
                    "decision": _("An item that is “%(status)s” cannot be “%(decision)s”.")
                    % {"status": from_status.label, "decision": decision.label}
                }
            )
        if decision in REVIEWER_DECISIONS:
            conflict = four_eyes_conflict(user, locked)
            if conflict is not None:
                raise FourEyesViolationError(str(conflict))
        answers, errors = _checklist(decision, checklist)
        errors.update(_text_errors(decision=decision, reason=reason, question=question, answer=answer))
        if errors:
            raise ValidationError(errors)

        locked.review_status = transition.target
        locked.save(update_fields=["review_status", "updated_at"])
        recorded = ReviewDecision.objects.create(
            item=locked,
            reviewer=user,
            decision=decision,
            reason=reason,
            question=question,
            answer=answer,
            checklist=answers,
            from_status=from_status,
            to_status=transition.target,
        )
        details: dict[str, Any] = {
            "decision": str(decision),
            "reason": reason,
            "question": question,
            "checklist": answers,
            "from_status": str(from_status),
            "to_status": str(transition.target),
        }
        if decision == Decision.RESUBMIT:
            details["answer"] = answer
        custody_record(item=locked, action=CustodyAction.REVIEW_DECISION, actor_user=user, details=details)
    item.review_status = locked.review_status
    return recorded


@dataclass
class BulkStartResult:
    started: list[EvidenceItem] = field(default_factory=list)
    refused: list[tuple[EvidenceItem, str]] = field(default_factory=list)


def evidence_review_start_many(*, items: Iterable[EvidenceItem], user: User) -> BulkStartResult:
    """Start the review of several submitted items: the one bulk step (approval and rejection each need a checklist).

    Each item is started by evidence_review_decide in its own transaction, so each gets its own custody event and
    the four-eyes rule and the state check hold per item; an item refused is reported with the reason and does
    not stop the others.
    """
    result = BulkStartResult()
    for item in items:
        try:
            evidence_review_decide(item=item, user=user, decision=Decision.START)
        except (PermissionDenied, ValidationError) as error:
            message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            result.refused.append((item, message))
        else:
            result.started.append(item)
    return result


def incident_verification_set(
    *, incident: Incident, user: User, status: VerificationStatus | str, reason: str
) -> IncidentVerificationChange:
    """Set an incident's verification status, with the reason, and keep the change in its history.

    Raises ReviewNotAllowedError unless the user may set it (reviewers and leads of the case) and the case is open
    (a closed case is read-only), ValidationError
    ("status", "reason") for a missing reason, an unknown status or no change.

    Side effects, in one transaction: the incident's verification_status changes and one IncidentVerificationChange
    row is written. The incident's row is locked first, so that concurrent changes each record the status they
    really changed from.
    """
    reason = reason.strip()
    with transaction.atomic():
        locked = Incident.objects.select_for_update(of=("self",)).select_related("case").get(pk=incident.pk)
        if not can_set_verification_status(user, locked):
            raise ReviewNotAllowedError(str(VERIFICATION_REFUSED))
        if not case_is_open(locked.case):
            raise ReviewNotAllowedError(str(CASE_CLOSED_REFUSED))
        errors: dict[str, str] = {}
        if status not in VerificationStatus.values:
            errors["status"] = _("Choose one of the verification statuses.")
        elif status == locked.verification_status:
            errors["status"] = _("The incident already has this status.")
        if not reason:
            errors["reason"] = _("Give the reason for the change.")
        elif len(reason) > REASON_MAX_LENGTH:
            errors["reason"] = _("Keep this under %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}
        if errors:
            raise ValidationError(errors)
        from_status = locked.verification_status
        locked.verification_status = VerificationStatus(status)
        locked.save(update_fields=["verification_status", "updated_at"])
        change = IncidentVerificationChange.objects.create(
            incident=locked, changed_by=user, from_status=from_status, to_status=status, reason=reason
        )
    incident.verification_status = locked.verification_status
    return change
