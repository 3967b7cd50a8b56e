"""Writes of comment threads and notifications."""

from __future__ import annotations

import logging
import smtplib
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from apps.accounts.models import CaseMembership, User
from apps.comments.enums import NotificationKind
from apps.comments.mentions import mentioned_usernames
from apps.comments.models import COMMENT_MAX_LENGTH, Comment, Notification
from apps.comments.permissions import can_be_notified, can_comment
from apps.comments.selectors import forget_unread_notifications
from apps.evidence.models import EvidenceItem

if TYPE_CHECKING:
    from django.http import HttpRequest

    from apps.comments.permissions import CommentTarget
    from apps.incidents.models import Incident

logger = logging.getLogger(__name__)

# How much of a comment a notification e-mail quotes.
EMAIL_EXCERPT_LENGTH = 200


def site_url(request: HttpRequest) -> str:
    """The site's address as the request reached it, for links in e-mails (Django checks the host against
    ALLOWED_HOSTS, so a forged Host header cannot put another site's address into an e-mail)."""
    return request.build_absolute_uri("/").rstrip("/")


def comment_target_label(target: CommentTarget) -> str:
    """How a target is named in notifications: an item's reference, an incident's title."""
    if isinstance(target, EvidenceItem):
        return target.reference
    return target.title


def comment_link(comment: Comment) -> str:
    """The path of the page that shows the comment, anchored at it."""
    if comment.item_id is not None:
        page = reverse("evidence:item_detail", kwargs={"item_id": comment.item_id})
    else:
        page = reverse("comments:incident_comments", kwargs={"incident_id": comment.incident_id})
    return f"{page}#{comment.anchor}"


def comment_body_validate(body: str) -> str:
    """The body as it will be stored (surrounding white space removed), or a ValidationError for the "body" field."""
    if "\x00" in body:
        raise ValidationError({"body": _("A comment cannot contain NUL characters.")}, code="null_characters")
    cleaned = body.strip()
    if not cleaned:
        raise ValidationError({"body": _("Write a comment first: it is empty.")}, code="empty")
    if len(cleaned) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("A comment can be at most %(limit)d characters long; this one has %(length)d.")
                % {"limit": COMMENT_MAX_LENGTH, "length": len(cleaned)}
            },
            code="max_length",
        )
    return cleaned


def _mentioned_readers(*, author: User, target: CommentTarget, body: str) -> list[User]:
    """The users to notify: mentioned, active, members of the case, allowed to see the target, not the author.

    Anyone else mentioned (an unknown name, a non-member, an observer on an
    identity-restricted item) is dropped without a trace, so that a comment
    reveals neither which usernames exist nor who is kept out of what.
    """
    names = mentioned_usernames(body)
    if not names:
        return []
    member_ids = CaseMembership.objects.filter(case_id=target.case.pk).values("user_id")
    candidates = User.objects.filter(username__in=names, is_active=True, pk__in=member_ids).exclude(pk=author.pk)
    by_name = {user.username: user for user in candidates}
    return [by_name[name] for name in names if name in by_name and can_be_notified(by_name[name], target)]


def comment_post(
    *,
    author: User,
    body: str,
    item: EvidenceItem | None = None,
    incident: Incident | None = None,
    site_url: str = "",
) -> Comment:
    """Post a comment on an evidence item or an incident (give exactly one) and notify the users it mentions.

    ``site_url`` (e.g. "https://custos.example.org") makes the links in the
    e-mails absolute; without it they are paths.

    Side effects: inserts the Comment, its mentions and one Notification
    per notified user; after commit, sends each notified user who has an
    e-mail address one e-mail (send_mail). A failed e-mail is logged and
    does not undo the comment: the in-app notification is there.

    No row is locked: a comment only appends, reads nothing it could race
    with, and its order is its creation time.

    Raises ValidationError (on "body") for an empty, too long or NUL-bearing
    body, and PermissionDenied when the author may not comment on the
    target (observers, non-members): callers check first, this is the
    last line.
    """
    if (item is None) == (incident is None):
        raise ValueError("give exactly one of item or incident")
    target: CommentTarget = item if item is not None else incident  # type: ignore[assignment]
    if not can_comment(author, target):
        raise PermissionDenied
    cleaned = comment_body_validate(body)
    readers = _mentioned_readers(author=author, target=target, body=cleaned)
    with transaction.atomic():
        comment = Comment.objects.create(case=target.case, item=item, incident=incident, author=author, body=cleaned)
        if readers:
            comment.mentions.set(readers)
            link = comment_link(comment)
            label = Truncator(comment_target_label(target)).chars(300)
            notifications = Notification.objects.bulk_create(
                Notification(
                    recipient=reader,
                    kind=NotificationKind.MENTION,
                    actor=author,
                    comment=comment,
                    text=label,
                    link=link,
                )
                for reader in readers
            )
            forget_unread_notifications(user_ids=[reader.pk for reader in readers])  # bulk_create sends no signal
            transaction.on_commit(
                lambda: _mention_emails_send(notifications=notifications, comment=comment, site_url=site_url)
            )
    return comment


def _mention_emails_send(*, notifications: list[Notification], comment: Comment, site_url: str) -> None:
    """One e-mail per notified user with an address, in the site's default language.

    Users have no language preference of their own yet, so e-mails use
    LANGUAGE_CODE; the override matters because this runs in the author's
    request, whose language is not the recipient's.
    """
    excerpt = Truncator(comment.body).chars(EMAIL_EXCERPT_LENGTH)
    for notification in notifications:
        recipient = notification.recipient
        if not recipient.email:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            values = {
                "actor": comment.author.get_username(),
                "target": notification.text,
                "excerpt": excerpt,
                "link": f"{site_url.rstrip('/')}{notification.link}",
            }
            subject = _("[Custos] %(actor)s mentioned you on %(target)s") % values
            if settings.NOTIFICATION_EMAIL_EXCERPT:
                message = (
                    _(
                        "%(actor)s mentioned you in a comment on %(target)s:\n\n"
                        "%(excerpt)s\n\n"
                        "Read the whole thread and answer in Custos:\n%(link)s\n"
                    )
                    % values
                )
            else:
                # The comment itself stays in Custos: e-mail leaves the organisation's control.
                message = (
                    _(
                        "%(actor)s mentioned you in a comment on %(target)s.\n\n"
                        "Read it and answer in Custos:\n%(link)s\n"
                    )
                    % values
                )
        try:
            send_mail(subject=subject, message=message, from_email=None, recipient_list=[recipient.email])
        except (smtplib.SMTPException, OSError):
            logger.exception("Mention e-mail for notification %s could not be sent", notification.pk)


def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's notifications read (again is harmless: the first reading time is kept).

    Side effects: sets read_at. Raises PermissionDenied for another user's
    notification (callers look it up by recipient and answer 404 first).
    """
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        now = timezone.now()
        # A conditional UPDATE, so that two tabs marking it at once keep the first time.
        updated = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        forget_unread_notifications(user_ids=[user.pk])  # update() sends no signal
        if updated:
            notification.read_at = now
        else:
            notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark all of the user's unread notifications read; returns how many. Side effects: sets read_at."""
    marked = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    forget_unread_notifications(user_ids=[user.pk])  # update() sends no signal
    return marked
