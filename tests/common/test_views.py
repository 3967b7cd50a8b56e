from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.demo.services import demo_seed
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, EvidenceItemFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_login_page_is_served(client: Client) -> None:
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_anonymous_users_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/"


def test_home_lists_only_the_users_cases(client: Client) -> None:
    alice = MembershipFactory(user__username="alice", case__reference="UA-2022-0001").user
    MembershipFactory(user__username="bob", case__reference="UA-2022-0002")
    client.force_login(alice)

    response = client.get(reverse("home"))

    assert [case.reference for case in response.context["cases"]] == ["UA-2022-0001"]
    assert b"UA-2022-0002" not in response.content


@pytest.mark.parametrize("rows", [1, 3])
def test_the_case_list_query_count_does_not_grow_with_rows(
    client: Client, django_assert_num_queries: Any, rows: int
) -> None:
    user = UserFactory()
    for _ in range(rows):
        MembershipFactory(user=user, case=CaseFactory(), role=CaseRole.OBSERVER)
    client.force_login(user)

    # user, the user's roles (second-factor rule), the integrity banner's count, the header's
    # unread-notification count, cases with their counts (correlated subqueries, still one query), and the
    # evidence of those cases counted by review state and failed integrity (one grouped query)
    with django_assert_num_queries(6):
        response = client.get(reverse("home"))

    assert len(response.context["cases"]) == rows


def test_healthz_answers_ok(client: Client) -> None:
    response = client.get(reverse("healthz"))

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.fixture
def verified_admin_client(client: Client, admin_user: User) -> Client:
    """A site admin's client, signed in with a second factor (the admin requires one)."""
    login_verified(client, admin_user)
    return client


def test_every_admin_page_renders_the_demo_case(verified_admin_client: Client) -> None:
    admin_client = verified_admin_client
    demo_seed()

    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert changelist.status_code == 200, opts.label
        first = model_admin.get_queryset(changelist.wsgi_request).first()
        if first is not None:
            change = admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk]))
            assert change.status_code == 200, opts.label

    case_page = admin_client.get(reverse("admin:cases_case_changelist"))
    assert b"UA-2022-0001" in case_page.content


def test_the_admin_shows_the_taxonomy_as_a_tree(verified_admin_client: Client) -> None:
    response = verified_admin_client.get(reverse("admin:weapons_weapontype_changelist"))

    assert response.status_code == 200
    assert b"Thermobaric" in response.content
    assert b'id="result_list"' in response.content


def test_an_observers_case_list_does_not_count_identity_restricted_items(client: Client) -> None:
    case = CaseFactory(reference="UA-2022-0009")
    EvidenceItemFactory(case=case)
    EvidenceItemFactory(case=case, reveals_witness_identity=True)
    observer = MembershipFactory(case=case, role=CaseRole.OBSERVER).user
    investigator = MembershipFactory(case=case, role=CaseRole.INVESTIGATOR).user

    counts = {}
    for user in (observer, investigator):
        client.force_login(user)
        counts[user.pk] = [row.evidence for row in client.get(reverse("home")).context["rows"]]

    assert (counts[observer.pk], counts[investigator.pk]) == ([1], [2])
