"""Comment threads on evidence items and incidents, and the in-app notifications they cause.

Comments are part of the record of an investigation: who said what about a
piece of evidence, and when, can matter later (why an item was doubted, who
was asked to check it). So the application never edits or deletes a
comment: there is no edit or delete view or endpoint, the admin is
read-only, and ``Comment.save()`` refuses to overwrite a stored comment.
A correction is a new comment.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.comments.enums import NotificationKind

# The longest comment accepted (characters); forms, the API and the service share it.
COMMENT_MAX_LENGTH = 10_000


class CommentImmutableError(Exception):
    """A stored comment is part of the record and is never changed; post a new comment instead."""

    def __init__(self) -> None:
        super().__init__("Comments are never overwritten; post a new comment instead.")


class Comment(models.Model):
    """One comment in the thread of an evidence item or of an incident (exactly one of the two).

    ``case`` repeats the target's case so that need-to-know filters on
    comments (and on the notifications that point at them) need no join
    through two possible targets. Written only by ``comment_post``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="comments", verbose_name=_("case"))
    item = models.ForeignKey(
        "evidence.EvidenceItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("evidence item"),
    )
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("incident"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments", verbose_name=_("author")
    )
    body = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH)
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)
    # Only the users who were notified: members of the case who may see the
    # target. Unknown usernames and people without access are not stored, so
    # the list reveals nothing about who exists or who is kept out.
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="comment_mentions", verbose_name=_("mentioned users")
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["item", "created_at"], name="comment_item_thread_idx"),
            models.Index(fields=["incident", "created_at"], name="comment_incident_thread_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=False, incident__isnull=True) | Q(item__isnull=True, incident__isnull=False),
                name="comments_comment_one_target",
                violation_error_message=_("A comment belongs to exactly one evidence item or one incident."),
            ),
            models.CheckConstraint(
                condition=~Q(body=""),
                name="comments_comment_body_not_empty",
                violation_error_message=_("A comment cannot be empty."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_id} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise CommentImmutableError
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def anchor(self) -> str:
        """The id of the comment's element in a thread, for links that scroll to it."""
        return f"comment-{self.pk}"


class Notification(models.Model):
    """Something a user is told about in the app (and, for mentions, by e-mail).

    The id is a random UUID because it appears in URLs; lookups also filter
    by recipient, so another user's notification answers 404. ``text`` is
    what the notification is about (an item's reference, an incident's
    title), shown inside the translated sentence of its kind, so that the
    list reads in the viewer's language whatever language was active when
    it was created.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    comment = models.ForeignKey(
        Comment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("comment"),
    )
    text = models.CharField(_("about"), max_length=300)
    link = models.CharField(_("link"), max_length=500, help_text=_("A path within Custos, e.g. /evidence/<id>/#..."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list, newest first.
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            # "My unread notifications": the header count on every page.
            models.Index(
                fields=["recipient", "-created_at"], name="notification_unread_idx", condition=Q(read_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
