import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.accounts.enums import CaseRole, SecurityEventKind
from apps.accounts.models import CaseMembership, SecurityEvent, User
from apps.cases.enums import CaseStatus, InvitationState
from apps.cases.models import Invitation
from apps.cases.services import (
    InvitationUnavailableError,
    case_close,
    case_reopen,
    invitation_accept,
    invitation_accept_with_signup,
    invitation_create,
    invitation_revoke,
    member_remove,
    member_role_change,
)
from tests.cases.conftest import People
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _membership(people: People, user: User) -> CaseMembership:
    return CaseMembership.objects.get(case=people.case, user=user)


def _events() -> list[tuple[str, str, str | None]]:
    return [
        (event.kind, event.username, event.actor.username if event.actor else None)
        for event in SecurityEvent.objects.order_by("id")
    ]


def _invite(people: People, email: str = "new.person@example.org", **kwargs: Any) -> tuple[Invitation, str]:
    return invitation_create(
        case=people.case, email=email, role=kwargs.pop("role", CaseRole.REVIEWER), invited_by=people.lead, **kwargs
    )


# --- invitations -------------------------------------------------------------------------


def test_an_invitation_stores_only_the_sha256_of_its_token(people: People) -> None:
    invitation, token = _invite(people)

    invitation.refresh_from_db()
    assert len(token) == 43  # 32 random bytes, URL-safe base64
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {
        str(value)
        for value in Invitation.objects.values_list(*[f.attname for f in Invitation._meta.concrete_fields]).get()
    }


def test_an_invitation_expires_after_seven_days_by_default_and_up_to_thirty(people: People) -> None:
    before = timezone.now()
    default, _ = _invite(people, "a@example.org")
    longest, _ = _invite(people, "b@example.org", expires_in_days=30)

    assert before + timedelta(days=7) <= default.expires_at <= timezone.now() + timedelta(days=7)
    assert before + timedelta(days=30) <= longest.expires_at <= timezone.now() + timedelta(days=30)


@pytest.mark.parametrize("days", [0, 31, -1])
def test_an_invitation_longer_than_thirty_days_is_refused(people: People, days: int) -> None:
    with pytest.raises(ValidationError) as error:
        _invite(people, expires_in_days=days)

    assert error.value.messages == ["An invitation is valid for 1 to 30 days."]
    assert Invitation.objects.count() == 0


