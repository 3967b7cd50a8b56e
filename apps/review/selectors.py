"""Reads of the review workflow, always filtered to what the user may see and review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from apps.accounts.permissions import REVIEWING_ROLES, case_ids_with_roles
from apps.cases.enums import CaseStatus
from apps.cases.models import Case as InvestigationCase
from apps.evidence.enums import ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.evidence.permissions import visible_items
from apps.incidents.models import Incident
from apps.incidents.permissions import visible_incidents
from apps.review.enums import Sensitivity
from apps.review.models import IncidentVerificationChange, ReviewDecision

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User

# The states an item waits in for a reviewer (or, in needs_info, for the investigator's answer).
QUEUE_STATES = (ReviewStatus.SUBMITTED, ReviewStatus.IN_REVIEW, ReviewStatus.NEEDS_INFO)

_SENSITIVITY_FILTERS = {
    Sensitivity.GRAPHIC: Q(is_graphic=True),
    Sensitivity.PERSONAL_DATA: Q(contains_personal_data=True),
    Sensitivity.WITNESS_IDENTITY: Q(reveals_witness_identity=True),
}


@dataclass(frozen=True)
class QueueFilters:
    """What the queue is narrowed to; empty values do not filter."""

    status: str = ""
    case_id: UUID | None = None
    kind: str = ""
    older_than_days: int | None = None
    sensitivity: str = ""


def review_cases_for_user(*, user: User | AnonymousUser) -> QuerySet[InvestigationCase]:
    """The open cases in which the user reviews (reviewer or lead): a closed case is not reviewed."""
    return InvestigationCase.objects.filter(
        id__in=case_ids_with_roles(user, REVIEWING_ROLES), status=CaseStatus.OPEN
    ).order_by("reference")


def _four_eyes_q(user: User | AnonymousUser) -> Q:
    """Items the user uploaded, collected or last edited (permissions.four_eyes_conflict, as a condition)."""
    # An anonymous user has no pk: "uploaded_by_id = NULL" would match every item nobody uploaded.
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(uploaded_by_id=user.pk) | Q(collected_by_id=user.pk) | Q(last_edited_by_id=user.pk)


def review_queue(*, user: User | AnonymousUser, filters: QueueFilters | None = None) -> QuerySet[EvidenceItem]:
    """Items waiting in review in the open cases where the user reviews, oldest first, with their case.

    Starts from visible_items (need-to-know). A closed case's items are left out: nobody can review them until a
    lead reopens the case (services.evidence_review_decide refuses). Each item carries ``four_eyes_blocked``: True
    when the user uploaded, collected or last edited it, so that the queue can say so without a query per row.
    """
    filters = filters or QueueFilters()
    items = visible_items(user).filter(
        case_id__in=case_ids_with_roles(user, REVIEWING_ROLES), case__status=CaseStatus.OPEN
    )
    items = (
        items.filter(review_status=filters.status) if filters.status else items.filter(review_status__in=QUEUE_STATES)
    )
    if filters.case_id is not None:
        items = items.filter(case_id=filters.case_id)
    if filters.kind:
        items = items.filter(kind=filters.kind)
    if filters.older_than_days is not None:
        items = items.filter(created_at__lte=timezone.now() - timedelta(days=filters.older_than_days))
    if filters.sensitivity:
        items = items.filter(_SENSITIVITY_FILTERS[Sensitivity(filters.sensitivity)])
    blocked = _four_eyes_q(user)
    return (
        items.select_related("case")
        .annotate(
            four_eyes_blocked=Case(
                When(blocked, then=Value(value=True)), default=Value(value=False), output_field=BooleanField()
            )
        )
        .order_by("created_at", "id")
    )


def review_next_item(*, user: User | AnonymousUser, after: EvidenceItem) -> EvidenceItem | None:
    """The next item the user can act on in the queue (submitted or in review, no four-eyes conflict), if any."""
    candidates = (
        review_queue(user=user)
        .filter(review_status__in=(ReviewStatus.SUBMITTED, ReviewStatus.IN_REVIEW))
        .exclude(_four_eyes_q(user))
        .exclude(pk=after.pk)
    )
    return candidates.filter(Q(created_at__gt=after.created_at)).first() or candidates.first()


def review_item_for_user(*, user: User | AnonymousUser, item_id: UUID) -> EvidenceItem | None:
    """The item if the user may see it (views answer 404 otherwise), with its case and the people it names."""
    return (
        visible_items(user)
        .filter(pk=item_id)
        .select_related("case", "uploaded_by", "collected_by", "last_edited_by")
        .first()
    )


def review_history(*, item: EvidenceItem) -> QuerySet[ReviewDecision]:
    """An item's review decisions, oldest first, with the reviewer (one query)."""
    return ReviewDecision.objects.filter(item_id=item.pk).select_related("reviewer").order_by("created_at", "id")


def incident_for_user(*, user: User | AnonymousUser, incident_id: UUID) -> Incident | None:
    return visible_incidents(user).filter(pk=incident_id).select_related("case").first()


def incident_verification_history(*, incident: Incident) -> QuerySet[IncidentVerificationChange]:
    return (
        IncidentVerificationChange.objects.filter(incident_id=incident.pk)
        .select_related("changed_by")
        .order_by("created_at", "id")
    )
