"""The review API: the queue, decisions on an item and their history, and incidents' verification status.

Need-to-know: an item or incident the user may not see answers 404, exactly like one that does not exist; a
member who may see it but may not review it gets 403, and so does a reviewer stopped by the four-eyes rule (with
the rule's message). Invalid input answers 400 with field errors (problem details; a checklist question's error
points at ``/checklist/<key>``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from apps.cases.permissions import case_is_open
from apps.common.schema import ITEM_ID, SPARSE_FIELDS
from apps.evidence.models import EvidenceItem
from apps.evidence.permissions import can_view_item
from apps.review.filters import ReviewQueueFilter
from apps.review.permissions import (
    CASE_CLOSED_REFUSED,
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
    IncidentVerificationSerializer,
    QueueItemSerializer,
    ReviewHistorySerializer,
    ReviewInputSerializer,
    ReviewResultSerializer,
    VerificationInputSerializer,
    VerificationResultSerializer,
)
from apps.review.services import (
    FourEyesViolationError,
    ReviewNotAllowedError,
    evidence_review_decide,
    incident_verification_set,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request

    from apps.incidents.models import Incident

INCIDENT_ID = OpenApiParameter(
    "incident_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The incident's id."
)


def _visible_item(request: Request, item_id: Any) -> EvidenceItem:
    item = review_item_for_user(user=request.user, item_id=item_id)
    if item is None or not can_view_item(request.user, item):
        raise NotFound
    return item


def _incident(request: Request, incident_id: Any) -> Incident:
    incident = incident_for_user(user=request.user, incident_id=incident_id)
    if incident is None or not can_view_incident(request.user, incident):
        raise NotFound
    return incident


def _field_errors(error: DjangoValidationError) -> serializers.ValidationError:
    """A service's ValidationError as the API's: "checklist.<key>" becomes the nested field checklist/<key>."""
    if not hasattr(error, "error_dict"):
        return serializers.ValidationError(error.messages)
    detail: dict[str, Any] = {}
    for field, messages in error.message_dict.items():
        if field.startswith("checklist."):
            detail.setdefault("checklist", {})[field.removeprefix("checklist.")] = messages
        else:
            detail[field] = messages
    return serializers.ValidationError(detail)


@extend_schema(parameters=[SPARSE_FIELDS])
class ReviewQueueView(generics.ListAPIView):  # type: ignore[type-arg]
    """Items waiting for review in the cases where you review (reviewer or lead), oldest first.

    The filters are the queue page's. An item you uploaded, collected or last edited is listed with
    ``four_eyes_blocked`` true: someone else must review it.
    """

    serializer_class = QueueItemSerializer
    filterset_class = ReviewQueueFilter
    ordering = ("created_at", "id")
    ordering_fields = ("created_at",)

    def get_queryset(self) -> QuerySet[EvidenceItem]:
        return review_queue(user=self.request.user)


@extend_schema(parameters=[ITEM_ID])
class EvidenceReviewView(generics.GenericAPIView):  # type: ignore[type-arg]
    """Take a review step on the item: start, approve, reject or ask the investigator (needs_info)."""

    serializer_class = ReviewInputSerializer
    pagination_class = None
    parser_classes = [JSONParser]  # the checklist is nested: no form encoding expresses it

    @extend_schema(request=ReviewInputSerializer, responses={200: ReviewResultSerializer})
    def post(self, request: Request, item_id: Any) -> Response:
        item = _visible_item(request, item_id)
        if not can_review_item(request.user, item):
            raise PermissionDenied(str(REVIEW_REFUSED))
        if not case_is_open(item.case):
            raise PermissionDenied(str(CASE_CLOSED_REFUSED))
        given = self.get_serializer(data=request.data)
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
        except (FourEyesViolationError, ReviewNotAllowedError) as error:
            raise PermissionDenied(str(error)) from error
        except DjangoValidationError as error:
            raise _field_errors(error) from error
        result = {"id": item.pk, "review_status": item.review_status, "decision": recorded}
        return Response(ReviewResultSerializer(result).data)


@extend_schema(parameters=[ITEM_ID])
class EvidenceReviewHistoryView(generics.GenericAPIView):  # type: ignore[type-arg]
    """The item's review status and its review steps, oldest first (anyone who may see the item)."""

    serializer_class = ReviewHistorySerializer
    pagination_class = None

    def get(self, request: Request, item_id: Any) -> Response:
        item = _visible_item(request, item_id)
        history = {"id": item.pk, "review_status": item.review_status, "decisions": review_history(item=item)}
        return Response(self.get_serializer(history).data)


@extend_schema(parameters=[INCIDENT_ID])
class IncidentVerificationView(generics.GenericAPIView):  # type: ignore[type-arg]
    """An incident's verification status: read it with its history (members), change it (reviewers and leads)."""

    serializer_class = IncidentVerificationSerializer
    pagination_class = None

    def get(self, request: Request, incident_id: Any) -> Response:
        incident = _incident(request, incident_id)
        history = incident_verification_history(incident=incident)
        status = {"id": incident.pk, "verification_status": incident.verification_status, "history": history}
        return Response(self.get_serializer(status).data)

    @extend_schema(request=VerificationInputSerializer, responses={200: VerificationResultSerializer})
    def post(self, request: Request, incident_id: Any) -> Response:
        incident = _incident(request, incident_id)
        if not can_set_verification_status(request.user, incident):
            raise PermissionDenied(str(VERIFICATION_REFUSED))
        if not case_is_open(incident.case):
            raise PermissionDenied(str(CASE_CLOSED_REFUSED))
        given = VerificationInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            change = incident_verification_set(
                incident=incident,
                user=request.user,  # type: ignore[arg-type]
                status=given.validated_data["status"],
                reason=given.validated_data["reason"],
            )
        except ReviewNotAllowedError as error:
            raise PermissionDenied(str(error)) from error
        except DjangoValidationError as error:
            raise _field_errors(error) from error
        result = {"id": incident.pk, "verification_status": incident.verification_status, "change": change}
        return Response(VerificationResultSerializer(result).data)
