"""Sessions live in the shared cache and, written through, in the database (settings.SESSION_ENGINE).

A page reads its session from the cache; losing the cache (a restart, an eviction) must not sign anyone out,
and signing out must end the session in both places, so the old cookie is refused everywhere.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client

from apps.accounts.models import User
from tests.accounts.helpers import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
HOME = "/"


def _signed_in(client: Client, user: User) -> str:
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return str(client.cookies["sessionid"].value)


def test_a_session_is_kept_in_the_database_and_survives_an_empty_cache(client: Client, investigator: User) -> None:
    session_key = _signed_in(client, investigator)
    assert Session.objects.filter(session_key=session_key).exists()

    cache.clear()

    response = client.get(HOME)
    assert response.status_code == 200
    assert response.wsgi_request.user == investigator


def test_a_signed_out_session_is_refused_though_its_cookie_is_sent_again(client: Client, investigator: User) -> None:
    session_key = _signed_in(client, investigator)
    assert client.get(HOME).status_code == 200  # read once, so the cache holds it

    assert client.post("/accounts/logout/").status_code == 302

    assert not Session.objects.filter(session_key=session_key).exists()
    replay = Client()
    replay.cookies["sessionid"] = session_key
    response = replay.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
