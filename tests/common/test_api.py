"""The API's shared behaviour: errors, sparse fields, search (apps/common/api.py) and rate limits (apitokens)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.enums import CaseRole
from apps.apitokens.services import apitoken_create
from apps.common.api import SparseFieldsMixin, field_errors, problem_details_exception_handler
from apps.common.search import full_text_search
from apps.incidents.models import Incident
from tests.factories import CaseFactory, IncidentFactory, MembershipFactory
from tests.problems import problem

pytestmark = pytest.mark.django_db


def test_nested_validation_errors_become_one_entry_per_message_with_a_json_pointer() -> None:
    detail = ValidationError(
        {
            "title": ["This field is required."],
            "weapons": [{}, {"weapon_type": ["Unknown weapon."]}],
            "a/b": ["Slash in a name."],
            "non_field_errors": ["The end cannot be before the start."],
        }
    ).detail

    entries = list(field_errors(detail))

    assert entries == [
        {"pointer": "/title", "detail": "This field is required.", "code": "invalid", "field": "title"},
        {
            "pointer": "/weapons/1/weapon_type",
            "detail": "Unknown weapon.",
            "code": "invalid",
            "field": "weapon_type",
        },
        {"pointer": "/a~1b", "detail": "Slash in a name.", "code": "invalid", "field": "a/b"},
        {"pointer": "/", "detail": "The end cannot be before the start.", "code": "invalid"},
    ]


def test_an_error_is_problem_details_translated_into_the_request_language() -> None:
    with translation.override("uk"):
        response = problem_details_exception_handler(ValidationError({"title": ["x"]}), {})

    assert response is not None
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.data["type"].endswith("/validation-error")
    assert response.data["errors"] == [{"pointer": "/title", "detail": "x", "code": "invalid", "field": "title"}]


def test_an_anonymous_api_call_gets_a_401_problem_with_a_bearer_challenge() -> None:
    response = Client().get(reverse("api:notifications"))

    body = problem(response)
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")
    assert body["type"] == "https://custos.invalid/problems/not-authenticated"


def test_an_invalid_field_answers_400_with_the_field_named(client: Client) -> None:
    case = CaseFactory()
    user = MembershipFactory(case=case, role=CaseRole.INVESTIGATOR).user
    client.force_login(user)

    response = client.post(
        reverse("api:auth-tokens"), {"name": "", "access": "everything"}, content_type="application/json"
    )

    body = problem(response)
    assert response.status_code == 400
    assert {entry["field"] for entry in body["errors"]} >= {"access"}


class _IncidentOut(SparseFieldsMixin, serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Incident
        fields = ("id", "title", "narrative", "place_name")


def _request(query: str) -> Request:
    return Request(APIRequestFactory().get(f"/x/?{query}"))


def test_sparse_fields_keep_the_named_fields_and_always_the_id() -> None:
    incident = IncidentFactory(title="Shelling", narrative="…", place_name="Irpin")

    data: Any = _IncidentOut([incident], many=True, context={"request": _request("fields=title,nonsense")}).data

    assert [dict(row) for row in data] == [{"id": str(incident.pk), "title": "Shelling"}]


def test_without_fields_every_field_is_returned() -> None:
    incident = IncidentFactory(title="Shelling", narrative="n", place_name="Irpin")

    data: Any = _IncidentOut(incident, context={"request": _request("")}).data

    assert set(data) == {"id", "title", "narrative", "place_name"}


def _titles(query: str) -> list[str]:
    found = full_text_search(Incident.objects.all(), query=query, fields=("title", "narrative", "place_name"))
    return sorted(found.values_list("title", flat=True))


def test_search_needs_every_word_and_can_exclude_one() -> None:
    start = datetime(2022, 3, 6, tzinfo=UTC)
    IncidentFactory(title="Shelling of the bridge", narrative="Mortar fire near the bridge", start_at=start)
    IncidentFactory(title="Shelling of a school", narrative="Rockets struck the school", place_name="Irpin")
    IncidentFactory(title="Evacuation route", narrative="Civilians on the road", place_name="Irpin")

    assert _titles("shelling") == ["Shelling of a school", "Shelling of the bridge"]
    assert _titles("shelling irpin") == ["Shelling of a school"]
    assert _titles("irpin -rockets") == ["Evacuation route"]
    assert _titles("") == ["Evacuation route", "Shelling of a school", "Shelling of the bridge"]


def test_search_finds_ukrainian_words() -> None:
    IncidentFactory(title="Обстріл мосту", place_name="Ірпінь")
    IncidentFactory(title="Евакуація", place_name="Буча")

    assert _titles("Ірпінь") == ["Обстріл мосту"]


@pytest.fixture
def tight_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    # DRF binds the rates to the throttle classes when they are defined, so the test narrows them there.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"token": "2/hour", "user": "3/hour", "anon": "5/hour"})


@pytest.mark.usefixtures("tight_limits")
def test_a_token_is_limited_on_its_own_and_its_owner_browser_apart() -> None:
    case = CaseFactory()
    user = MembershipFactory(case=case, role=CaseRole.INVESTIGATOR).user
    _, secret = apitoken_create(owner=user, name="script", cases=[case], access="read")
    url = reverse("api:notifications")
    with_token = Client(headers={"Authorization": f"Bearer {secret}"})
    browser = Client()
    browser.force_login(user)

    token_statuses = [with_token.get(url).status_code for _ in range(3)]
    browser_statuses = [browser.get(url).status_code for _ in range(4)]

    assert token_statuses == [200, 200, 429]
    assert browser_statuses == [200, 200, 200, 429]
    limited = with_token.get(url)
    body = problem(limited)
    assert int(limited["Retry-After"]) > 0
    assert body["retry_after_seconds"] > 0