def test_the_invitation_email_is_sent_after_commit_with_the_absolute_link(
    people: People, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _invitation, token = _invite(people)
        assert mail.outbox == []  # nothing leaves before the commit

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.person@example.org"]
    assert message.subject == "Invitation to the case UA-2022-0001 in Custos"
    assert f"http://localhost:8000/cases/invitations/{token}/" in message.body
    assert "alice invites you to join the case UA-2022-0001 (Kharkiv shelling) in Custos." in message.body
    assert "Role offered: Reviewer" in message.body


def test_inviting_writes_an_invitation_sent_security_event(people: People) -> None:
    invitation, _ = _invite(people)

    event = SecurityEvent.objects.get()
    assert (event.kind, event.actor, event.case, event.username) == (
        SecurityEventKind.INVITATION_SENT,
        people.lead,
        people.case,
        "new.person@example.org",
    )
    assert event.details == {
        "invitation": str(invitation.pk),
        "email": "new.person@example.org",
        "role": "reviewer",
        "days": 7,
    }


def test_a_second_pending_invitation_for_the_same_address_is_refused(people: People) -> None:
    _invite(people, "Someone@Example.org")

    with pytest.raises(ValidationError) as error:
        _invite(people, "someone@example.ORG")

    assert error.value.code == "pending"
    assert Invitation.objects.count() == 1


def test_inviting_the_address_of_a_member_is_refused(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        _invite(people, "RITA@example.org")

    assert error.value.code == "member"


def test_a_user_with_the_invited_address_accepts_case_insensitively(people: People) -> None:
    invitation, token = _invite(people, "Bob@Example.org")
    bob = UserFactory(username="bob", email="bob@example.ORG")

    membership = invitation_accept(token=token, user=bob)

    invitation.refresh_from_db()
    assert (membership.case, membership.user, membership.role, membership.added_by) == (
        people.case,
        bob,
        CaseRole.REVIEWER,
        people.lead,
    )
    assert (invitation.state, invitation.accepted_by) == (InvitationState.ACCEPTED, bob)
    assert _events() == [
        (SecurityEventKind.INVITATION_SENT, "Bob@example.org", "alice"),
        (SecurityEventKind.MEMBER_ADDED, "bob", "alice"),
        (SecurityEventKind.INVITATION_ACCEPTED, "bob", "bob"),
    ]


def test_an_invitation_works_once_only(people: People) -> None:
    _, token = _invite(people, "bob@example.org")
    bob = UserFactory(username="bob", email="bob@example.org")
    invitation_accept(token=token, user=bob)
    CaseMembership.objects.filter(user=bob).delete()

    with pytest.raises(InvitationUnavailableError) as error:
        invitation_accept(token=token, user=bob)

    assert error.value.state == InvitationState.ACCEPTED
    assert CaseMembership.objects.filter(user=bob).count() == 0


def test_an_account_with_another_address_cannot_accept(people: People) -> None:
    invitation, token = _invite(people, "bob@example.org")

    with pytest.raises(ValidationError) as error:
        invitation_accept(token=token, user=people.outsider)

    invitation.refresh_from_db()
    assert error.value.code == "email_mismatch"
    assert invitation.state == InvitationState.PENDING
    assert CaseMembership.objects.filter(user=people.outsider).count() == 0


def test_an_expired_invitation_cannot_be_accepted(people: People) -> None:
    invitation, token = _invite(people, "bob@example.org")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(InvitationUnavailableError) as error:
        invitation_accept(token=token, user=UserFactory(username="bob", email="bob@example.org"))

    assert error.value.state == InvitationState.EXPIRED


def test_a_revoked_invitation_cannot_be_accepted(people: People) -> None:
    invitation, token = _invite(people, "bob@example.org")

    invitation_revoke(invitation=invitation, revoked_by=people.lead)

    with pytest.raises(InvitationUnavailableError) as error:
        invitation_accept(token=token, user=UserFactory(username="bob", email="bob@example.org"))
    assert error.value.state == InvitationState.REVOKED
    assert _events()[-1] == (SecurityEventKind.INVITATION_REVOKED, "bob@example.org", "alice")


def test_a_used_invitation_cannot_be_revoked(people: People) -> None:
    invitation, token = _invite(people, "bob@example.org")
    invitation_accept(token=token, user=UserFactory(username="bob", email="bob@example.org"))

    with pytest.raises(InvitationUnavailableError):
        invitation_revoke(invitation=invitation, revoked_by=people.lead)

    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_an_unknown_token_is_not_found(people: People) -> None:
    with pytest.raises(Invitation.DoesNotExist):
        invitation_accept(token="not-a-token", user=people.outsider)


def test_signing_up_through_an_invitation_creates_the_user_with_argon2_and_the_membership(people: People) -> None:
    _, token = _invite(people, "Bob@Example.org", role=CaseRole.INVESTIGATOR)

    user = invitation_accept_with_signup(
        token=token, username="bob", full_name="Bohdan Kovalenko", password="correct horse battery"
    )

    user.refresh_from_db()
    assert (user.username, user.email, user.get_full_name()) == ("bob", "Bob@example.org", "Bohdan Kovalenko")
    assert user.password.startswith("argon2$")
    assert user.check_password("correct horse battery") is True
    assert list(CaseMembership.objects.filter(user=user).values_list("case__reference", "role")) == [
        ("UA-2022-0001", CaseRole.INVESTIGATOR)
    ]


def test_signing_up_refuses_a_weak_password_and_creates_nothing(people: People) -> None:
    _, token = _invite(people, "bob@example.org")

    with pytest.raises(ValidationError) as error:
        invitation_accept_with_signup(token=token, username="bob", full_name="Bob", password="12345678")

    assert "This password is too short. It must contain at least 12 characters." in error.value.messages
    assert User.objects.filter(username="bob").exists() is False
    assert Invitation.objects.get().state == InvitationState.PENDING


def test_signing_up_with_an_address_that_has_an_account_is_refused(people: People) -> None:
    _, token = _invite(people, "bob@example.org")
    UserFactory(username="bob", email="BOB@example.org")

    with pytest.raises(ValidationError) as error:
        invitation_accept_with_signup(token=token, username="bobby", full_name="Bob", password="correct horse battery")

    assert error.value.code == "email_taken"


# --- members -----------------------------------------------------------------------------


def test_a_lead_changes_a_members_role(people: People) -> None:
    member_role_change(
        case=people.case,
        membership=_membership(people, people.observer),
        role=CaseRole.REVIEWER,
        changed_by=people.lead,
    )

    assert _membership(people, people.observer).role == CaseRole.REVIEWER
    event = SecurityEvent.objects.get()
    assert (event.kind, event.user, event.actor, event.details) == (
        SecurityEventKind.ROLE_CHANGED,
        people.observer,
        people.lead,
        {"before": "observer", "after": "reviewer"},
    )


def test_the_last_lead_cannot_be_demoted(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        member_role_change(
            case=people.case,
            membership=_membership(people, people.lead),
            role=CaseRole.REVIEWER,
            changed_by=people.lead,
        )

    assert error.value.messages == ["A case must keep at least one lead. Make another member a lead first."]
    assert _membership(people, people.lead).role == CaseRole.LEAD
    assert SecurityEvent.objects.count() == 0


def test_the_last_lead_cannot_be_removed(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        member_remove(case=people.case, membership=_membership(people, people.lead), removed_by=people.lead)

    assert error.value.code == "last_lead"
    assert _membership(people, people.lead).role == CaseRole.LEAD


def test_a_lead_may_step_down_when_another_lead_remains(people: People) -> None:
    MembershipFactory(case=people.case, role=CaseRole.LEAD, user=UserFactory(username="leo"))

    member_remove(case=people.case, membership=_membership(people, people.lead), removed_by=people.lead)

    assert CaseMembership.objects.filter(case=people.case, user=people.lead).exists() is False
    assert _events() == [(SecurityEventKind.MEMBER_REMOVED, "alice", "alice")]


def test_a_membership_of_another_case_is_refused(people: People) -> None:
    foreign = CaseMembership.objects.get(user=people.other_member)

    with pytest.raises(ValidationError) as error:
        member_remove(case=people.case, membership=foreign, removed_by=people.lead)

    assert error.value.code == "not_member"
    assert CaseMembership.objects.filter(pk=foreign.pk).exists() is True


# --- closing -----------------------------------------------------------------------------


def test_a_lead_closes_and_reopens_the_case(people: People) -> None:
    case_close(case=people.case, closed_by=people.lead)
    people.case.refresh_from_db()
    assert people.case.status == CaseStatus.CLOSED

    case_reopen(case=people.case, reopened_by=people.lead)
    people.case.refresh_from_db()
    assert people.case.status == CaseStatus.OPEN


def test_closing_a_closed_case_is_refused(people: People) -> None:
    case_close(case=people.case, closed_by=people.lead)

    with pytest.raises(ValidationError) as error:
        case_close(case=people.case, closed_by=people.lead)

    assert error.value.messages == ["The case is closed; nothing was changed."]


def test_an_archived_case_is_not_reopened(people: People) -> None:
    people.case.status = CaseStatus.ARCHIVED
    people.case.save()

    with pytest.raises(ValidationError):
        case_reopen(case=people.case, reopened_by=people.lead)

    people.case.refresh_from_db()
    assert people.case.status == CaseStatus.ARCHIVED
