import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.enums import CaseRole, SecurityEventKind
from apps.accounts.models import CaseMembership, SecurityEvent, User
from apps.cases.enums import CaseStatus, InvitationState
from apps.cases.models import Invitation
from apps.cases.services import invitation_create
from apps.evidence.enums import ConsentStatus, IntegrityStatus, ReviewStatus
from tests.cases.conftest import People, sign_in
from tests.factories import EvidenceItemFactory, IncidentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

MANAGEMENT_POSTS = ["member_role", "member_remove", "invite", "close", "reopen"]


def _url(name: str, people: People, **kwargs: Any) -> str:
    return reverse(f"cases:{name}", kwargs={"case_id": people.case.pk, **kwargs})


def _invite(
    people: People, email: str = "bob@example.org", role: CaseRole = CaseRole.REVIEWER
) -> tuple[Invitation, str]:
    return invitation_create(case=people.case, email=email, role=role, invited_by=people.lead)


def _accept_url(token: str) -> str:
    return reverse("cases:invitation", kwargs={"token": token})


# --- access ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead", "reviewer", "investigator", "observer"])
def test_every_member_sees_the_case_overview(client: Client, people: People, who: str) -> None:
    sign_in(client, people.by_name(who))

    response = client.get(_url("detail", people))

    assert response.status_code == 200
    assert response.context["role"] == CaseRole(people.by_name(who).case_memberships.get().role)


@pytest.mark.parametrize("name", ["detail", "members"])
@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_a_non_member_gets_404_for_case_pages(client: Client, people: People, who: str, name: str) -> None:
    sign_in(client, people.by_name(who))

    assert client.get(_url(name, people)).status_code == 404


@pytest.mark.parametrize("name", MANAGEMENT_POSTS)
@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_a_non_member_gets_404_for_management_actions(client: Client, people: People, who: str, name: str) -> None:
    sign_in(client, people.by_name(who))

    assert client.post(_url(name, people), {"member": "1", "role": "lead"}).status_code == 404


@pytest.mark.parametrize("who", ["reviewer", "investigator", "observer"])
def test_a_member_who_is_not_a_lead_gets_403_with_a_message_on_the_members_page(
    client: Client, people: People, who: str
) -> None:
    sign_in(client, people.by_name(who))

    response = client.get(_url("members", people))

    assert response.status_code == 403
    assert "Only case leads can do this" in response.content.decode()


@pytest.mark.parametrize("name", MANAGEMENT_POSTS)
@pytest.mark.parametrize("who", ["reviewer", "investigator", "observer"])
def test_a_member_who_is_not_a_lead_cannot_manage(client: Client, people: People, who: str, name: str) -> None:
    sign_in(client, people.by_name(who))
    target = CaseMembership.objects.get(user=people.observer)

    response = client.post(
        _url(name, people), {"member": target.pk, "role": "lead", "email": "x@example.org", "expires_in_days": 7}
    )

    assert response.status_code == 403
    assert CaseMembership.objects.get(pk=target.pk).role == CaseRole.OBSERVER
    assert Invitation.objects.count() == 0
    people.case.refresh_from_db()
    assert people.case.status == CaseStatus.OPEN


@pytest.mark.parametrize("name", ["detail", "members"])
def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, people: People, name: str) -> None:
    response = client.get(_url(name, people))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={_url(name, people)}"


