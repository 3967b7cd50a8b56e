"""Comment pages, the thread tag, and the notification pages: what they show, to whom, and how many queries."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from apps.comments.models import Comment, Notification
from apps.comments.services import comment_post
from apps.evidence.models import EvidenceItem
from apps.incidents.models import Incident
from tests.comments.conftest import sign_in

pytestmark = pytest.mark.django_db


def item_post_url(item: EvidenceItem) -> str:
    return reverse("comments:item_comments", kwargs={"item_id": item.pk})


def incident_url(incident: Incident) -> str:
    return reverse("comments:incident_comments", kwargs={"incident_id": incident.pk})


def render_thread(user: User, target: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load comment_tags %}{% comment_thread target %}")
    return template.render(Context({"request": request, "user": user, "target": target}))


# --- Posting ------------------------------------------------------------------------------------


def test_posting_on_an_item_redirects_to_the_item_page_at_the_comment(
    client: Client, alice: User, item: EvidenceItem
) -> None:
    sign_in(client, alice)

    response = client.post(item_post_url(item), {"body": "Shadows suggest late afternoon."})

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/evidence/{item.pk}/#comment-{comment.pk}"
    assert (comment.item, comment.author, comment.body) == (item, alice, "Shadows suggest late afternoon.")


def test_posting_on_an_incident_redirects_to_its_discussion_at_the_comment(
    client: Client, alice: User, incident: Incident
) -> None:
    sign_in(client, alice)

    response = client.post(incident_url(incident), {"body": "Two witnesses give 06:40."})

    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/comments/incidents/{incident.pk}/#comment-{comment.pk}"


def test_a_mention_posted_through_the_page_emails_an_absolute_link(
    client: Client, alice: User, olena: User, item: EvidenceItem, django_capture_on_commit_callbacks: Any
) -> None:
    sign_in(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(item_post_url(item), {"body": "@olena please look"})

    comment = Comment.objects.get()
    assert f"http://testserver/evidence/{item.pk}/#comment-{comment.pk}\n" in mail.outbox[0].body


def test_an_empty_comment_on_an_item_is_shown_again_with_the_error(
    client: Client, alice: User, item: EvidenceItem
) -> None:
    sign_in(client, alice)

    response = client.post(item_post_url(item), {"body": "   "})

    assert response.status_code == 400
    assert Comment.objects.count() == 0
    assert "Write a comment first: it is empty." in response.content.decode()


def test_a_too_long_comment_on_an_incident_keeps_the_text_and_says_why(
    client: Client, alice: User, incident: Incident
) -> None:
    sign_in(client, alice)

    response = client.post(incident_url(incident), {"body": "y" * 10_001})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value has at most 10000 characters (it has 10001)." in page
    assert "y" * 10_001 in page


def test_a_nul_character_is_refused_with_a_message(client: Client, alice: User, incident: Incident) -> None:
    sign_in(client, alice)

    response = client.post(incident_url(incident), {"body": "a\x00b"})

    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()


def test_observers_cannot_post_on_an_item_or_an_incident(
    client: Client, oscar: User, item: EvidenceItem, incident: Incident
) -> None:
    sign_in(client, oscar)

    assert client.post(item_post_url(item), {"body": "no"}).status_code == 403
    assert client.post(incident_url(incident), {"body": "no"}).status_code == 403
    assert Comment.objects.count() == 0


def test_an_observer_posting_on_an_identity_restricted_item_gets_404(
    client: Client, oscar: User, restricted_item: EvidenceItem
) -> None:
    sign_in(client, oscar)

    assert client.post(item_post_url(restricted_item), {"body": "no"}).status_code == 404


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_other_case_members_and_outsiders_get_404_on_every_page(
    client: Client, request: pytest.FixtureRequest, who: str, item: EvidenceItem, incident: Incident, olena: User
) -> None:
    comment_post(author=olena, item=item, body="a comment they must not see")
    sign_in(client, request.getfixturevalue(who))

    assert client.post(item_post_url(item), {"body": "hi"}).status_code == 404
    assert client.get(incident_url(incident)).status_code == 404
    assert client.post(incident_url(incident), {"body": "hi"}).status_code == 404
    assert Comment.objects.count() == 1


def test_anonymous_users_are_sent_to_sign_in(client: Client, item: EvidenceItem, incident: Incident) -> None:
    login = reverse("login")
    pages = [
        ("post", item_post_url(item)),
        ("get", incident_url(incident)),
        ("post", incident_url(incident)),
        ("get", reverse("comments:notifications")),
        ("post", reverse("comments:notifications_read_all")),
    ]
    for method, url in pages:
        response = getattr(client, method)(url, {"body": "hi"} if method == "post" else {})
        assert (response.status_code, response["Location"]) == (302, f"{login}?next={url}")


# --- The incident discussion page and the thread tag ------------------------------------------------


def test_the_incident_discussion_shows_the_incident_the_thread_and_the_form(
    client: Client, alice: User, olena: User, incident: Incident
) -> None:
    comment_post(author=olena, incident=incident, body="Witness says 06:40 @alice")
    sign_in(client, alice)

    response = client.get(incident_url(incident))

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Incident: Strike on Hlinka Street</h1>" in page
    assert "UA-2022-0001 — Shelling of a residential block" in page
    assert 'Witness says 06:40 <span class="mention">@alice</span>' in page
    assert f'action="/comments/incidents/{incident.pk}/"' in page
    assert "To notify someone, write @ and their username" in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_an_observer_reads_the_discussion_without_a_form(client: Client, oscar: User, incident: Incident) -> None:
    sign_in(client, oscar)

    page = client.get(incident_url(incident)).content.decode()

    assert "Observers can read the discussion but not take part in it." in page
    assert "<textarea" not in page


def test_the_item_page_shows_the_thread_and_the_form(client: Client, alice: User, item: EvidenceItem) -> None:
    comment = comment_post(author=alice, item=item, body="On the item page")
    sign_in(client, alice)

    page = client.get(reverse("evidence:item_detail", kwargs={"item_id": item.pk})).content.decode()

    assert f'<li class="comment" id="comment-{comment.pk}">' in page
    assert f'action="/comments/items/{item.pk}/"' in page


def test_html_in_a_comment_is_escaped(alice: User, item: EvidenceItem) -> None:
    comment_post(author=alice, item=item, body='<img src=x onerror="alert(1)"> @olena')

    html = render_thread(alice, item)

    assert '&lt;img src=x onerror=&quot;alert(1)&quot;&gt; <span class="mention">@olena</span>' in html
    assert "<img" not in html


def test_the_thread_lists_comments_oldest_first_with_anchors(alice: User, olena: User, item: EvidenceItem) -> None:
    first = comment_post(author=alice, item=item, body="first")
    second = comment_post(author=olena, item=item, body="second")

    html = render_thread(alice, item)

    anchors = re.findall(r'<li class="comment" id="([^"]+)"', html)
    assert anchors == [f"comment-{first.pk}", f"comment-{second.pk}"]
    assert f'action="/comments/items/{item.pk}/"' in html


def test_the_thread_is_not_rendered_for_a_user_who_may_not_see_the_item(
    oscar: User, alice: User, restricted_item: EvidenceItem
) -> None:
    comment_post(author=alice, item=restricted_item, body="the witness is named here")

    assert render_thread(oscar, restricted_item).strip() == ""


@pytest.mark.parametrize("rows", [1, 3])
def test_the_thread_takes_the_same_queries_for_1_and_3_comments(
    alice: User, olena: User, item: EvidenceItem, rows: int, django_assert_num_queries: Any
) -> None:
    for number in range(rows):
        comment_post(author=olena if number % 2 else alice, item=item, body=f"comment {number} @alice")
    alice = User.objects.get(pk=alice.pk)  # a fresh user object: its roles are not cached yet
    item = EvidenceItem.objects.select_related("case").get(pk=item.pk)

    # roles of the user, the thread with its authors
    with django_assert_num_queries(2):
        html = render_thread(alice, item)

    assert html.count('<li class="comment"') == rows


# --- Notifications ---------------------------------------------------------------------------------


def test_the_notification_list_shows_newest_first_and_highlights_unread(
    client: Client, alice: User, olena: User, item: EvidenceItem, incident: Incident
) -> None:
    comment_post(author=alice, item=item, body="@olena older")
    comment_post(author=alice, incident=incident, body="@olena newer")
    Notification.objects.filter(comment__item=item).update(read_at="2022-03-07T10:00:00Z")
    sign_in(client, olena)

    response = client.get(reverse("comments:notifications"))

    page = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<li class="notification( unread)?">', page) == [" unread", ""]
    assert page.index("alice mentioned you on Strike on Hlinka Street") < page.index(
        "alice mentioned you on UA-2022-0001/E0007"
    )


def test_a_notification_about_an_item_the_user_no_longer_sees_is_hidden(
    client: Client, alice: User, oscar: User, item: EvidenceItem
) -> None:
    comment_post(author=alice, item=item, body="@oscar the witness is Ivan P.")
    EvidenceItem.objects.filter(pk=item.pk).update(reveals_witness_identity=True)
    sign_in(client, oscar)

    page = client.get(reverse("comments:notifications")).content.decode()

    assert "Ivan P." not in page
    assert "You have no notifications." in page


def test_the_notification_list_takes_the_same_queries_for_1_and_3_rows(
    client: Client, alice: User, olena: User, item: EvidenceItem, django_assert_num_queries: Any
) -> None:
    comment_post(author=alice, item=item, body="@olena 0")
    sign_in(client, olena)
    # Both views with an empty cache: the header's cached answers (common.cached_flags) come from the database.
    cache.clear()
    with CaptureQueriesContext(connection) as one_row:
        client.get(reverse("comments:notifications"))
    comment_post(author=alice, item=item, body="@olena 1")
    comment_post(author=alice, item=item, body="@olena 2")
    cache.clear()

    with django_assert_num_queries(len(one_row)) as three_rows:
        response = client.get(reverse("comments:notifications"))

    assert response.content.decode().count('<li class="notification unread">') == 3
    # Ours: the paginator's count, the page of notifications with actors and comments, and the
    # header's unread count (base.html): whether there are any, then how many the user may still read.
    ours = [sum('"comments_notification"' in query["sql"] for query in run) for run in (one_row, three_rows)]
    assert ours == [4, 4]


def test_marking_a_notification_read_and_opening_it(
    client: Client, alice: User, olena: User, item: EvidenceItem
) -> None:
    comment = comment_post(author=alice, item=item, body="@olena")
    notification = Notification.objects.get()
    sign_in(client, olena)
    url = reverse("comments:notification_read", kwargs={"notification_id": notification.pk})

    response = client.post(url, {"open": "1"})

    assert (response.status_code, response["Location"]) == (302, f"/evidence/{item.pk}/#comment-{comment.pk}")
    assert Notification.objects.get().read_at is not None


def test_marking_a_notification_read_goes_back_to_the_list(
    client: Client, alice: User, olena: User, item: EvidenceItem
) -> None:
    comment_post(author=alice, item=item, body="@olena")
    sign_in(client, olena)
    url = reverse("comments:notification_read", kwargs={"notification_id": Notification.objects.get().pk})

    response = client.post(url)

    assert (response.status_code, response["Location"]) == (302, "/notifications/")


def test_another_users_notification_answers_404_and_stays_unread(
    client: Client, alice: User, olena: User, item: EvidenceItem
) -> None:
    comment_post(author=alice, item=item, body="@olena")
    notification = Notification.objects.get()
    sign_in(client, alice)

    response = client.post(reverse("comments:notification_read", kwargs={"notification_id": notification.pk}))

    assert response.status_code == 404
    assert Notification.objects.get().read_at is None


def test_marking_all_read(client: Client, alice: User, olena: User, oscar: User, item: EvidenceItem) -> None:
    comment_post(author=alice, item=item, body="@olena @oscar")
    comment_post(author=alice, item=item, body="@olena")
    sign_in(client, olena)

    response = client.post(reverse("comments:notifications_read_all"))

    assert (response.status_code, response["Location"]) == (302, "/notifications/")
    unread = Notification.objects.filter(read_at__isnull=True)
    assert list(unread.values_list("recipient__username", flat=True)) == ["oscar"]


def _unread_badge(user: User) -> str:
    """The header's unread count as the tag writes it for ``user``."""
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load comment_tags %}{% unread_notification_total as unread %}[{{ unread }}]")
    return template.render(Context({"request": request}))


