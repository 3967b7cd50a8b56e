"""JSON forms of comments and notifications."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.accounts.models import User
from apps.comments.models import COMMENT_MAX_LENGTH, Comment, Notification
from apps.common.api import SparseFieldsMixin


class UTCDateTimeField(serializers.DateTimeField):
    """Times in UTC ("2022-03-06T12:00:00Z"), whatever the display time zone, as in the custody API."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(default_timezone=UTC, **kwargs)


class CommentSerializer(SparseFieldsMixin, serializers.ModelSerializer[Comment]):
    """A comment in the thread of an item or an incident."""

    author: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text=_("Username of who wrote it.")
    )
    # Only the users who were notified (members who may see the target): never who else was named.
    mentions: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        many=True,
        read_only=True,
        help_text=_("Usernames of the members the comment @mentioned and notified."),
    )
    created_at = UTCDateTimeField(read_only=True, help_text=_("When it was posted (UTC)."))

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "created_at", "mentions"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("The comment's id.")},
            "body": {"help_text": _("The text, as written (@username mentions a member).")},
        }


class CommentInputSerializer(serializers.Serializer[Any]):
    """A new comment. The service checks again; this gives field errors in DRF's usual shape."""

    body = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH,
        trim_whitespace=True,
        help_text=_("The text; @username notifies a member of the case who may see the target."),
    )


class NotificationSerializer(SparseFieldsMixin, serializers.ModelSerializer[Notification]):
    """Something you were told about, such as a mention in a comment."""

    actor: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text=_("Username of who caused it; null when nobody did or the account is gone."),
    )
    comment: serializers.PrimaryKeyRelatedField[Comment] = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text=_("The comment it is about, if any.")
    )
    unread = serializers.BooleanField(source="is_unread", read_only=True, help_text=_("True until marked read."))
    created_at = UTCDateTimeField(read_only=True, help_text=_("When it was created (UTC)."))
    read_at = UTCDateTimeField(
        read_only=True, allow_null=True, help_text=_("When it was marked read (UTC); null while unread.")
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "actor", "comment", "text", "link", "created_at", "read_at", "unread"]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": _("The notification's id.")},
            "kind": {"help_text": _("What kind of notification it is.")},
            "text": {"help_text": _("What it is about: an item's reference or an incident's title.")},
        }
