"""The review API: the queue, decisions on an item and their history, and incidents' verification status.

Need-to-know: an item or incident the user may not see answers 404, exactly like one that does not exist; a
member who may see it but may not review it gets 403, and so does a reviewer stopped by the four-eyes rule (with
the rule's message). Invalid input answers 400 with field errors ("checklist.<key>" for a checklist question).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.evidence.models import EvidenceItem
from apps.evidence.permissions import can_view_item
from apps.incidents.models import Incident
from apps.review.permissions import (
    REVIEW_REFUSED,
    VERIFICATION_REFUSED,
    can_review_item,
    can_set_verification_status,
    can_view_incident,
)
from apps.review.selectors import (
    incident_for_user,
    incident_verification_history,
    review_history,
    review_item_for_user,
    review_queue,
)
from apps.review.serializers import (
    API_DECISIONS,
    QueueFilterSerializer,
    QueueItemSerializer,
    ReviewDecisionSerializer,
    ReviewInputSerializer,
    VerificationChangeSerializer,
    VerificationInputSerializer,
)
from apps.review.services import (
    FourEyesViolationError,
    ReviewNotAllowedError,
    evidence_review_decide,
    incident_verification_set,
)


class QueuePagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


def _visible_item(request: Request, item_id: UUID) -> EvidenceItem:
    item = review_item_for_user(user=request.user, item_id=item_id)
    if item is None or not can_view_item(request.user, item):
        raise NotFound
    return item


def _errors(error: ValidationError) -> dict[str, Any]:
    return error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}


class ReviewQueueView(APIView):
    """GET: items waiting for review in the user's review cases; ?status, case, kind, age, sensitivity, page."""

    def get(self, request: Request) -> Response:
        filters = QueueFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = QueuePagination()
        page = paginator.paginate_queryset(review_queue(user=request.user, filters=filters.filters()), request, self)
        return paginator.get_paginated_response(QueueItemSerializer(page, many=True).data)


class EvidenceReviewView(APIView):
    """POST {decision: start|approve|reject|needs_info, reason, question, checklist: {key: {answer, note}}}."""

    def post(self, request: Request, item_id: UUID) -> Response:
        item = _visible_item(request, item_id)
        if not can_review_item(request.user, item):
            raise ApiPermissionDenied(str(REVIEW_REFUSED))
        given = ReviewInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            recorded = evidence_review_decide(
                item=item,
                user=request.user,  # type: ignore[arg-type]
                decision=API_DECISIONS[given.validated_data["decision"]],
                reason=given.validated_data["reason"],
                question=given.validated_data["question"],
                checklist=given.validated_data["checklist"],
            )
        except FourEyesViolationError as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        except ReviewNotAllowedError as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        except ValidationError as error:
            return Response(_errors(error), status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "id": str(item.pk),
                "review_status": item.review_status,
                "decision": ReviewDecisionSerializer(recorded).data,
            }
        )


class EvidenceReviewHistoryView(APIView):
    """GET: the item's review decisions, oldest first (anyone who may see the item)."""

    def get(self, request: Request, item_id: UUID) -> Response:
        item = _visible_item(request, item_id)
        return Response(
            {
                "id": str(item.pk),
                "review_status": item.review_status,
                "decisions": ReviewDecisionSerializer(review_history(item=item), many=True).data,
            }
        )


def _incident(request: Request, incident_id: UUID) -> Incident:
    incident = incident_for_user(user=request.user, incident_id=incident_id)
    if incident is None or not can_view_incident(request.user, incident):
        raise NotFound
    return incident


class IncidentVerificationView(APIView):
    """GET: the status and its history (members); POST {status, reason}: change it (reviewers and leads)."""

    def get(self, request: Request, incident_id: UUID) -> Response:
        incident = _incident(request, incident_id)
        history = incident_verification_history(incident=incident)
        return Response(
            {
                "id": str(incident.pk),
                "verification_status": incident.verification_status,
                "history": VerificationChangeSerializer(history, many=True).data,
            }
        )

    def post(self, request: Request, incident_id: UUID) -> Response:
        incident = _incident(request, incident_id)
        if not can_set_verification_status(request.user, incident):
            raise ApiPermissionDenied(str(VERIFICATION_REFUSED))
        given = VerificationInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            change = incident_verification_set(
                incident=incident,
                user=request.user,  # type: ignore[arg-type]
                status=given.validated_data["status"],
                reason=given.validated_data["reason"],
            )
        except ValidationError as error:
            return Response(_errors(error), status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "id": str(incident.pk),
                "verification_status": incident.verification_status,
                "change": VerificationChangeSerializer(change).data,
            }
        )
