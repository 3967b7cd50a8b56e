"""The casualty figures API: a case's series, never overwritten; a correction is a new figure that supersedes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.apitokens.enums import TokenAccess
from apps.cases.enums import CaseStatus
from apps.cases.models import Case
from apps.incidents.enums import CasualtyScope
from apps.incidents.models import CasualtyFigure
from apps.sources.models import Source
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
def ohchr(people: People) -> Source:
    return SourceFactory(case=people.case, title="Ukraine: civilian casualty update 6 March 2022", publisher="OHCHR")


def listing(case: Case) -> str:
    return reverse("api:case-casualty-figures", kwargs={"case_id": case.pk})


def detail(figure: CasualtyFigure | int) -> str:
    figure_id = figure if isinstance(figure, int) else figure.pk
    return reverse("api:casualty-figure-detail", kwargs={"figure_id": figure_id})


def record(case: Case, as_of: date, killed: int = 1, **values: Any) -> CasualtyFigure:
    values.setdefault("scope", CasualtyScope.REGION)
    values.setdefault("region_name", "Ukraine")
    values.setdefault("reporter", "OHCHR")
    return CasualtyFigure.objects.create(case=case, as_of=as_of, killed=killed, **values)


def ohchr_figure(source: Source, **change: Any) -> dict[str, Any]:
    return {
        "scope": "region",
        "region_name": "Ukraine",
        "reporter": "OHCHR",
        "source": str(source.pk),
        "as_of": "2022-03-06",
        "period_start": "2022-02-24",
        "killed": 364,
        "injured": 759,
        "caveat": "OHCHR believes the actual figures are considerably higher.",
        **change,
    }


@pytest.mark.parametrize("role", ["investigator", "lead"])
def test_a_contributor_records_a_figure(client: Client, people: People, ohchr: Source, role: str) -> None:
    user = people.by_name(role)
    login_verified(client, user)

    response = client.post(listing(people.case), ohchr_figure(ohchr), content_type="application/json")

    assert response.status_code == 201, response.content
    figure = CasualtyFigure.objects.get()
    body = response.json()
    assert body == {
        "id": figure.pk,
        "case": str(people.case.pk),
        "scope": "region",
        "incident": None,
        "region_name": "Ukraine",
        "reporter": "OHCHR",
        "source": str(ohchr.pk),
        "as_of": "2022-03-06",
        "period_start": "2022-02-24",
        "killed": 364,
        "injured": 759,
        "killed_children": None,
        "killed_women": None,
        "killed_men": None,
        "killed_sex_undetermined": None,
        "injured_children": None,
        "injured_women": None,
        "injured_men": None,
        "injured_sex_undetermined": None,
        "caveat": "OHCHR believes the actual figures are considerably higher.",
        "supersedes": None,
        "superseded_by": [],
        "recorded_by": user.username,
        "created_at": body["created_at"],
    }
    assert figure.recorded_by == user


def test_a_correction_supersedes_and_leaves_the_original(client: Client, people: People, ohchr: Source) -> None:
    original = record(people.case, date(2022, 3, 6), killed=346, injured=759)
    login_verified(client, people.investigator)

    response = client.post(
        listing(people.case), ohchr_figure(ohchr, supersedes=original.pk), content_type="application/json"
    )
    original_now = client.get(detail(original)).json()

    assert (response.status_code, response.json()["supersedes"]) == (201, original.pk)
    assert (original_now["killed"], original_now["superseded_by"]) == (346, [response.json()["id"]])


def test_an_incident_figure_names_its_incident(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case)
    login_verified(client, people.investigator)
    data = {"scope": "incident", "incident": str(incident.pk), "reporter": "Police", "as_of": "2022-03-06", "killed": 3}

    response = client.post(listing(people.case), data, content_type="application/json")

    assert (response.status_code, response.json()["incident"]) == (201, str(incident.pk))


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"scope": "incident"}, {"incident": ["An incident-scoped figure needs its incident."]}),
        ({"region_name": ""}, {"region_name": ["A regional figure needs its region."]}),
        ({"killed": None, "injured": None}, {"killed": ["Give the number killed, injured, or both."]}),
        ({"killed": -1}, {"killed": ["Ensure this value is greater than or equal to 0."]}),
        ({"scope": "planet"}, {"scope": ['"planet" is not a valid choice.']}),
        ({"as_of": None}, {"as_of": ["This field may not be null."]}),
        ({"supersedes": 2**70}, {"supersedes": ["Ensure this value is less than or equal to 9223372036854775807."]}),
        ({"supersedes": 987654}, {"supersedes": ["Nothing with this id among your cases' records."]}),
    ],
)
def test_invalid_figures_are_refused_with_field_errors(
    client: Client, people: People, ohchr: Source, change: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    login_verified(client, people.investigator)

    response = client.post(listing(people.case), ohchr_figure(ohchr, **change), content_type="application/json")

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert not CasualtyFigure.objects.exists()


def test_only_an_incident_scoped_figure_names_an_incident(client: Client, people: People, ohchr: Source) -> None:
    incident = IncidentFactory(case=people.case)
    login_verified(client, people.investigator)

    response = client.post(
        listing(people.case), ohchr_figure(ohchr, incident=str(incident.pk)), content_type="application/json"
    )

    assert field_errors(response) == {"incident": ["Only an incident-scoped figure names an incident."]}


def test_related_records_must_be_of_the_same_case(client: Client, people: People, ohchr: Source) -> None:
    second = CaseFactory()
    MembershipFactory(case=second, user=people.investigator)
    elsewhere_incident = IncidentFactory(case=second)
    elsewhere_source = SourceFactory(case=second)
    elsewhere_figure = record(second, date(2022, 3, 4))
    login_verified(client, people.investigator)

    response = client.post(
        listing(people.case),
        ohchr_figure(
            elsewhere_source,
            scope="incident",
            incident=str(elsewhere_incident.pk),
            supersedes=elsewhere_figure.pk,
        ),
        content_type="application/json",
    )

    assert field_errors(response) == {
        "incident": ["Choose one from the same case."],
        "source": ["Choose one from the same case."],
        "supersedes": ["Choose one from the same case."],
    }


@pytest.mark.parametrize("role", ["reviewer", "observer"])
def test_members_who_do_not_contribute_cannot_record_figures(
    client: Client, people: People, ohchr: Source, role: str
) -> None:
    login_verified(client, people.by_name(role))

    response = client.post(listing(people.case), ohchr_figure(ohchr), content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, ROLE_REASON)


def test_a_closed_case_accepts_no_figure(client: Client, people: People, ohchr: Source) -> None:
    people.case.status = CaseStatus.CLOSED
    people.case.save(update_fields=["status"])
    login_verified(client, people.lead)

    response = client.post(listing(people.case), ohchr_figure(ohchr), content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, CLOSED_REASON)


def test_a_read_token_cannot_record_a_figure(client: Client, people: People, ohchr: Source) -> None:
    response = client.post(
        listing(people.case),
        ohchr_figure(ohchr),
        content_type="application/json",
        headers=token_headers(people, TokenAccess.READ),
    )

    assert response.status_code == 403


def test_figures_are_never_changed(client: Client, people: People) -> None:
    figure = record(people.case, date(2022, 3, 6), killed=364)
    login_verified(client, people.lead)

    patched = client.patch(detail(figure), {"killed": 1}, content_type="application/json")
    deleted = client.delete(detail(figure))

    assert (patched.status_code, deleted.status_code) == (405, 405)
    assert CasualtyFigure.objects.get().killed == 364


@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_figures_of_another_case_answer_404(client: Client, people: People, ohchr: Source, who: str) -> None:
    figure = record(people.case, date(2022, 3, 6))
    login_verified(client, people.by_name(who))

    responses = [
        client.get(listing(people.case)),
        client.post(listing(people.case), ohchr_figure(ohchr), content_type="application/json"),
        client.get(detail(figure)),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]


def test_an_id_beyond_the_range_is_not_found(client: Client, people: People) -> None:
    login_verified(client, people.investigator)

    response = client.get(detail(2**70))

    assert (response.status_code, problem(response)["status"]) == (404, 404)


def test_the_series_is_ordered_by_as_of_and_filtered(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case)
    record(people.case, date(2022, 3, 4), killed=331)
    record(people.case, date(2022, 3, 3), killed=249)
    record(people.case, date(2022, 3, 6), killed=364)
    record(people.case, date(2022, 3, 5), killed=10, reporter="Ukrainian government")
    record(
        people.case,
        date(2022, 3, 6),
        killed=7,
        scope=CasualtyScope.INCIDENT,
        incident=incident,
        region_name="",
        reporter="Police",
    )
    record(people.other_member.case_memberships.get().case, date(2022, 3, 1), killed=999)
    login_verified(client, people.observer)

    def killed(**params: str) -> list[int]:
        response = client.get(listing(people.case), params)
        assert response.status_code == 200, response.content
        return [row["killed"] for row in response.json()["results"]]

    assert killed() == [249, 331, 10, 364, 7]
    assert killed(reporter="ohchr") == [249, 331, 364]
    assert killed(scope="incident") == [7]
    assert killed(incident=str(incident.pk)) == [7]
    assert killed(ordering="-as_of", reporter="OHCHR") == [364, 331, 249]


def test_the_list_pages_with_a_cursor_and_sparse_fields(client: Client, people: People) -> None:
    figures = [record(people.case, date(2022, 3, day), killed=day) for day in (3, 4, 6)]
    login_verified(client, people.investigator)

    first = client.get(listing(people.case), {"page_size": 2, "fields": "killed"}).json()
    second = client.get(first["next"]).json()

    assert first["results"] == [{"id": figures[0].pk, "killed": 3}, {"id": figures[1].pk, "killed": 4}]
    assert (second["results"], second["next"]) == ([{"id": figures[2].pk, "killed": 6}], None)


@pytest.mark.parametrize("rows", [1, 3])
def test_the_list_query_count_does_not_grow_with_figures(
    client: Client, people: People, django_assert_num_queries: Any, rows: int
) -> None:
    for day in range(1, rows + 1):
        original = record(people.case, date(2022, 3, day), recorded_by=people.lead)
        record(people.case, date(2022, 3, day), killed=2, supersedes=original, recorded_by=people.lead)
    login_verified(client, people.investigator)

    # user, second-factor device, roles, the case, the figures with who recorded them, their corrections
    with django_assert_num_queries(6):
        response = client.get(listing(people.case))

    assert len(response.json()["results"]) == rows * 2


def test_sparse_fields_shape_the_answer_but_not_what_is_written(client: Client, people: People, ohchr: Source) -> None:
    login_verified(client, people.investigator)

    created = client.post(f"{listing(people.case)}?fields=killed", ohchr_figure(ohchr), content_type="application/json")

    figure = CasualtyFigure.objects.get()
    assert (created.status_code, created.json()) == (201, {"id": figure.pk, "killed": 364})
    assert (figure.injured, figure.source) == (759, ohchr)
