"""comment_post and the notification services: who is notified, what the e-mail says, what is refused."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.comments.enums import NotificationKind
from apps.comments.models import Comment, CommentImmutableError, Notification
from apps.comments.services import comment_post, notification_mark_read, notifications_mark_all_read
from apps.evidence.models import EvidenceItem
from apps.incidents.models import Incident
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

CaptureCallbacks = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


def test_posting_on_an_item_stores_the_comment_in_the_items_case(alice: User, item: EvidenceItem) -> None:
    comment = comment_post(author=alice, item=item, body="  The crater matches a 152 mm shell.  ")

    stored = Comment.objects.get()
    assert (stored.pk, stored.case_id, stored.item_id, stored.incident_id) == (comment.pk, item.case_id, item.pk, None)
    assert (stored.author, stored.body) == (alice, "The crater matches a 152 mm shell.")


def test_posting_on_an_incident_stores_the_comment_in_the_incidents_case(alice: User, incident: Incident) -> None:
    comment = comment_post(author=alice, incident=incident, body="Two witnesses give 06:40.")

    assert (comment.case_id, comment.item_id, comment.incident_id) == (incident.case_id, None, incident.pk)


def test_a_mention_of_a_member_notifies_them_in_the_app_and_by_one_email(
    alice: User, olena: User, item: EvidenceItem, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_post(
            author=alice, item=item, body="@olena can you check the shadows?", site_url="https://custos.example.org"
        )

    notification = Notification.objects.get()
    link = f"/evidence/{item.pk}/#comment-{comment.pk}"
    assert (notification.recipient, notification.actor, notification.comment) == (olena, alice, comment)
    assert (notification.kind, notification.text, notification.link, notification.read_at) == (
        NotificationKind.MENTION,
        "UA-2022-0001/E0007",
        link,
        None,
    )
    assert list(comment.mentions.all()) == [olena]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["olena@example.org"]
    assert message.subject == "[Custos] alice mentioned you on UA-2022-0001/E0007"
    # By default the comment itself never leaves Custos by e-mail (NOTIFICATION_EMAIL_EXCERPT).
    assert message.body == (
        f"alice mentioned you in a comment on UA-2022-0001/E0007.\n\nRead it and answer in Custos:\n"
        f"https://custos.example.org{link}\n"
    )


def test_the_email_is_in_the_default_language_whatever_the_authors_language(
    alice: User, olena: User, item: EvidenceItem, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with translation.override("uk"), django_capture_on_commit_callbacks(execute=True):
        comment_post(author=alice, item=item, body="@olena")

    assert mail.outbox[0].subject == "[Custos] alice mentioned you on UA-2022-0001/E0007"


def test_a_mention_on_an_incident_links_to_the_incident_discussion(
    alice: User, olena: User, incident: Incident, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_post(author=alice, incident=incident, body="@olena see the timeline")

    notification = Notification.objects.get()
    assert (notification.text, notification.link) == (
        "Strike on Hlinka Street",
        f"/comments/incidents/{incident.pk}/#comment-{comment.pk}",
    )
    assert mail.outbox[0].subject == "[Custos] alice mentioned you on Strike on Hlinka Street"


def test_with_excerpts_on_the_email_quotes_a_short_excerpt(
    alice: User,
    olena: User,
    item: EvidenceItem,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    settings: Any,
) -> None:
    settings.NOTIFICATION_EMAIL_EXCERPT = True
    with django_capture_on_commit_callbacks(execute=True):
        comment_post(author=alice, item=item, body="@olena " + "x" * 500)

    assert f"@olena {'x' * 192}…\n\n" in mail.outbox[0].body


def test_nobody_is_notified_for_names_that_are_not_members_unknown_or_the_author(
    alice: User,
    bob: User,
    charlie: User,
    item: EvidenceItem,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        comment = comment_post(author=alice, item=item, body="@bob @charlie @nobody-by-this-name @alice")

    assert Notification.objects.count() == 0
    assert list(comment.mentions.all()) == []
    assert (mail.outbox, callbacks) == ([], [])


def test_an_observer_mentioned_on_an_identity_restricted_item_is_not_notified(
    alice: User,
    oscar: User,
    restricted_item: EvidenceItem,
    django_capture_on_commit_callbacks: CaptureCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = comment_post(author=alice, item=restricted_item, body="@oscar look at this witness")

    assert Notification.objects.filter(recipient=oscar).count() == 0
    assert list(comment.mentions.all()) == []
    assert mail.outbox == []


def test_an_observer_mentioned_on_an_ordinary_item_is_notified(
    alice: User, oscar: User, item: EvidenceItem, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment_post(author=alice, item=item, body="@oscar FYI")

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["oscar"]
    assert [message.to for message in mail.outbox] == [["oscar@example.org"]]


def test_an_inactive_member_is_not_notified(alice: User, item: EvidenceItem) -> None:
    MembershipFactory(user__username="gone", user__is_active=False, case=item.case)

    comment_post(author=alice, item=item, body="@gone")

    assert Notification.objects.count() == 0


def test_several_mentions_give_one_notification_and_one_email_each(
    alice: User, olena: User, oscar: User, item: EvidenceItem, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment_post(author=alice, item=item, body="@olena @oscar @olena")

    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["olena", "oscar"]
    assert sorted(message.to[0] for message in mail.outbox) == ["olena@example.org", "oscar@example.org"]


def test_a_member_without_an_email_address_is_notified_in_the_app_only(
    alice: User, item: EvidenceItem, django_capture_on_commit_callbacks: CaptureCallbacks
) -> None:
    MembershipFactory(user=UserFactory(username="nomail", email=""), case=item.case)

    with django_capture_on_commit_callbacks(execute=True):
        comment_post(author=alice, item=item, body="@nomail")

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["nomail"]
    assert mail.outbox == []


def test_a_failing_mail_server_does_not_lose_the_comment(
    alice: User,
    olena: User,
    item: EvidenceItem,
    django_capture_on_commit_callbacks: CaptureCallbacks,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard: nothing listens, the connection is refused

    with django_capture_on_commit_callbacks(execute=True):
        comment_post(author=alice, item=item, body="@olena")

    assert (Comment.objects.count(), Notification.objects.count()) == (1, 1)
    assert "Mention e-mail for notification" in caplog.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write a comment first: it is empty."),
        (" \n\t ", "Write a comment first: it is empty."),
        ("a\x00b", "A comment cannot contain NUL characters."),
        ("x" * 10_001, "A comment can be at most 10000 characters long; this one has 10001."),
    ],
)
def test_bad_bodies_are_refused_with_a_message(alice: User, item: EvidenceItem, body: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        comment_post(author=alice, item=item, body=body)

    assert refused.value.message_dict == {"body": [message]}
    assert Comment.objects.count() == 0


def test_the_longest_body_is_accepted(alice: User, item: EvidenceItem) -> None:
    assert len(comment_post(author=alice, item=item, body="x" * 10_000).body) == 10_000


def test_an_observer_cannot_post(oscar: User, item: EvidenceItem) -> None:
    with pytest.raises(PermissionDenied):
        comment_post(author=oscar, item=item, body="I disagree")


def test_a_member_of_another_case_cannot_post(bob: User, item: EvidenceItem) -> None:
    with pytest.raises(PermissionDenied):
        comment_post(author=bob, item=item, body="Hello")


def test_exactly_one_target_is_required(alice: User, item: EvidenceItem, incident: Incident) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        comment_post(author=alice, item=item, incident=incident, body="both")
    with pytest.raises(ValueError, match="exactly one"):
        comment_post(author=alice, body="neither")


def test_a_stored_comment_cannot_be_changed(alice: User, item: EvidenceItem) -> None:
    comment = comment_post(author=alice, item=item, body="First")
    comment.body = "Rewritten"

    with pytest.raises(CommentImmutableError):
        comment.save()
    assert Comment.objects.get().body == "First"


def test_marking_read_keeps_the_first_reading_time(alice: User, olena: User, item: EvidenceItem) -> None:
    comment_post(author=alice, item=item, body="@olena")
    notification = Notification.objects.get()

    first = notification_mark_read(user=olena, notification=notification).read_at
    again = notification_mark_read(user=olena, notification=Notification.objects.get()).read_at

    assert first is not None
    assert (again, Notification.objects.get().read_at) == (first, first)


def test_another_users_notification_cannot_be_marked_read(alice: User, olena: User, item: EvidenceItem) -> None:
    comment_post(author=alice, item=item, body="@olena")

    with pytest.raises(PermissionDenied):
        notification_mark_read(user=alice, notification=Notification.objects.get())
    assert Notification.objects.get().read_at is None


def test_marking_all_read_touches_only_the_users_own_unread(
    alice: User, olena: User, oscar: User, item: EvidenceItem
) -> None:
    comment_post(author=alice, item=item, body="@olena @oscar")
    comment_post(author=alice, item=item, body="@olena again")

    assert notifications_mark_all_read(user=olena) == 2
    assert notifications_mark_all_read(user=olena) == 0
    unread = Notification.objects.filter(read_at__isnull=True)
    assert list(unread.values_list("recipient__username", flat=True)) == ["oscar"]


def test_a_lead_of_the_case_may_be_mentioned(alice: User, item: EvidenceItem) -> None:
    lead = MembershipFactory(user__username="lena", case=item.case, role=CaseRole.LEAD).user

    comment_post(author=alice, item=item, body="@lena please decide")

    assert list(Notification.objects.values_list("recipient", flat=True)) == [lead.pk]
