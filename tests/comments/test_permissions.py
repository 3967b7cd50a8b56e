"""Who may read and write comment threads, and who may be told about them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.comments.permissions import can_be_notified, can_comment, can_read_comments
from apps.evidence.models import EvidenceItem
from apps.incidents.models import Incident
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "item_read", "item_write", "restricted_read", "restricted_write"),
    [
        (CaseRole.INVESTIGATOR, True, True, True, True),
        (CaseRole.REVIEWER, True, True, True, True),
        (CaseRole.LEAD, True, True, True, True),
        (CaseRole.OBSERVER, True, False, False, False),
    ],
)
def test_item_threads_by_role(
    item: EvidenceItem,
    restricted_item: EvidenceItem,
    role: CaseRole,
    item_read: bool,
    item_write: bool,
    restricted_read: bool,
    restricted_write: bool,
) -> None:
    user = MembershipFactory(case=item.case, role=role).user

    assert (can_read_comments(user, item), can_comment(user, item)) == (item_read, item_write)
    assert (can_read_comments(user, restricted_item), can_comment(user, restricted_item)) == (
        restricted_read,
        restricted_write,
    )
    assert (can_be_notified(user, item), can_be_notified(user, restricted_item)) == (item_read, restricted_read)


@pytest.mark.parametrize(
    ("role", "may_write"),
    [(CaseRole.INVESTIGATOR, True), (CaseRole.REVIEWER, True), (CaseRole.LEAD, True), (CaseRole.OBSERVER, False)],
)
def test_incident_threads_by_role(incident: Incident, role: CaseRole, may_write: bool) -> None:
    user = MembershipFactory(case=incident.case, role=role).user

    assert (can_read_comments(user, incident), can_comment(user, incident)) == (True, may_write)


def test_members_of_other_cases_outsiders_and_anonymous_users_get_nothing(
    bob: User, charlie: User, item: EvidenceItem, incident: Incident
) -> None:
    for user in (bob, charlie, AnonymousUser()):
        for target in (item, incident):
            assert (can_read_comments(user, target), can_comment(user, target), can_be_notified(user, target)) == (
                False,
                False,
                False,
            )


def test_site_admins_are_not_members_by_being_admins(item: EvidenceItem) -> None:
    admin = User.objects.create_superuser(username="root", email="root@example.org", password="a-long-password-1")

    assert (can_read_comments(admin, item), can_comment(admin, item)) == (False, False)