@pytest.mark.parametrize("name", MANAGEMENT_POSTS)
def test_an_anonymous_post_to_a_management_action_is_sent_to_sign_in(client: Client, people: People, name: str) -> None:
    response = client.post(_url(name, people), {"member": "1"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_revoking_needs_the_lead_role(client: Client, people: People) -> None:
    invitation, _ = _invite(people)
    url = _url("invitation_revoke", people, invitation_id=invitation.pk)

    sign_in(client, people.reviewer)
    assert client.post(url).status_code == 403
    sign_in(client, people.other_member)
    assert client.post(url).status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.PENDING


# --- overview ----------------------------------------------------------------------------


def test_the_overview_counts_only_what_an_observer_may_see(client: Client, people: People) -> None:
    IncidentFactory(case=people.case)
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)
    EvidenceItemFactory(case=people.case, integrity_status=IntegrityStatus.FAILED)
    EvidenceItemFactory(case=people.case, consent_status=ConsentStatus.REFUSED)  # hidden from observers
    EvidenceItemFactory()  # another case

    sign_in(client, people.observer)
    observer_counts = client.get(_url("detail", people)).context["counts"]
    sign_in(client, people.lead)
    lead_counts = client.get(_url("detail", people)).context["counts"]

    assert (observer_counts.incidents, observer_counts.evidence, observer_counts.integrity_failures) == (1, 2, 1)
    assert {row.status: row.count for row in observer_counts.by_review_status} == {
        ReviewStatus.SUBMITTED: 1,
        ReviewStatus.IN_REVIEW: 0,
        ReviewStatus.APPROVED: 1,
        ReviewStatus.REJECTED: 0,
        ReviewStatus.NEEDS_INFO: 0,
    }
    assert (lead_counts.evidence, lead_counts.integrity_failures) == (3, 1)


def test_the_overview_links_uploads_for_contributors_and_members_for_leads(client: Client, people: People) -> None:
    upload = reverse("intake:upload", kwargs={"case_id": people.case.pk})
    members = _url("members", people)

    sign_in(client, people.lead)
    lead_page = client.get(_url("detail", people)).content.decode()
    sign_in(client, people.observer)
    observer_page = client.get(_url("detail", people)).content.decode()

    assert (upload in lead_page, members in lead_page) == (True, True)
    assert (upload in observer_page, members in observer_page) == (False, False)


def test_a_closed_case_is_shown_as_closed_without_an_upload_link(client: Client, people: People) -> None:
    people.case.status = CaseStatus.CLOSED
    people.case.save()
    sign_in(client, people.investigator)

    response = client.get(_url("detail", people))

    page = response.content.decode()
    assert '<span class="badge-danger">Closed</span>' in page
    assert reverse("intake:upload", kwargs={"case_id": people.case.pk}) not in page


# --- members page ------------------------------------------------------------------------


def test_the_members_page_lists_members_leads_first_and_pending_invitations(client: Client, people: People) -> None:
    invitation, _ = _invite(people)
    used, _token = _invite(people, "carol@example.org")
    Invitation.objects.filter(pk=used.pk).update(revoked_at=timezone.now())
    sign_in(client, people.lead)

    response = client.get(_url("members", people))

    assert response.status_code == 200
    assert [m.user.username for m in response.context["memberships"]] == ["alice", "rita", "ivan", "olga"]
    assert response.context["invitations"] == [invitation]


@pytest.mark.parametrize("rows", [1, 3])
def test_the_members_page_query_count_does_not_grow_with_rows(
    client: Client, django_assert_num_queries: Any, rows: int
) -> None:
    lead = MembershipFactory(role=CaseRole.LEAD, user=UserFactory(username="alice"))
    for _ in range(rows - 1):
        MembershipFactory(case=lead.case, role=CaseRole.INVESTIGATOR, added_by=lead.user)
    for number in range(rows):
        invitation_create(case=lead.case, email=f"p{number}@example.org", role=CaseRole.OBSERVER, invited_by=lead.user)
    sign_in(client, lead.user)
    url = reverse("cases:members", kwargs={"case_id": lead.case.pk})

    # user, OTP device, roles, the case, members with their users, pending invitations,
    # and two from base.html's context processors (integrity banner, unread notifications)
    with django_assert_num_queries(8):
        response = client.get(url)

    assert len(response.context["memberships"]) == rows
    assert len(response.context["invitations"]) == rows


def test_a_lead_changes_a_role_from_the_members_page(client: Client, people: People) -> None:
    sign_in(client, people.lead)
    target = CaseMembership.objects.get(user=people.observer)

    response = client.post(_url("member_role", people), {"member": target.pk, "role": "reviewer"})

    assert response.status_code == 302
    assert response["Location"] == _url("members", people)
    assert CaseMembership.objects.get(pk=target.pk).role == CaseRole.REVIEWER
    assert list(SecurityEvent.objects.filter(case=people.case).values_list("kind", flat=True)) == [
        SecurityEventKind.ROLE_CHANGED
    ]


def test_the_last_lead_cannot_demote_themselves_from_the_page(client: Client, people: People) -> None:
    sign_in(client, people.lead)
    own = CaseMembership.objects.get(user=people.lead)

    response = client.post(_url("member_role", people), {"member": own.pk, "role": "observer"})

    assert response.status_code == 400
    assert response.context["error"] == "A case must keep at least one lead. Make another member a lead first."
    assert CaseMembership.objects.get(pk=own.pk).role == CaseRole.LEAD


def test_the_last_lead_cannot_remove_themselves_from_the_page(client: Client, people: People) -> None:
    sign_in(client, people.lead)
    own = CaseMembership.objects.get(user=people.lead)

    response = client.post(_url("member_remove", people), {"member": own.pk})

    assert response.status_code == 400
    assert response.context["error"] == (
        "A case must keep at least one lead. Make another member a lead before removing this one."
    )
    assert CaseMembership.objects.filter(pk=own.pk).exists() is True


def test_a_lead_removes_a_member(client: Client, people: People) -> None:
    sign_in(client, people.lead)
    target = CaseMembership.objects.get(user=people.investigator)

    response = client.post(_url("member_remove", people), {"member": target.pk})

    assert response.status_code == 302
    assert CaseMembership.objects.filter(pk=target.pk).exists() is False
    assert list(SecurityEvent.objects.filter(case=people.case).values_list("kind", "user__username")) == [
        (SecurityEventKind.MEMBER_REMOVED, "ivan")
    ]


@pytest.mark.parametrize("data", [{}, {"member": "abc"}, {"member": "999999"}, {"member": "1", "role": "king"}])
def test_bad_member_input_is_a_clear_400(client: Client, people: People, data: dict[str, str]) -> None:
    sign_in(client, people.lead)

    response = client.post(_url("member_role", people), data)

    assert response.status_code == 400
    assert response.context["error"] == "Choose a member of this case and a valid role."


def test_a_member_of_another_case_cannot_be_changed_through_this_case(client: Client, people: People) -> None:
    sign_in(client, people.lead)
    foreign = CaseMembership.objects.get(user=people.other_member)

    response = client.post(_url("member_remove", people), {"member": foreign.pk})

    assert response.status_code == 400
    assert CaseMembership.objects.filter(pk=foreign.pk).exists() is True


def test_a_lead_closes_and_reopens_the_case_from_the_members_page(client: Client, people: People) -> None:
    sign_in(client, people.lead)

    assert client.post(_url("close", people)).status_code == 302
    people.case.refresh_from_db()
    assert people.case.status == CaseStatus.CLOSED
    assert client.post(_url("close", people)).status_code == 400

    assert client.post(_url("reopen", people)).status_code == 302
    people.case.refresh_from_db()
    assert people.case.status == CaseStatus.OPEN


# --- inviting ----------------------------------------------------------------------------


def test_a_lead_invites_by_email_and_the_link_works_once(
    client: Client, people: People, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    sign_in(client, people.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("invite", people), {"email": "Bob@Example.org", "role": "investigator", "expires_in_days": "10"}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/cases/invitations/[A-Za-z0-9_-]{43}/)", mail.outbox[0].body)
    assert link is not None
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role) == ("Bob@example.org", CaseRole.INVESTIGATOR)
    assert timedelta(days=9, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=10)

    bob = UserFactory(username="bob", email="bob@example.org")
    sign_in(client, bob)
    offer = client.get(link.group(1))
    accepted = client.post(link.group(1))
    again = client.post(link.group(1))

    assert offer.status_code == 200
    assert accepted.status_code == 302
    assert accepted["Location"] == _url("detail", people)
    assert again.status_code == 410
    assert "The invitation has already been used." in again.content.decode()
    assert CaseMembership.objects.get(user=bob).role == CaseRole.INVESTIGATOR
    assert list(SecurityEvent.objects.filter(case=people.case).values_list("kind", flat=True).order_by("id")) == [
        SecurityEventKind.INVITATION_SENT,
        SecurityEventKind.MEMBER_ADDED,
        SecurityEventKind.INVITATION_ACCEPTED,
    ]


@pytest.mark.parametrize("days", ["0", "31", "x"])
def test_an_invitation_beyond_thirty_days_is_refused_with_a_form_error(
    client: Client, people: People, days: str
) -> None:
    sign_in(client, people.lead)

    response = client.post(
        _url("invite", people), {"email": "bob@example.org", "role": "reviewer", "expires_in_days": days}
    )

    assert response.status_code == 400
    assert list(response.context["invite_form"].errors) == ["expires_in_days"]
    assert Invitation.objects.count() == 0


def test_a_second_invitation_to_a_pending_address_is_refused_on_the_page(client: Client, people: People) -> None:
    _invite(people)
    sign_in(client, people.lead)

    response = client.post(
        _url("invite", people), {"email": "bob@example.org", "role": "reviewer", "expires_in_days": 7}
    )

    assert response.status_code == 400
    assert response.context["invite_form"].non_field_errors() == [
        "This address already has a pending invitation to this case. Revoke it first to send a new one."
    ]


def test_a_lead_revokes_an_invitation_and_its_link_answers_410(client: Client, people: People) -> None:
    invitation, token = _invite(people)
    sign_in(client, people.lead)

    response = client.post(_url("invitation_revoke", people, invitation_id=invitation.pk))

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.REVOKED
    page = client.get(_accept_url(token))
    assert page.status_code == 410
    assert "The invitation was revoked by a lead of the case." in page.content.decode()
    assert client.post(_url("invitation_revoke", people, invitation_id=invitation.pk)).status_code == 400


def test_an_invitation_of_another_case_cannot_be_revoked_here(client: Client, people: People) -> None:
    other_case = CaseMembership.objects.get(user=people.other_member).case
    foreign, _ = invitation_create(
        case=other_case, email="bob@example.org", role=CaseRole.OBSERVER, invited_by=people.other_member
    )
    sign_in(client, people.lead)

    assert client.post(_url("invitation_revoke", people, invitation_id=foreign.pk)).status_code == 404


# --- accepting ---------------------------------------------------------------------------


def test_the_invitation_page_shows_the_offer_to_anyone_with_the_link(client: Client, people: People) -> None:
    _invitation, token = _invite(people)

    response = client.get(_accept_url(token))

    page = response.content.decode()
    assert response.status_code == 200
    assert "UA-2022-0001 — Kharkiv shelling" in page
    assert "<dd>Reviewer</dd>" in page
    assert "<dd>alice</dd>" in page
    assert f'href="/accounts/login/?next=%2Fcases%2Finvitations%2F{token}%2F"' in page
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_an_expired_invitation_answers_410(client: Client, people: People) -> None:
    invitation, token = _invite(people)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    for response in (client.get(_accept_url(token)), client.post(_accept_url(token))):
        assert response.status_code == 410
        assert "The invitation has expired." in response.content.decode()


def test_an_unknown_token_answers_404(client: Client, people: People) -> None:
    response = client.get(_accept_url("no-such-token"))

    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_a_signed_in_user_with_another_address_is_refused(client: Client, people: People) -> None:
    invitation, token = _invite(people)
    sign_in(client, people.outsider)

    offer = client.get(_accept_url(token))
    response = client.post(_accept_url(token))

    assert "whose e-mail address is not bob@example.org" in offer.content.decode()
    assert response.status_code == 400
    assert response.context["error"] == (
        "This invitation was sent to another e-mail address than your account's. Sign in with the account that "
        "uses the invited address, or ask the case lead for a new invitation."
    )
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.PENDING
    assert CaseMembership.objects.filter(user=people.outsider).exists() is False


def test_an_anonymous_visitor_signs_up_through_the_invitation(client: Client, people: People) -> None:
    _, token = _invite(people, "Bob@Example.org", role=CaseRole.OBSERVER)

    response = client.post(
        _accept_url(token),
        {
            "username": "bob",
            "full_name": "Bohdan Kovalenko",
            "password1": "correct horse battery",
            "password2": "correct horse battery",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={_url('detail', people)}"
    bob = User.objects.get(username="bob")
    assert (bob.email, bob.get_full_name(), bob.password.split("$")[0]) == (
        "Bob@example.org",
        "Bohdan Kovalenko",
        "argon2",
    )
    assert CaseMembership.objects.get(user=bob).role == CaseRole.OBSERVER
    assert client.post(_accept_url(token), {"username": "bob2"}).status_code == 410


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"password1": "correct horse battery", "password2": "correct horse batterz"},
            "password2",
            "The two passwords differ.",
        ),
        (
            {"password1": "12345678", "password2": "12345678"},
            "password1",
            "This password is too short. It must contain at least 12 characters.",
        ),
        (
            {"password1": "bohdan-kovalenko", "password2": "bohdan-kovalenko", "username": "bohdan-kovalenko"},
            "password1",
            "The password is too similar to the username.",
        ),
        (
            {"username": "alice", "password1": "correct horse battery", "password2": "correct horse battery"},
            "username",
            "This username is taken. Choose another one.",
        ),
        (
            {"username": "no spaces", "password1": "correct horse battery", "password2": "correct horse battery"},
            "username",
            "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
        ),
    ],
)
def test_sign_up_errors_are_shown_on_the_form(
    client: Client, people: People, data: dict[str, str], field: str, message: str
) -> None:
    _, token = _invite(people)

    response = client.post(_accept_url(token), {"username": "bob", "full_name": "Bohdan Kovalenko", **data})

    assert response.status_code == 400
    assert message in response.context["signup_form"].errors[field]
    assert User.objects.filter(email__iexact="bob@example.org").exists() is False
    assert Invitation.objects.get().state == InvitationState.PENDING


def test_sign_up_with_an_address_that_has_an_account_points_to_sign_in(client: Client, people: People) -> None:
    _, token = _invite(people)
    UserFactory(username="bob", email="bob@example.org")

    response = client.post(
        _accept_url(token),
        {
            "username": "bobby",
            "full_name": "Bob",
            "password1": "correct horse battery",
            "password2": "correct horse battery",
        },
    )

    assert response.status_code == 400
    assert response.context["signup_form"].non_field_errors() == [
        "An account already uses this e-mail address. Sign in with it to accept the invitation."
    ]
