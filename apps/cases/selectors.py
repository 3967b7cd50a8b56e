"""Reads of cases, always filtered to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Case as CaseWhen
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.enums import CaseRole
from apps.accounts.models import CaseMembership
from apps.accounts.permissions import member_case_ids
from apps.cases.models import Case, Invitation, invitation_token_hash
from apps.evidence.enums import IntegrityStatus, ReviewStatus
from apps.evidence.permissions import visible_items
from apps.incidents.permissions import visible_incidents

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User


def _count_of(rows: QuerySet[Any]) -> Coalesce:
    """How many of these rows belong to the outer case (a correlated subquery, so one query for the whole list)."""
    counted = rows.filter(case_id=OuterRef("pk")).order_by().values("case_id").annotate(total=Count("pk"))
    return Coalesce(Subquery(counted.values("total")), 0)


def case_list_for_user(*, user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases the user is a member of, with the incidents and evidence items they may see counted.

    Counts start from the need-to-know querysets, so an observer's count
    leaves out identity-restricted items as their lists do.
    """
    return case_list_with_incident_counts(user=user).annotate(evidence_count=_count_of(visible_items(user)))


def case_list_with_incident_counts(*, user: User | AnonymousUser) -> QuerySet[Case]:
    """The cases the user is a member of, with the incidents counted (as case_list_for_user, without evidence:
    for callers that count the evidence themselves, once, with more detail)."""
    if not user.is_authenticated:
        return Case.objects.none()
    return (
        Case.objects.filter(pk__in=member_case_ids(user))
        .annotate(incident_count=_count_of(visible_incidents(user)))
        .order_by("reference")
    )


def case_for_member(*, user: User | AnonymousUser, case_id: UUID) -> Case | None:
    """The case if the user is a member of it, else None (need-to-know: the caller answers 404)."""
    return Case.objects.filter(pk=case_id, pk__in=member_case_ids(user)).first()


@dataclass(frozen=True)
class ReviewCount:
    status: ReviewStatus
    count: int


@dataclass(frozen=True)
class CaseCounts:
    incidents: int
    evidence: int
    by_review_status: list[ReviewCount]
    integrity_failures: int


def case_counts_for_user(*, user: User | AnonymousUser, case: Case) -> CaseCounts:
    """Counts for the case overview, over what this user may see (observers' counts omit restricted items)."""
    items = visible_items(user).filter(case=case)
    evidence = items.aggregate(
        total=Count("pk"),
        failed=Count("pk", filter=Q(integrity_status=IntegrityStatus.FAILED)),
        **{status.value: Count("pk", filter=Q(review_status=status)) for status in ReviewStatus},
    )
    return CaseCounts(
        incidents=visible_incidents(user).filter(case=case).count(),
        evidence=evidence["total"],
        by_review_status=[ReviewCount(status=status, count=evidence[status.value]) for status in ReviewStatus],
        integrity_failures=evidence["failed"],
    )


# The order roles are listed in: who runs the case first, read-only members last.
_ROLE_ORDER = [CaseRole.LEAD, CaseRole.REVIEWER, CaseRole.INVESTIGATOR, CaseRole.OBSERVER]


def case_members(*, case: Case) -> QuerySet[CaseMembership]:
    """The case's memberships with their users: leads, reviewers, investigators, observers; then by username."""
    role_rank = CaseWhen(
        *[When(role=role, then=Value(rank)) for rank, role in enumerate(_ROLE_ORDER)],
        default=Value(len(_ROLE_ORDER)),
        output_field=IntegerField(),
    )
    return (
        CaseMembership.objects.filter(case=case)
        .select_related("user", "added_by")
        .annotate(role_rank=role_rank)
        .order_by("role_rank", "user__username")
    )


def invitations_pending(*, case: Case) -> QuerySet[Invitation]:
    """Invitations of the case that can still be accepted, newest first."""
    return (
        Invitation.objects.filter(
            case=case, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_for_token(*, token: str) -> Invitation | None:
    """The invitation a token belongs to, whatever its state (None for an unknown token)."""
    return (
        Invitation.objects.select_related("case", "invited_by").filter(token_hash=invitation_token_hash(token)).first()
    )
