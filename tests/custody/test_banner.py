"""The integrity banner: case leads and site admins see how many items failed a fixity check."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.custody import selectors as custody_selectors
from apps.custody.context_processors import integrity_alerts
from apps.custody.models import IntegrityAlert
from apps.evidence.models import EvidenceItem
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, EvidenceItemFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_item(case: Case) -> EvidenceItem:
    item = EvidenceItemFactory(case=case)
    IntegrityAlert.objects.create(item=item, problem="missing")
    return item


@pytest.fixture
def lead(case: Case) -> User:
    return MembershipFactory(user__username="lead", case=case, role=CaseRole.LEAD).user


@pytest.fixture
def other_case_lead(db: None) -> User:
    return MembershipFactory(user__username="other-lead", role=CaseRole.LEAD).user


@pytest.fixture
def site_admin(db: None) -> User:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _count(user: User | AnonymousUser) -> int:
    request = RequestFactory().get("/")
    request.user = user
    return integrity_alerts(request)["integrity_alert_count"]


def test_a_lead_counts_the_failing_items_of_their_cases(failing_item: EvidenceItem, lead: User) -> None:
    assert _count(lead) == 1


def test_investigators_and_leads_of_other_cases_see_no_count(
    failing_item: EvidenceItem, investigator: User, other_case_lead: User
) -> None:
    assert (_count(investigator), _count(other_case_lead)) == (0, 0)


def test_a_site_admin_counts_every_failing_item(failing_item: EvidenceItem, site_admin: User) -> None:
    IntegrityAlert.objects.create(item=EvidenceItemFactory(case=CaseFactory()), problem="mismatch")

    assert _count(site_admin) == 2


def test_anonymous_users_see_no_count_and_cost_no_query(
    failing_item: EvidenceItem, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        assert _count(AnonymousUser()) == 0


def test_resolved_alerts_are_not_counted(failing_item: EvidenceItem, lead: User) -> None:
    IntegrityAlert.objects.update(resolved_at=timezone.now(), resolution="Restored from backup")

    assert _count(lead) == 0


def test_an_item_that_failed_several_checks_counts_once(failing_item: EvidenceItem, lead: User) -> None:
    IntegrityAlert.objects.create(item=failing_item, problem="missing")
    IntegrityAlert.objects.create(item=EvidenceItemFactory(case=failing_item.case), problem="mismatch")

    assert _count(lead) == 2


@pytest.mark.parametrize("who", ["lead", "investigator", "site_admin"])
def test_the_count_takes_two_queries(
    failing_item: EvidenceItem, request: pytest.FixtureRequest, who: str, django_assert_num_queries: Any
) -> None:
    user = request.getfixturevalue(who)

    with django_assert_num_queries(2):  # whether any alert is open; the user's items among them
        _count(user)


def test_without_open_alerts_the_count_takes_one_query(lead: User, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert _count(lead) == 0


def test_while_no_alert_is_open_a_later_page_asks_no_query(lead: User, django_assert_num_queries: Any) -> None:
    _count(lead)

    with django_assert_num_queries(0):  # the cached answer (common.cached_flags)
        assert _count(lead) == 0


def test_an_alert_raised_after_a_page_shows_on_the_next(case: Case, lead: User) -> None:
    assert _count(lead) == 0  # "no alert open" is now cached

    IntegrityAlert.objects.create(item=EvidenceItemFactory(case=case), problem="mismatch")

    assert _count(lead) == 1


def test_the_answer_is_forgotten_again_when_the_alert_commits(
    case: Case, lead: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        IntegrityAlert.objects.create(item=EvidenceItemFactory(case=case), problem="missing")
        # A page that read the database before the commit stores the old answer in between.
        cache.set(custody_selectors._OPEN_ALERTS_KEY, value=False)

    assert _count(lead) == 1


def test_the_banner_is_shown_to_a_lead_on_every_page(client: Client, failing_item: EvidenceItem, lead: User) -> None:
    login_verified(client, lead)

    content = client.get(reverse("home")).content.decode()

    assert (
        '<main id="content">\n    \n<div class="integrity-banner" role="alert">\n'
        "  <p><strong>1 evidence item failed an integrity check</strong></p>"
    ) in content


def test_the_banner_counts_in_the_plural(client: Client, failing_item: EvidenceItem, site_admin: User) -> None:
    IntegrityAlert.objects.create(item=EvidenceItemFactory(case=CaseFactory()), problem="mismatch")
    login_verified(client, site_admin)

    content = client.get(reverse("home")).content.decode()

    assert "<p><strong>2 evidence items failed an integrity check</strong></p>" in content


def test_no_banner_for_an_investigator(client: Client, failing_item: EvidenceItem, investigator: User) -> None:
    client.force_login(investigator)

    content = client.get(reverse("home")).content.decode()

    assert "integrity-banner" not in content
    assert "failed an integrity check" not in content
