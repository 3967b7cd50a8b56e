from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.demo.services import demo_seed
from tests.factories import CaseFactory, MembershipFactory, UserFactory

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

    # session, user, cases with counts, the integrity banner's count
    with django_assert_num_queries(4):
        response = client.get(reverse("home"))

    assert len(response.context["cases"]) == rows


def test_healthz_answers_ok(client: Client) -> None:
    response = client.get(reverse("healthz"))

    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_every_admin_page_renders_the_demo_case(admin_client: Client) -> None:
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


def test_the_admin_shows_the_taxonomy_as_a_tree(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:weapons_weapontype_changelist"))

    assert response.status_code == 200
    assert b"Thermobaric" in response.content
    assert b'id="result_list"' in response.content
