"""The security log in the admin: readable by admins, never added to, changed or deleted."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.enums import SecurityEventKind
from apps.accounts.models import SecurityEvent, User
from apps.accounts.services import security_event_record
from tests.accounts.helpers import login_verified

pytestmark = pytest.mark.django_db

LIST = "/admin/accounts/securityevent/"


@pytest.fixture
def events(investigator: User) -> list[SecurityEvent]:
    return [
        security_event_record(kind=SecurityEventKind.LOGIN_FAILED, username="mallory"),
        security_event_record(kind=SecurityEventKind.LOGIN, user=investigator),
    ]


def test_admin_lists_filters_and_searches_the_log(client: Client, superuser: User, events: list[SecurityEvent]) -> None:
    login_verified(client, superuser)
    response = client.get(LIST)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [
        *SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN, user=superuser),
        events[1],
        events[0],
    ]
    by_kind = client.get(LIST, {"kind__exact": SecurityEventKind.LOGIN_FAILED})
    assert list(by_kind.context["cl"].result_list) == [events[0]]
    by_name = client.get(LIST, {"q": "mallory"})
    assert list(by_name.context["cl"].result_list) == [events[0]]


def test_admin_cannot_add_change_or_delete(client: Client, superuser: User, events: list[SecurityEvent]) -> None:
    login_verified(client, superuser)
    event = events[0]
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.get(f"{LIST}{event.pk}/delete/").status_code == 403
    detail = client.get(f"{LIST}{event.pk}/change/")
    assert detail.status_code == 200
    assert detail.context["has_change_permission"] is False
    client.post(f"{LIST}{event.pk}/change/", {"username": "changed"})
    event.refresh_from_db()
    assert event.username == "mallory"
    client.post(LIST, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_admin_requires_a_verified_second_factor(client: Client, superuser: User) -> None:
    client.force_login(superuser)
    assert client.get(LIST)["Location"] == "/accounts/security/two-factor/?next=%2Fadmin%2Faccounts%2Fsecurityevent%2F"
