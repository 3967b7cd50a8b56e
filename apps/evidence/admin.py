from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from apps.common.admin import CaseScopedAdmin, MemberCaseListFilter
from apps.evidence.models import EvidenceItem, IncidentLink
from apps.evidence.permissions import visible_items
from apps.evidence.services import evidence_item_update


class IncidentLinkInline(admin.TabularInline):  # type: ignore[type-arg]
    """Read-only here: links are made through services, which record them in custody."""

    model = IncidentLink
    extra = 0
    fields = ("incident", "linked_by", "linked_at", "note")
    readonly_fields = ("incident", "linked_by", "linked_at", "note")

    def has_add_permission(self, request: HttpRequest, obj: EvidenceItem | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EvidenceItem | None = None) -> bool:
        return False


@admin.register(EvidenceItem)
class EvidenceItemAdmin(CaseScopedAdmin):
    list_display = ["reference", "original_filename", "kind", "processing_status", "review_status", "is_graphic"]
    list_filter = [
        "kind",
        "processing_status",
        "review_status",
        "is_graphic",
        "contains_personal_data",
        "reveals_witness_identity",
        "consent_status",
        MemberCaseListFilter,
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[EvidenceItem]:
        # Observers do not see identity-restricted items, in the admin either.
        return super().get_queryset(request).filter(pk__in=visible_items(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Items come in through intake (or seed/import services), which hash and record receipt.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: EvidenceItem | None = None) -> bool:
        # No evidence is ever lost: items are rejected in review, never deleted.
        return False

    def save_model(self, request: HttpRequest, obj: EvidenceItem, form: ModelForm[EvidenceItem], change: bool) -> None:  # noqa: FBT001
        """An edit in the admin is an edit like any other: before/after values go into custody."""
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        evidence_item_update(item=obj, actor_user=request.user, changes=changes)  # type: ignore[arg-type]
