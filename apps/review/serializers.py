"""JSON forms of the review workflow."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.cases.models import Case
from apps.evidence.enums import EvidenceKind
from apps.evidence.models import EvidenceItem
from apps.incidents.enums import VerificationStatus
from apps.review.checklist import NOTE_MAX_LENGTH
from apps.review.enums import ChecklistAnswer, Decision, QueueAge, Sensitivity
from apps.review.models import IncidentVerificationChange, ReviewDecision
from apps.review.selectors import QUEUE_STATES, QueueFilters
from apps.review.services import REASON_MAX_LENGTH

# The API names the reviewer's steps by the verb; the history and custody record the outcome.
API_DECISIONS: dict[str, Decision] = {
    "start": Decision.START,
    "approve": Decision.APPROVE,
    "reject": Decision.REJECT,
    "needs_info": Decision.NEEDS_INFO,
}


class QueueFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=[(state.value, state.label) for state in QUEUE_STATES], required=False)
    case = serializers.UUIDField(required=False)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, required=False)
    age = serializers.ChoiceField(choices=QueueAge.choices, required=False)
    sensitivity = serializers.ChoiceField(choices=Sensitivity.choices, required=False)

    def filters(self) -> QueueFilters:
        data = self.validated_data
        return QueueFilters(
            status=data.get("status", ""),
            case_id=data.get("case"),
            kind=data.get("kind", ""),
            older_than_days=int(data["age"]) if data.get("age") else None,
            sensitivity=data.get("sensitivity", ""),
        )


class QueueItemSerializer(serializers.ModelSerializer[EvidenceItem]):
    reference = serializers.CharField(read_only=True)
    case: serializers.SlugRelatedField[Case] = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    four_eyes_blocked = serializers.BooleanField(read_only=True)

    class Meta:
        model = EvidenceItem
        fields = [
            "id",
            "reference",
            "case",
            "kind",
            "original_filename",
            "review_status",
            "created_at",
            "is_graphic",
            "contains_personal_data",
            "reveals_witness_identity",
            "four_eyes_blocked",
        ]
        read_only_fields = fields


class ChecklistEntrySerializer(serializers.Serializer[Any]):
    answer = serializers.ChoiceField(choices=ChecklistAnswer.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX_LENGTH)


class ReviewInputSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=list(API_DECISIONS))
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=REASON_MAX_LENGTH)
    question = serializers.CharField(required=False, allow_blank=True, default="", max_length=REASON_MAX_LENGTH)
    checklist = serializers.DictField(child=ChecklistEntrySerializer(), required=False, default=dict)


class ReviewDecisionSerializer(serializers.ModelSerializer[ReviewDecision]):
    reviewer = serializers.CharField(source="reviewer.get_username", read_only=True)

    class Meta:
        model = ReviewDecision
        fields = [
            "decision",
            "reviewer",
            "from_status",
            "to_status",
            "reason",
            "question",
            "answer",
            "checklist",
            "created_at",
        ]
        read_only_fields = fields


class VerificationInputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=VerificationStatus.choices)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, error_messages={"blank": _("Give the reason.")})


class VerificationChangeSerializer(serializers.ModelSerializer[IncidentVerificationChange]):
    changed_by = serializers.CharField(source="changed_by.get_username", read_only=True)

    class Meta:
        model = IncidentVerificationChange
        fields = ["from_status", "to_status", "reason", "changed_by", "created_at"]
        read_only_fields = fields
