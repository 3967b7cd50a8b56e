"""JSON forms of evidence items: the list entry, the full record, and the descriptive fields a PATCH may change.

What was received and what the pipeline found (hashes, filename, size,
storage, metadata, statuses) are facts: no serializer here writes them.
Observers never get witness-identity fields (who collected the item): those
come back as null for a user whose role in the item's case does not see
identities (accounts.permissions.can_see_witness_identity), as on the item page.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.accounts.models import User
from apps.accounts.permissions import can_see_witness_identity
from apps.common.api import SparseFieldsMixin
from apps.evidence.file_access import has_archived_original
from apps.evidence.models import Derivative, EvidenceItem, IncidentLink, PossibleDuplicate

# Shown only to roles that see witness identities (the item page hides them from observers too).
WITNESS_IDENTITY_FIELDS = ("collector_name", "collected_by")

# What a PATCH may change: the description of the item, never what was received or found.
EDITABLE_FIELDS = (
    "description",
    "caption",
    "credit_line",
    "rights_holder",
    "licence",
    "collector_name",
    "collection_method",
    "collected_at",
    "collected_place",
    "declared_captured_at",
    "declared_place_name",
    "declared_latitude",
    "declared_longitude",
    "is_graphic",
    "contains_personal_data",
    "reveals_witness_identity",
    "consent_status",
    "may_share_national_prosecutor",
    "may_share_icc",
    "may_share_other_courts",
    "may_share_media",
    "may_share_public",
    "consent_note",
    "storage_location",
    "seal_numbers",
    "condition",
)

_HIDDEN_IDENTITY = _("Null when your role in the item's case does not see witness identities (observers).")


class _WitnessIdentityMixin(serializers.Serializer):  # type: ignore[type-arg]
    def to_representation(self, instance: EvidenceItem) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not can_see_witness_identity(user, instance.case):
            for name in WITNESS_IDENTITY_FIELDS:
                if name in data:
                    data[name] = None
        return data


class EvidenceItemSerializer(_WitnessIdentityMixin, SparseFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    """An item as a list shows it: what it is, its hashes, where it is in processing and review."""

    reference = serializers.CharField(read_only=True, help_text=_("The item's reference, e.g. UA-2022-0001/E0001."))
    incidents: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=_("The ids of the incidents this item documents.")
    )
    collector_name = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text=format_lazy("{} {}", _("Who collected it, if not a Custos user."), _HIDDEN_IDENTITY),
    )

    class Meta:
        model = EvidenceItem
        fields: tuple[str, ...] = (
            "id",
            "reference",
            "case",
            "number",
            "kind",
            "original_filename",
            "size_bytes",
            "declared_content_type",
            "detected_content_type",
            "sha256",
            "sha512",
            "processing_status",
            "review_status",
            "integrity_status",
            "is_graphic",
            "contains_personal_data",
            "reveals_witness_identity",
            "consent_status",
            "caption",
            "description",
            "collector_name",
            "collected_at",
            "incidents",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class DerivativeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A working copy (thumbnail, preview), with the page that hands it out; never a storage address."""

    url = serializers.SerializerMethodField(
        help_text=_(
            "Where the API serves the copy (GET, with your token or session); an unblurred preview or poster is "
            "recorded in custody as viewed."
        )
    )

    class Meta:
        model = Derivative
        fields = ("kind", "blurred", "sha256", "size_bytes", "content_type", "width", "height", "url")
        read_only_fields = fields

    def get_url(self, derivative: Derivative) -> str:
        return _absolute(self, reverse("api:evidence-derivative", args=[derivative.item_id, derivative.kind]))


def _absolute(serializer: serializers.Serializer, path: str) -> str:  # type: ignore[type-arg]
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class LinkedIncidentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """An incident the item documents."""

    id = serializers.UUIDField(source="incident.id", read_only=True, help_text=_("The incident's id."))
    title = serializers.CharField(source="incident.title", read_only=True, help_text=_("The incident's title."))
    linked_at = serializers.DateTimeField(read_only=True, help_text=_("When the item was tied to the incident."))

    class Meta:
        model = IncidentLink
        fields = ("id", "title", "linked_at", "note")
        read_only_fields = fields


class PossibleDuplicateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Another item of the case that looks alike (perceptual hashes close): a hint for a reviewer, never a merge."""

    item = serializers.UUIDField(source="duplicate_of.id", read_only=True, help_text=_("The other item's id."))
    reference = serializers.CharField(
        source="duplicate_of.reference", read_only=True, help_text=_("The other item's reference.")
    )
    algorithm = serializers.CharField(read_only=True, help_text=_("The perceptual hash compared."))
    distance = serializers.IntegerField(
        read_only=True, help_text=_("How many bits of the two perceptual hashes differ (0: alike).")
    )

    class Meta:
        model = PossibleDuplicate
        fields = ("item", "reference", "algorithm", "distance")
        read_only_fields = fields


class EvidenceItemDetailSerializer(EvidenceItemSerializer):
    """The whole record of an item: processing, extracted metadata, description, consent, files and links."""

    collected_by = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=format_lazy("{} {}", _("The Custos user who collected it, if one did."), _HIDDEN_IDENTITY),
    )
    uploaded_by = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username", read_only=True, allow_null=True, help_text=_("Who uploaded it (username).")
    )
    last_edited_by = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="username", read_only=True, allow_null=True, help_text=_("Who last changed its description.")
    )
    processing_steps = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text=_("Pipeline steps completed, in order.")
    )
    metadata = serializers.JSONField(
        read_only=True, help_text=_("Metadata extracted from the file (EXIF, XMP, container tags), as found.")
    )
    derivatives = DerivativeSerializer(many=True, read_only=True, help_text=_("Working copies made from the original."))
    original_url = serializers.SerializerMethodField(
        help_text=_(
            "Where the API serves the original (GET, with your token or session; a Range resumes a download), "
            "recorded in custody as downloaded. Null until the file is archived."
        )
    )
    possible_duplicates = PossibleDuplicateSerializer(
        many=True, read_only=True, help_text=_("Items of the case that look alike, for a reviewer to compare.")
    )
    incidents = LinkedIncidentSerializer(  # type: ignore[assignment]
        source="incident_links", many=True, read_only=True, help_text=_("The incidents this item documents.")
    )

    class Meta(EvidenceItemSerializer.Meta):
        fields = (
            *EvidenceItemSerializer.Meta.fields,
            "client_sha256",
            "processing_error",
            "processing_notes",
            "processing_steps",
            "type_mismatch",
            "perceptual_hash",
            "perceptual_hash_algorithm",
            "last_fixity_check_at",
            "metadata",
            "extracted_captured_at",
            "extracted_latitude",
            "extracted_longitude",
            "extracted_altitude_m",
            "extracted_caption",
            "extracted_credit",
            "camera_make",
            "camera_model",
            "credit_line",
            "rights_holder",
            "licence",
            "collected_by",
            "collection_method",
            "collected_place",
            "declared_captured_at",
            "declared_place_name",
            "declared_latitude",
            "declared_longitude",
            "may_share_national_prosecutor",
            "may_share_icc",
            "may_share_other_courts",
            "may_share_media",
            "may_share_public",
            "consent_note",
            "storage_location",
            "seal_numbers",
            "condition",
            "uploaded_by",
            "last_edited_by",
            "original_url",
            "derivatives",
            "possible_duplicates",
        )
        read_only_fields = fields

    def get_original_url(self, item: EvidenceItem) -> str | None:
        if not has_archived_original(item):
            return None
        return _absolute(self, reverse("api:evidence-original", args=[item.pk]))


class EvidenceItemUpdateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """The descriptive fields of an item; send only those to change (PATCH). Every change is recorded in custody."""

    class Meta:
        model = EvidenceItem
        fields = EDITABLE_FIELDS


__all__ = [
    "EDITABLE_FIELDS",
    "WITNESS_IDENTITY_FIELDS",
    "DerivativeSerializer",
    "EvidenceItemDetailSerializer",
    "EvidenceItemSerializer",
    "EvidenceItemUpdateSerializer",
    "User",
]
