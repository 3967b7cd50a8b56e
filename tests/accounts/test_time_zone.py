"""Display time zone: Europe/Kyiv by default, the user's own zone when they chose one; the API stays in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.enums import SecurityEventKind
from apps.accounts.forms import TimeZoneForm
from apps.accounts.models import SecurityEvent, User
from apps.accounts.timezones import time_zone_names, time_zone_validate, user_time_zone, user_time_zone_set

MIDDLEWARE = "apps.accounts.middleware.UserTimeZoneMiddleware"
AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
# 12:00 UTC in January: 14:00 in Kyiv (EET, UTC+2), 07:00 in New York (EST, UTC-5).
MOMENT = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def time_zone_middleware(settings: Any) -> None:
    """The middleware right after authentication, as config/settings.py lists it."""
    middleware = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]
    middleware.insert(middleware.index(AUTHENTICATION) + 1, MIDDLEWARE)
    settings.MIDDLEWARE = middleware


def _sign_in_event(user: User) -> SecurityEvent:
    event = SecurityEvent.objects.create(kind=SecurityEventKind.LOGIN, user=user, username=user.username)
    SecurityEvent.objects.filter(pk=event.pk).update(occurred_at=MOMENT)
    return event


def _security_page(client: Client, user: User, language: str = "en") -> str:
    client.force_login(user)
    response = client.get(reverse("accounts:security"), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_site_time_zone_is_kyiv_by_default() -> None:
    assert settings.TIME_ZONE == "Europe/Kyiv"


def test_times_show_in_kyiv_time_for_a_user_without_a_choice(investigator: User, client: Client) -> None:
    _sign_in_event(investigator)

    page = _security_page(client, investigator)

    assert "<td>Jan. 15, 2025, 2 p.m.</td>" in page
    assert "Dates and times are shown in Europe/Kyiv." in page


def test_times_show_in_the_users_own_time_zone(investigator: User, client: Client) -> None:
    _sign_in_event(investigator)
    user_time_zone_set(user=investigator, time_zone="America/New_York")

    page = _security_page(client, investigator)

    assert "<td>Jan. 15, 2025, 7 a.m.</td>" in page
    assert "<td>Jan. 15, 2025, 2 p.m.</td>" not in page  # the same instant in Kyiv time
    assert "Dates and times are shown in America/New_York." in page


def test_times_show_in_ukrainian_format_and_kyiv_time(investigator: User, client: Client) -> None:
    _sign_in_event(investigator)

    page = _security_page(client, investigator, language="uk")

    assert "<td>15 січня 2025 р. 14:00</td>" in page  # noqa: RUF001 (the Ukrainian abbreviation for "year" is Cyrillic)


def test_the_zone_is_reset_after_each_request(investigator: User, client: Client) -> None:
    user_time_zone_set(user=investigator, time_zone="Asia/Tokyo")
    _security_page(client, investigator)

    assert timezone.get_current_timezone_name() == "Europe/Kyiv"


def test_anonymous_pages_use_the_site_zone(client: Client) -> None:
    timezone.activate("Asia/Tokyo")
    try:
        response = client.get(reverse("login"))
    finally:
        timezone.deactivate()

    assert response.status_code == 200
    assert timezone.get_current_timezone_name() == "Europe/Kyiv"


def test_preferences_page_saves_a_time_zone(investigator: User, client: Client) -> None:
    client.force_login(investigator)

    response = client.post(reverse("accounts:preferences"), {"time_zone": "Europe/Warsaw"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:preferences")
    investigator.refresh_from_db()
    assert investigator.time_zone == "Europe/Warsaw"
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert "Your time zone is saved." in page
    assert '<option value="Europe/Warsaw" selected>Europe/Warsaw</option>' in page
    assert "Times are shown in Europe/Warsaw: it is now " in page


def test_preferences_page_returns_to_the_site_default(investigator: User, client: Client) -> None:
    user_time_zone_set(user=investigator, time_zone="Europe/Warsaw")
    client.force_login(investigator)

    response = client.post(reverse("accounts:preferences"), {"time_zone": ""})

    assert response.status_code == 302
    investigator.refresh_from_db()
    assert investigator.time_zone == ""
    page = client.get(reverse("accounts:preferences")).content.decode()
    assert '<option value="" selected>The site&#x27;s time zone (Europe/Kyiv)</option>' in page


def test_preferences_page_refuses_an_unknown_zone(investigator: User, client: Client) -> None:
    client.force_login(investigator)

    response = client.post(reverse("accounts:preferences"), {"time_zone": "Mars/Olympus_Mons"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "time_zone": ["Select a valid choice. Mars/Olympus_Mons is not one of the available choices."]
    }
    investigator.refresh_from_db()
    assert investigator.time_zone == ""


def test_preferences_page_needs_sign_in(client: Client) -> None:
    response = client.get(reverse("accounts:preferences"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('accounts:preferences')}"


def test_preferences_page_is_in_ukrainian(investigator: User, client: Client) -> None:
    client.force_login(investigator)

    page = client.get(reverse("accounts:preferences"), HTTP_ACCEPT_LANGUAGE="uk").content.decode()

    assert "<h1>Налаштування</h1>" in page
    assert "Часовий пояс сайту (Europe/Kyiv)" in page


def test_form_offers_every_known_zone_after_the_default() -> None:
    field = TimeZoneForm().fields["time_zone"]
    assert isinstance(field, forms.ChoiceField)
    choices = cast("list[tuple[str, str]]", field.choices)

    assert choices[0][0] == ""
    assert [value for value, _label in choices[1:]] == sorted(time_zone_names())
    assert "Europe/Kyiv" in time_zone_names()


def test_validator_refuses_unknown_names_and_accepts_blank() -> None:
    time_zone_validate("")
    time_zone_validate("Europe/Kyiv")
    with pytest.raises(ValidationError) as raised:
        time_zone_validate("Europe/Atlantis")
    assert raised.value.messages == ["“Europe/Atlantis” is not a known time zone."]


def test_service_refuses_unknown_names(investigator: User) -> None:
    with pytest.raises(ValidationError):
        user_time_zone_set(user=investigator, time_zone="Europe/Atlantis")
    investigator.refresh_from_db()
    assert investigator.time_zone == ""


def test_a_stored_zone_the_machine_no_longer_knows_falls_back_to_the_site_zone(investigator: User) -> None:
    User.objects.filter(pk=investigator.pk).update(time_zone="Europe/Atlantis")
    investigator.refresh_from_db()

    assert user_time_zone(investigator).key == "Europe/Kyiv"


def test_model_full_clean_checks_the_zone(investigator: User) -> None:
    investigator.time_zone = "Nowhere/At_All"
    with pytest.raises(ValidationError) as raised:
        investigator.full_clean()
    assert list(raised.value.message_dict) == ["time_zone"]
