"""Sessions live in the shared cache and, written through, in the database (settings.SESSION_ENGINE).

A page reads its session from the cache; losing the cache (a restart, an eviction) must not sign anyone out,
and signing out must end the session in both places, so the old cookie is refused everywhere.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from tests.accounts.helpers import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
LOGOUT = reverse("logout")
HOME = reverse("home")


def _signed_in(client: Client, user: User) -> str:
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return str(client.cookies["sessionid"].value)


def test_a_page_reads_its_session_from_the_cache_not_the_database(client: Client, investigator: User) -> None:
    _signed_in(client, investigator)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(HOME)

    assert response.wsgi_request.user == investigator
    assert not [query for query in queries if "django_session" in query["sql"]]


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

    assert client.post(LOGOUT).status_code == 302

    assert not Session.objects.filter(session_key=session_key).exists()
    replay = Client()
    replay.cookies["sessionid"] = session_key
    response = replay.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
