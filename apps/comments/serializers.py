"""JSON forms of comments and notifications."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from rest_framework import serializers

from apps.accounts.models import User
from apps.comments.models import COMMENT_MAX_LENGTH, Comment, Notification


class UTCDateTimeField(serializers.DateTimeField):
    """Times in UTC ("2022-03-06T12:00:00Z"), whatever the display time zone, as in the custody API."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)


class CommentSerializer(serializers.ModelSerializer[Comment]):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Only the users who were notified (members who may see the target): never who else was named.
    mentions: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )
    created_at = UTCDateTimeField(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "created_at", "mentions"]
        read_only_fields = fields


class CommentInputSerializer(serializers.Serializer[Any]):
    """What a client posts. The service checks again; this gives field errors in DRF's usual shape."""

    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH, trim_whitespace=True)


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    comment: serializers.PrimaryKeyRelatedField[Comment] = serializers.PrimaryKeyRelatedField(read_only=True)
    unread = serializers.BooleanField(source="is_unread", read_only=True)
    created_at = UTCDateTimeField(read_only=True)
    read_at = UTCDateTimeField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "actor", "comment", "text", "link", "created_at", "read_at", "unread"]
        read_only_fields = fields
