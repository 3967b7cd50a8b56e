"""Read-only admin views of the review history: rows are append-only, so nothing can be added, changed or deleted."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.review.models import IncidentVerificationChange, ReviewDecision


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = ["item", "decision", "reviewer", "from_status", "to_status", "created_at"]
    list_filter = ["decision"]
    list_select_related = ["item__case", "reviewer"]


@admin.register(IncidentVerificationChange)
class IncidentVerificationChangeAdmin(ReadOnlyAdmin):
    list_display = ["incident", "from_status", "to_status", "changed_by", "created_at"]
    list_select_related = ["incident", "changed_by"]
