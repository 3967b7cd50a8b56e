"""The allegations API: an incident's claims with the weapon types they name, written inline."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.apitokens.enums import TokenAccess
from apps.cases.enums import CaseStatus
from apps.incidents.models import Allegation, AllegedWeapon, Incident
from apps.sources.models import Source
from apps.weapons.models import WeaponType
from tests.accounts.helpers import login_verified
from tests.cases.conftest import People
from tests.factories import CaseFactory, IncidentFactory, MembershipFactory, SourceFactory
from tests.incidents.test_api import CLOSED_REASON, ROLE_REASON, make_people, token_headers
from tests.problems import field_errors, problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db: None) -> People:
    return make_people()


@pytest.fixture
def incident(people: People) -> Incident:
    return IncidentFactory(case=people.case, title="Shelling")


@pytest.fixture
def source(people: People) -> Source:
    return SourceFactory(case=people.case, title="NATO press conference", publisher="NATO")


def listing(incident: Incident) -> str:
    return reverse("api:incident-allegations", kwargs={"incident_id": incident.pk})


def detail(allegation: Allegation) -> str:
    return reverse("api:allegation-detail", kwargs={"allegation_id": allegation.pk})


def claim(incident: Incident, source: Source, summary: str = "Cluster munitions used", **values: Any) -> Allegation:
    values.setdefault("asserted_on", date(2022, 3, 7))
    return Allegation.objects.create(case=incident.case, incident=incident, source=source, summary=summary, **values)


def nato(source: Source) -> dict[str, Any]:
    return {
        "source": str(source.pk),
        "asserted_on": "2022-03-07",
        "claimant": "NATO Secretary General",
        "summary": "Russia is using cluster munitions and vacuum bombs",
        "quote": "accused Russia of using cluster munitions and vacuum bombs",
        "alleged_perpetrator": "Russian armed forces",
        "alleged_weapons": [
            {"weapon_type": "cluster-munitions", "confidence": "alleged", "basis": "Statement"},
            {"weapon_type": "thermobaric-fuel-air-weapons"},
        ],
    }


@pytest.mark.parametrize("role", ["investigator", "lead"])
def test_a_contributor_records_an_allegation_with_its_weapons(
    client: Client, people: People, incident: Incident, source: Source, role: str
) -> None:
    login_verified(client, people.by_name(role))

    response = client.post(listing(incident), nato(source), content_type="application/json")

    assert response.status_code == 201, response.content
    allegation = Allegation.objects.get()
    body = response.json()
    assert body == {
        "id": str(allegation.pk),
        "case": str(people.case.pk),
        "incident": str(incident.pk),
        "source": str(source.pk),
        "asserted_on": "2022-03-07",
        "claimant": "NATO Secretary General",
        "summary": "Russia is using cluster munitions and vacuum bombs",
        "quote": "accused Russia of using cluster munitions and vacuum bombs",
        "alleged_perpetrator": "Russian armed forces",
        "alleged_weapons": [
            {"weapon_type": "cluster-munitions", "confidence": "alleged", "basis": "Statement"},
            {"weapon_type": "thermobaric-fuel-air-weapons", "confidence": "alleged", "basis": ""},
        ],
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert sorted(AllegedWeapon.objects.values_list("weapon_type__slug", "confidence")) == [
        ("cluster-munitions", "alleged"),
        ("thermobaric-fuel-air-weapons", "alleged"),
    ]


def test_the_source_must_be_of_the_incidents_case(client: Client, people: People, incident: Incident) -> None:
    second = CaseFactory()
    MembershipFactory(case=second, user=people.investigator)
    own_other_case = SourceFactory(case=second)
    foreign = SourceFactory(case=people.other_member.case_memberships.get().case)
    login_verified(client, people.investigator)

    mine_elsewhere = client.post(listing(incident), nato(own_other_case), content_type="application/json")
    not_mine = client.post(listing(incident), nato(foreign), content_type="application/json")

    assert field_errors(mine_elsewhere) == {"source": ["Choose one from the same case."]}
    assert field_errors(not_mine) == {"source": ["Nothing with this id among your cases' records."]}
    assert not Allegation.objects.exists()


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"summary": ""}, {"summary": ["This field may not be blank."]}),
        (
            {"asserted_on": "7 March"},
            {"asserted_on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        ({"source": "nonsense"}, {"source": ["Must be a valid UUID."]}),
        (
            {"alleged_weapons": [{"weapon_type": "ray-gun"}]},
            {"weapon_type": ["Object with slug=ray-gun does not exist."]},
        ),
        (
            {"alleged_weapons": [{"weapon_type": "fab-500", "confidence": "certain"}]},
            {"confidence": ['"certain" is not a valid choice.']},
        ),
        (
            {"alleged_weapons": [{"weapon_type": "fab-500"}, {"weapon_type": "fab-500", "confidence": "probable"}]},
            {"alleged_weapons": ["Name each weapon type once."]},
        ),
    ],
)
def test_invalid_allegations_are_refused_with_field_errors(
    client: Client,
    people: People,
    incident: Incident,
    source: Source,
    change: dict[str, Any],
    errors: dict[str, list[str]],
) -> None:
    login_verified(client, people.investigator)

    response = client.post(listing(incident), {**nato(source), **change}, content_type="application/json")

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert not Allegation.objects.exists()


def test_a_weapon_error_points_into_the_list(
    client: Client, people: People, incident: Incident, source: Source
) -> None:
    login_verified(client, people.investigator)
    weapons = [{"weapon_type": "fab-500"}, {"weapon_type": "ray-gun"}]

    response = client.post(
        listing(incident), {**nato(source), "alleged_weapons": weapons}, content_type="application/json"
    )

    assert [error["pointer"] for error in problem(response)["errors"]] == ["/alleged_weapons/1/weapon_type"]


@pytest.mark.parametrize("role", ["reviewer", "observer"])
def test_members_who_do_not_contribute_cannot_record_allegations(
    client: Client, people: People, incident: Incident, source: Source, role: str
) -> None:
    login_verified(client, people.by_name(role))

    response = client.post(listing(incident), nato(source), content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, ROLE_REASON)


def test_a_closed_case_accepts_no_allegation(
    client: Client, people: People, incident: Incident, source: Source
) -> None:
    people.case.status = CaseStatus.CLOSED
    people.case.save(update_fields=["status"])
    login_verified(client, people.investigator)

    response = client.post(listing(incident), nato(source), content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, CLOSED_REASON)


def test_a_read_token_cannot_record_an_allegation(
    client: Client, people: People, incident: Incident, source: Source
) -> None:
    response = client.post(
        listing(incident),
        nato(source),
        content_type="application/json",
        headers=token_headers(people, TokenAccess.READ),
    )

    assert response.status_code == 403
    assert not Allegation.objects.exists()


@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_an_incident_or_allegation_of_another_case_answers_404(
    client: Client, people: People, incident: Incident, source: Source, who: str
) -> None:
    allegation = claim(incident, source)
    login_verified(client, people.by_name(who))

    responses = [
        client.get(listing(incident)),
        client.post(listing(incident), nato(source), content_type="application/json"),
        client.get(detail(allegation)),
        client.patch(detail(allegation), {"summary": "x"}, content_type="application/json"),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404, 404]
    assert Allegation.objects.get().summary == "Cluster munitions used"


def test_the_list_holds_the_incidents_allegations_oldest_claim_first(
    client: Client, people: People, incident: Incident, source: Source
) -> None:
    claim(incident, source, "Later", asserted_on=date(2022, 3, 9))
    claim(incident, source, "Earlier", asserted_on=date(2022, 3, 6))
    claim(IncidentFactory(case=people.case), source, "Another incident")
    login_verified(client, people.observer)

    response = client.get(listing(incident))

    assert [row["summary"] for row in response.json()["results"]] == ["Earlier", "Later"]


def test_search_and_sparse_fields(client: Client, people: People, incident: Incident, source: Source) -> None:
    wanted = claim(incident, source, "Vacuum bombs", claimant="NATO Secretary General")
    claim(incident, source, "Attacks on civilians", claimant="US Secretary of State")
    login_verified(client, people.observer)

    response = client.get(listing(incident), {"search": "nato", "fields": "summary"})

    assert response.json()["results"] == [{"id": str(wanted.pk), "summary": "Vacuum bombs"}]


def test_the_list_pages_with_a_cursor(client: Client, people: People, incident: Incident, source: Source) -> None:
    for day in (5, 6, 7):
        claim(incident, source, f"March {day}", asserted_on=date(2022, 3, day))
    login_verified(client, people.investigator)

    first = client.get(listing(incident), {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["summary"] for row in first["results"]] == ["March 5", "March 6"]
    assert ([row["summary"] for row in second["results"]], second["next"]) == (["March 7"], None)


def test_a_member_reads_an_allegation_even_without_an_incident(client: Client, people: People, source: Source) -> None:
    general = Allegation.objects.create(
        case=people.case, source=source, asserted_on=date(2022, 3, 7), summary="Cluster munitions are being used"
    )
    login_verified(client, people.observer)

    response = client.get(detail(general))

    assert (response.status_code, response.json()["incident"], response.json()["alleged_weapons"]) == (200, None, [])


def test_a_change_replaces_the_weapon_list_when_given(
    client: Client, people: People, incident: Incident, source: Source
) -> None:
    allegation = claim(incident, source)
    AllegedWeapon.objects.create(allegation=allegation, weapon_type=WeaponType.objects.get(slug="cluster-munitions"))
    login_verified(client, people.investigator)

    kept = client.patch(detail(allegation), {"claimant": "NATO"}, content_type="application/json")
    replaced = client.patch(
        detail(allegation),
        {"alleged_weapons": [{"weapon_type": "rbk-500", "confidence": "probable", "basis": "Remnants"}]},
        content_type="application/json",
    )
    emptied = client.patch(detail(allegation), {"alleged_weapons": []}, content_type="application/json")

    assert kept.json()["alleged_weapons"] == [
        {"weapon_type": "cluster-munitions", "confidence": "alleged", "basis": ""}
    ]
    assert kept.json()["claimant"] == "NATO"
    assert replaced.json()["alleged_weapons"] == [
        {"weapon_type": "rbk-500", "confidence": "probable", "basis": "Remnants"}
    ]
    assert emptied.json()["alleged_weapons"] == []
    assert not AllegedWeapon.objects.exists()


def test_a_change_of_source_must_stay_in_the_case(
    client: Client, people: People, incident: Incident, source: Source
) -> None:
    allegation = claim(incident, source)
    second = CaseFactory()
    MembershipFactory(case=second, user=people.investigator)
    login_verified(client, people.investigator)

    response = client.patch(
        detail(allegation), {"source": str(SourceFactory(case=second).pk)}, content_type="application/json"
    )

    assert field_errors(response) == {"source": ["Choose one from the same case."]}
    assert Allegation.objects.get().source == source


@pytest.mark.parametrize(("role", "status"), [("reviewer", 403), ("observer", 403)])
def test_members_who_do_not_contribute_cannot_change_allegations(
    client: Client, people: People, incident: Incident, source: Source, role: str, status: int
) -> None:
    allegation = claim(incident, source)
    login_verified(client, people.by_name(role))

    response = client.patch(detail(allegation), {"summary": "Changed"}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (status, ROLE_REASON)


def test_an_allegation_of_a_closed_case_cannot_be_changed(
    client: Client, people: People, incident: Incident, source: Source
) -> None:
    allegation = claim(incident, source)
    people.case.status = CaseStatus.ARCHIVED
    people.case.save(update_fields=["status"])
    login_verified(client, people.lead)

    response = client.patch(detail(allegation), {"summary": "Changed"}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, CLOSED_REASON)


@pytest.mark.parametrize("rows", [1, 3])
def test_the_list_query_count_does_not_grow_with_allegations(
    client: Client, people: People, incident: Incident, source: Source, django_assert_num_queries: Any, rows: int
) -> None:
    for number in range(rows):
        allegation = claim(incident, source, f"Claim {number}")
        for slug in ("fab-250", "fab-500"):
            AllegedWeapon.objects.create(allegation=allegation, weapon_type=WeaponType.objects.get(slug=slug))
    login_verified(client, people.investigator)

    # user, second-factor device, roles, the incident, the allegations, their weapon claims with their types
    with django_assert_num_queries(6):
        response = client.get(listing(incident))

    assert len(response.json()["results"]) == rows


def test_sparse_fields_shape_the_answer_but_not_what_is_written(
    client: Client, people: People, incident: Incident, source: Source
) -> None:
    login_verified(client, people.investigator)

    created = client.post(f"{listing(incident)}?fields=summary", nato(source), content_type="application/json")

    allegation = Allegation.objects.get()
    assert (created.status_code, created.json()) == (
        201,
        {"id": str(allegation.pk), "summary": "Russia is using cluster munitions and vacuum bombs"},
    )
    assert (allegation.source, allegation.weapon_claims.count()) == (source, 2)
