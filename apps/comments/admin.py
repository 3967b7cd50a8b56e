from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from apps.comments.models import Comment, Notification


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: comments are part of the record; they are posted only through comment_post."""

    list_display = ["created_at", "author", "case", "item", "incident"]
    list_filter = ["case", "created_at"]
    search_fields = ["body", "author__username", "case__reference"]
    list_select_related = ["author", "case", "item", "item__case", "incident"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Comment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Comment | None = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only, for support: who was told what, and whether they read it."""

    list_display = ["created_at", "recipient", "kind", "actor", "text", "read_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["recipient__username", "text"]
    list_select_related = ["recipient", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Notification | None = None) -> bool:
        return False
