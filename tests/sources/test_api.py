"""The sources API: list, filters, search, create, read, change; witness identity hidden from observers."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.apitokens.enums import TokenAccess
from apps.cases.enums import CaseStatus
from apps.sources.enums import SourceReliability, SourceType
from apps.sources.models import Source
from tests.accounts.helpers import login_verified
from tests.cases.conftest import People
from tests.factories import CaseFactory, MembershipFactory, SourceFactory
from tests.incidents.test_api import CLOSED_REASON, ROLE_REASON, make_people, token_headers
from tests.problems import field_errors, problem

pytestmark = pytest.mark.django_db

LIST = reverse("api:source-list")
DATETIME_FORMAT_ERROR = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
WITNESS_REFUSAL = "Your role in this case does not see witness identities, so it cannot set them."


@pytest.fixture
def people(db: None) -> People:
    return make_people()


def detail(source: Source) -> str:
    return reverse("api:source-detail", kwargs={"source_id": source.pk})


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def witness(case: Any, **values: Any) -> Source:
    return SourceFactory(
        case=case,
        source_type=SourceType.WITNESS_ACCOUNT,
        title="Resident of Irpin",
        publisher="",
        witness_name="Olena K.",
        witness_contact="+380 00 000 0000",
        **values,
    )


STATEMENT = {
    "source_type": "official_statement",
    "title": "Press conference of the NATO Secretary General",
    "publisher": "NATO",
    "author": "Jens Stoltenberg",
    "url": "https://www.nato.int/cps/en/natohq/opinions_192739.htm",
    "language": "en",
    "published_at": "2022-03-07T10:00:00Z",
    "reliability": "reliable",
    "notes": "Relayed by CNN.",
}


@pytest.mark.parametrize("role", ["investigator", "lead"])
def test_a_contributor_records_a_source(client: Client, people: People, role: str) -> None:
    user = people.by_name(role)
    login_verified(client, user)

    response = client.post(LIST, {**STATEMENT, "case": str(people.case.pk)}, content_type="application/json")

    assert response.status_code == 201, response.content
    source = Source.objects.get()
    body = response.json()
    assert body == {
        "id": str(source.pk),
        "case": str(people.case.pk),
        "source_type": "official_statement",
        "title": "Press conference of the NATO Secretary General",
        "publisher": "NATO",
        "author": "Jens Stoltenberg",
        "url": "https://www.nato.int/cps/en/natohq/opinions_192739.htm",
        "language": "en",
        "published_at": "2022-03-07T10:00:00Z",
        "retrieved_at": None,
        "reliability": "reliable",
        "notes": "Relayed by CNN.",
        "witness_name": "",
        "witness_contact": "",
        "created_by": user.username,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert source.created_by == user


def test_an_investigator_records_a_witness(client: Client, people: People) -> None:
    login_verified(client, people.investigator)
    data = {
        "case": str(people.case.pk),
        "source_type": "witness_account",
        "title": "Resident",
        "witness_name": "Olena K.",
        "witness_contact": "Signal",
    }

    response = client.post(LIST, data, content_type="application/json")

    assert (response.status_code, response.json()["witness_name"]) == (201, "Olena K.")
    assert Source.objects.get().witness_contact == "Signal"


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"source_type": "rumour"}, {"source_type": ['"rumour" is not a valid choice.']}),
        ({"reliability": "sure"}, {"reliability": ['"sure" is not a valid choice.']}),
        ({"url": "not a url"}, {"url": ["Enter a valid URL."]}),
        (
            {"published_at": "March"},
            {"published_at": [DATETIME_FORMAT_ERROR]},
        ),
    ],
)
def test_invalid_sources_are_refused_with_field_errors(
    client: Client, people: People, change: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    login_verified(client, people.investigator)

    response = client.post(LIST, {**STATEMENT, "case": str(people.case.pk), **change}, content_type="application/json")

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert not Source.objects.exists()


def test_the_case_must_be_ones_own(client: Client, people: People) -> None:
    foreign = people.other_member.case_memberships.get().case
    login_verified(client, people.investigator)

    response = client.post(LIST, {**STATEMENT, "case": str(foreign.pk)}, content_type="application/json")

    assert field_errors(response) == {"case": ["No case with this id among your cases."]}


@pytest.mark.parametrize("role", ["reviewer", "observer"])
def test_members_who_do_not_contribute_cannot_record_sources(client: Client, people: People, role: str) -> None:
    login_verified(client, people.by_name(role))

    response = client.post(LIST, {**STATEMENT, "case": str(people.case.pk)}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, ROLE_REASON)


def test_an_observer_writing_witness_identity_is_refused(client: Client, people: People) -> None:
    login_verified(client, people.observer)

    response = client.post(
        LIST, {**STATEMENT, "case": str(people.case.pk), "witness_name": "Someone"}, content_type="application/json"
    )

    assert (response.status_code, problem(response)["detail"]) == (403, WITNESS_REFUSAL)
    assert not Source.objects.exists()


def test_an_observer_changing_witness_identity_is_refused(client: Client, people: People) -> None:
    source = witness(people.case)
    login_verified(client, people.observer)

    response = client.patch(detail(source), {"witness_contact": "leaked"}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, WITNESS_REFUSAL)
    assert Source.objects.get().witness_contact == "+380 00 000 0000"


def test_a_closed_case_accepts_no_source(client: Client, people: People) -> None:
    people.case.status = CaseStatus.CLOSED
    people.case.save(update_fields=["status"])
    login_verified(client, people.investigator)

    response = client.post(LIST, {**STATEMENT, "case": str(people.case.pk)}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, CLOSED_REASON)


def test_a_read_token_cannot_record_a_source(client: Client, people: People) -> None:
    response = client.post(
        LIST,
        {**STATEMENT, "case": str(people.case.pk)},
        content_type="application/json",
        headers=token_headers(people, TokenAccess.READ),
    )

    assert response.status_code == 403


# --- Witness identity ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["investigator", "reviewer", "lead"])
def test_roles_with_the_right_see_witness_identity(client: Client, people: People, role: str) -> None:
    source = witness(people.case)
    login_verified(client, people.by_name(role))

    listed = client.get(LIST).json()["results"][0]
    one = client.get(detail(source)).json()

    for body in (listed, one):
        assert (body["witness_name"], body["witness_contact"]) == ("Olena K.", "+380 00 000 0000")


def test_an_observer_never_sees_witness_identity(client: Client, people: People) -> None:
    source = witness(people.case)
    login_verified(client, people.observer)

    listed = client.get(LIST).json()["results"][0]
    one = client.get(detail(source)).json()
    asked_for = client.get(detail(source), {"fields": "title,witness_name,witness_contact"}).json()

    for body in (listed, one):
        assert "witness_name" not in body
        assert "witness_contact" not in body
        assert body["title"] == "Resident of Irpin"
    assert asked_for == {"id": str(source.pk), "title": "Resident of Irpin"}


def test_identity_follows_the_role_in_each_case(client: Client, people: People) -> None:
    """An observer of one case who investigates in another sees identities there only."""
    second = CaseFactory()
    MembershipFactory(case=second, user=people.observer)
    witness(people.case, notes="observed case")
    witness(second, notes="own case")
    login_verified(client, people.observer)

    rows = {row["notes"]: row for row in client.get(LIST).json()["results"]}

    assert "witness_name" not in rows["observed case"]
    assert rows["own case"]["witness_name"] == "Olena K."


def test_searching_by_witness_name_reveals_nothing(client: Client, people: People) -> None:
    witness(people.case)
    login_verified(client, people.observer)

    assert titles(client.get(LIST, {"search": "Olena"})) == []


# --- Read and change ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_a_source_of_another_case_answers_404(client: Client, people: People, who: str) -> None:
    source = SourceFactory(case=people.case, title="Report")
    login_verified(client, people.by_name(who))

    read = client.get(detail(source))
    changed = client.patch(detail(source), {"title": "Mine"}, content_type="application/json")

    assert (read.status_code, changed.status_code) == (404, 404)
    assert Source.objects.get().title == "Report"


def test_an_investigator_changes_a_source(client: Client, people: People) -> None:
    source = witness(people.case)
    login_verified(client, people.investigator)

    response = client.patch(
        detail(source), {"reliability": "somewhat_reliable", "witness_contact": ""}, content_type="application/json"
    )

    assert response.status_code == 200, response.content
    source.refresh_from_db()
    assert (source.reliability, source.witness_name, source.witness_contact) == ("somewhat_reliable", "Olena K.", "")
    assert (response.json()["reliability"], response.json()["witness_contact"]) == ("somewhat_reliable", "")


def test_a_change_is_validated(client: Client, people: People) -> None:
    source = SourceFactory(case=people.case)
    login_verified(client, people.investigator)

    response = client.patch(detail(source), {"url": "ftp:/broken", "title": ""}, content_type="application/json")

    assert field_errors(response) == {"url": ["Enter a valid URL."], "title": ["This field may not be blank."]}


def test_the_case_of_a_source_is_not_changed_here(client: Client, people: People) -> None:
    source = SourceFactory(case=people.case)
    second = CaseFactory()
    MembershipFactory(case=second, user=people.investigator)
    login_verified(client, people.investigator)

    response = client.patch(detail(source), {"case": str(second.pk)}, content_type="application/json")

    assert (response.status_code, response.json()["case"]) == (200, str(people.case.pk))


@pytest.mark.parametrize("role", ["reviewer", "observer"])
def test_members_who_do_not_contribute_cannot_change_sources(client: Client, people: People, role: str) -> None:
    source = SourceFactory(case=people.case, title="Report")
    login_verified(client, people.by_name(role))

    response = client.patch(detail(source), {"title": "Changed"}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, ROLE_REASON)
    assert Source.objects.get().title == "Report"


def test_a_source_of_a_closed_case_cannot_be_changed(client: Client, people: People) -> None:
    source = SourceFactory(case=people.case, title="Report")
    people.case.status = CaseStatus.CLOSED
    people.case.save(update_fields=["status"])
    login_verified(client, people.investigator)

    response = client.patch(detail(source), {"title": "Changed"}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, CLOSED_REASON)


def test_a_read_token_cannot_change_a_source(client: Client, people: People) -> None:
    source = SourceFactory(case=people.case, title="Report")

    response = client.patch(
        detail(source),
        {"title": "Changed"},
        content_type="application/json",
        headers=token_headers(people, TokenAccess.READ),
    )

    assert response.status_code == 403
    assert Source.objects.get().title == "Report"


# --- List, filters, search, pages ---------------------------------------------------------


def test_the_list_holds_the_sources_of_ones_cases_newest_first(client: Client, people: People) -> None:
    SourceFactory(case=people.case, title="First")
    SourceFactory(case=people.case, title="Second")
    SourceFactory(case=people.other_member.case_memberships.get().case, title="Elsewhere")
    login_verified(client, people.observer)

    assert titles(client.get(LIST)) == ["Second", "First"]
    assert titles(client.get(LIST, {"ordering": "title"})) == ["First", "Second"]


def test_an_outsider_gets_an_empty_list(client: Client, people: People) -> None:
    SourceFactory(case=people.case)
    login_verified(client, people.outsider)

    assert titles(client.get(LIST)) == []


def test_the_filters(client: Client, people: People) -> None:
    second = CaseFactory()
    MembershipFactory(case=second, user=people.investigator)
    SourceFactory(
        case=people.case, title="UN", source_type=SourceType.UN_NGO_REPORT, reliability=SourceReliability.RELIABLE
    )
    SourceFactory(case=people.case, title="Post", source_type=SourceType.SOCIAL_MEDIA_POST)
    SourceFactory(case=second, title="News", source_type=SourceType.NEWS_REPORT, reliability=SourceReliability.RELIABLE)
    login_verified(client, people.investigator)

    assert sorted(titles(client.get(LIST, {"case": str(people.case.pk)}))) == ["Post", "UN"]
    assert titles(client.get(LIST, {"source_type": "social_media_post"})) == ["Post"]
    assert sorted(titles(client.get(f"{LIST}?source_type=news_report&source_type=un_ngo_report"))) == ["News", "UN"]
    assert sorted(titles(client.get(LIST, {"reliability": "reliable"}))) == ["News", "UN"]
    assert list(field_errors(client.get(LIST, {"reliability": "sure"}))) == ["reliability"]


def test_search_looks_through_title_publisher_author_and_notes(client: Client, people: People) -> None:
    SourceFactory(case=people.case, title="Civilian casualty update", publisher="OHCHR")
    SourceFactory(case=people.case, title="Press conference", publisher="NATO", author="Jens Stoltenberg")
    SourceFactory(case=people.case, title="Article", publisher="CNN", notes="Quotes the NATO Secretary General")
    login_verified(client, people.investigator)

    assert titles(client.get(LIST, {"search": "ohchr"})) == ["Civilian casualty update"]
    assert sorted(titles(client.get(LIST, {"search": "nato"}))) == ["Article", "Press conference"]
    assert titles(client.get(LIST, {"search": "stoltenberg"})) == ["Press conference"]
    assert titles(client.get(LIST, {"search": "nato -cnn"})) == ["Press conference"]
    if connection.vendor == "postgresql":
        assert titles(client.get(LIST, {"search": '"secretary general"'})) == ["Article"]


def test_the_list_pages_with_a_cursor(client: Client, people: People) -> None:
    for number in range(3):
        SourceFactory(case=people.case, title=f"Report {number}")
    login_verified(client, people.investigator)

    first = client.get(LIST, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [row["title"] for row in first["results"]] == ["Report 2", "Report 1"]
    assert ([row["title"] for row in second["results"]], second["next"]) == (["Report 0"], None)


@pytest.mark.parametrize("rows", [1, 3])
def test_the_list_query_count_does_not_grow_with_sources(
    client: Client, people: People, django_assert_num_queries: Any, rows: int
) -> None:
    for _number in range(rows):
        witness(people.case, created_by=people.lead)
    login_verified(client, people.observer)

    # user, second-factor device, roles, the sources with their cases and creators
    with django_assert_num_queries(4):
        response = client.get(LIST)

    assert len(response.json()["results"]) == rows


def test_sparse_fields_shape_the_answer_but_not_what_is_written(client: Client, people: People) -> None:
    source = SourceFactory(case=people.case, title="Report")
    login_verified(client, people.investigator)

    response = client.patch(
        f"{detail(source)}?fields=title", {"title": "Update", "author": "OHCHR staff"}, content_type="application/json"
    )

    assert response.json() == {"id": str(source.pk), "title": "Update"}
    source.refresh_from_db()
    assert (source.title, source.author) == ("Update", "OHCHR staff")
