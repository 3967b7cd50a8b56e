"""JSON forms of the review workflow."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.cases.models import Case
from apps.common.api import SparseFieldsMixin
from apps.evidence.enums import ReviewStatus
from apps.evidence.models import EvidenceItem
from apps.incidents.enums import VerificationStatus
from apps.review.checklist import NOTE_MAX_LENGTH
from apps.review.enums import ChecklistAnswer, Decision
from apps.review.models import IncidentVerificationChange, ReviewDecision
from apps.review.services import REASON_MAX_LENGTH

# The API names the reviewer's steps by the verb; the history and custody record the outcome.
API_DECISIONS: dict[str, Decision] = {
    "start": Decision.START,
    "approve": Decision.APPROVE,
    "reject": Decision.REJECT,
    "needs_info": Decision.NEEDS_INFO,
}


class QueueItemSerializer(SparseFieldsMixin, serializers.ModelSerializer[EvidenceItem]):
    """An item waiting in the review queue, with its sensitivity flags and whether the four-eyes rule blocks you."""

    reference = serializers.CharField(read_only=True, help_text=_('The item\'s reference, "<case>/E<number>".'))
    case: serializers.SlugRelatedField[Case] = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, help_text=_("The reference of the item's case.")
    )
    four_eyes_blocked = serializers.BooleanField(
        read_only=True,
        help_text=_("True when you uploaded, collected or last edited the item: someone else must review it."),
    )

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
        extra_kwargs = {
            "id": {"help_text": _("The item's id.")},
            "kind": {"help_text": _("What kind of evidence the file is.")},
            "review_status": {"help_text": _("Where the item is in the review workflow.")},
            "created_at": {"help_text": _("When Custos received the item.")},
            "is_graphic": {"help_text": _("Graphic content: previews are blurred.")},
            "contains_personal_data": {"help_text": _("The item contains personal data.")},
            "reveals_witness_identity": {"help_text": _("The item reveals a witness's identity.")},
        }


class ChecklistEntrySerializer(serializers.Serializer[Any]):
    """The answer to one checklist question."""

    answer = serializers.ChoiceField(choices=ChecklistAnswer.choices, help_text=_("The answer."))
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=NOTE_MAX_LENGTH,
        help_text=_("What was checked, and how."),
    )


class ReviewInputSerializer(serializers.Serializer[Any]):
    """A reviewer's step: start the review, approve (every checklist question answered), reject, or ask."""

    decision = serializers.ChoiceField(
        choices=[(verb, decision.label) for verb, decision in API_DECISIONS.items()],
        help_text=_("The step to take."),
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX_LENGTH,
        help_text=_("Why the item is rejected (required to reject)."),
    )
    question = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=REASON_MAX_LENGTH,
        help_text=_("What the investigator is asked (required for needs_info)."),
    )
    checklist = serializers.DictField(
        child=ChecklistEntrySerializer(),
        required=False,
        default=dict,
        help_text=_("The verification checklist, by question key; every question must be answered to approve."),
    )


class ReviewDecisionSerializer(serializers.ModelSerializer[ReviewDecision]):
    """One recorded step of an item's review."""

    reviewer = serializers.CharField(
        source="reviewer.get_username", read_only=True, help_text=_("Username of who took the step.")
    )

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
        extra_kwargs = {
            "decision": {"help_text": _("The step that was taken.")},
            "from_status": {"help_text": _("The item's review status before the step.")},
            "to_status": {"help_text": _("The item's review status after the step.")},
            "created_at": {"help_text": _("When the step was taken.")},
        }


class ReviewResultSerializer(serializers.Serializer[Any]):
    """The answer to a review step: the item's new status and the decision recorded."""

    id = serializers.UUIDField(read_only=True, help_text=_("The item's id."))
    review_status = serializers.ChoiceField(
        choices=ReviewStatus.choices, read_only=True, help_text=_("The item's review status now.")
    )
    decision = ReviewDecisionSerializer(read_only=True, help_text=_("The decision just recorded."))


class ReviewHistorySerializer(serializers.Serializer[Any]):
    """An item's review status and every review step taken on it, oldest first."""

    id = serializers.UUIDField(read_only=True, help_text=_("The item's id."))
    review_status = serializers.ChoiceField(
        choices=ReviewStatus.choices, read_only=True, help_text=_("The item's review status now.")
    )
    decisions = ReviewDecisionSerializer(many=True, read_only=True, help_text=_("The review steps, oldest first."))


class VerificationInputSerializer(serializers.Serializer[Any]):
    """A change of an incident's verification status, with its reason."""

    status = serializers.ChoiceField(choices=VerificationStatus.choices, help_text=_("The new status."))
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        error_messages={"blank": _("Give the reason.")},
        help_text=_("Why the status changes: what was checked, and against what."),
    )


class VerificationChangeSerializer(serializers.ModelSerializer[IncidentVerificationChange]):
    """One change of an incident's verification status."""

    changed_by = serializers.CharField(
        source="changed_by.get_username", read_only=True, help_text=_("Username of who changed it.")
    )

    class Meta:
        model = IncidentVerificationChange
        fields = ["from_status", "to_status", "reason", "changed_by", "created_at"]
        read_only_fields = fields
        extra_kwargs = {
            "from_status": {"help_text": _("The status before the change.")},
            "to_status": {"help_text": _("The status after the change.")},
            "created_at": {"help_text": _("When it changed.")},
        }


class IncidentVerificationSerializer(serializers.Serializer[Any]):
    """An incident's verification status and how it got there, oldest change first."""

    id = serializers.UUIDField(read_only=True, help_text=_("The incident's id."))
    verification_status = serializers.ChoiceField(
        choices=VerificationStatus.choices, read_only=True, help_text=_("The incident's verification status now.")
    )
    history = VerificationChangeSerializer(many=True, read_only=True, help_text=_("Every change, oldest first."))


class VerificationResultSerializer(serializers.Serializer[Any]):
    """The answer to a change of verification status."""

    id = serializers.UUIDField(read_only=True, help_text=_("The incident's id."))
    verification_status = serializers.ChoiceField(
        choices=VerificationStatus.choices, read_only=True, help_text=_("The incident's verification status now.")
    )
    change = VerificationChangeSerializer(read_only=True, help_text=_("The change just recorded."))
