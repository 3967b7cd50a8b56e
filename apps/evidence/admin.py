from django.contrib import admin

from apps.evidence.models import EvidenceItem, IncidentLink


class IncidentLinkInline(admin.TabularInline):  # type: ignore[type-arg]
    model = IncidentLink
    extra = 0
    autocomplete_fields = ["incident"]
    readonly_fields = ["linked_by", "linked_at"]


@admin.register(EvidenceItem)
class EvidenceItemAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["reference", "original_filename", "kind", "processing_status", "review_status", "is_graphic"]
    list_filter = [
        "kind",
        "processing_status",
        "review_status",
        "is_graphic",
        "contains_personal_data",
        "reveals_witness_identity",
        "consent_status",
        "case",
    ]
    search_fields = ["original_filename", "caption", "credit_line", "description", "sha256", "case__reference"]
    list_select_related = ["case"]
    # What was received and what the pipeline found are facts, not editable.
    readonly_fields = [
        "id",
        "number",
        "original_filename",
        "original_filename_raw",
        "size_bytes",
        "declared_content_type",
        "detected_content_type",
        "client_sha256",
        "sha256",
        "sha512",
        "storage_name",
        "processing_status",
        "processing_error",
        "extracted_captured_at",
        "extracted_latitude",
        "extracted_longitude",
        "extracted_altitude_m",
        "camera_make",
        "camera_model",
        "metadata",
        "uploaded_by",
        "last_edited_by",
        "created_at",
        "updated_at",
    ]
    inlines = [IncidentLinkInline]

    def has_delete_permission(self, request: object, obj: EvidenceItem | None = None) -> bool:
        # No evidence is ever lost: items are rejected in review, never deleted.
        return False
