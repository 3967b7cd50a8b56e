"""JSON forms of comments and notifications."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.accounts.models import User
from apps.comments.models import COMMENT_MAX_LENGTH, Comment, Notification


class CommentSerializer(serializers.ModelSerializer[Comment]):
    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Only the users who were notified (members who may see the target): never who else was named.
    mentions: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", many=True, read_only=True
    )

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

    class Meta:
        model = Notification
        fields = ["id", "kind", "actor", "comment", "text", "link", "created_at", "read_at", "unread"]
        read_only_fields = fields