def test_the_unread_count_tag_takes_one_query_when_there_is_nothing_unread(
    alice: User, olena: User, item: EvidenceItem, django_assert_num_queries: Any
) -> None:
    Notification.objects.create(recipient=alice, kind="mention", actor=olena, text="x", link="/")

    with django_assert_num_queries(1):
        assert _unread_badge(olena) == "[0]"


def test_the_unread_count_tag_takes_no_query_when_nothing_was_unread_a_moment_ago(
    olena: User, django_assert_num_queries: Any
) -> None:
    _unread_badge(olena)

    with django_assert_num_queries(0):  # the cached answer (common.cached_flags)
        assert _unread_badge(olena) == "[0]"


def test_a_mention_after_a_page_shows_in_the_badge_on_the_next(alice: User, olena: User, item: EvidenceItem) -> None:
    assert _unread_badge(olena) == "[0]"  # "nothing unread" is now cached

    comment_post(author=alice, item=item, body="@olena")  # bulk_create: no signal, the service forgets it

    assert _unread_badge(olena) == "[1]"


def test_a_notification_saved_elsewhere_shows_in_the_badge_on_the_next_page(alice: User, olena: User) -> None:
    assert _unread_badge(alice) == "[0]"

    Notification.objects.create(recipient=alice, kind="mention", actor=olena, text="x", link="/")

    assert _unread_badge(alice) == "[1]"


def test_the_unread_count_tag_takes_three_queries_when_something_is_unread(
    alice: User, olena: User, item: EvidenceItem, django_assert_num_queries: Any
) -> None:
    comment_post(author=alice, item=item, body="@olena")
    comment_post(author=alice, item=item, body="@olena again")
    Notification.objects.create(recipient=alice, kind="mention", actor=olena, text="x", link="/")

    # whether anything is unread; the user's roles (once per request, shared with every need-to-know check);
    # the count of what the user may still read
    with django_assert_num_queries(3):
        assert _unread_badge(olena) == "[2]"
