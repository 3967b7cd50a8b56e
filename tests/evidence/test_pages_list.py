"""The evidence list page (/evidence/): need-to-know, filters, search, sorting, pages, and its CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.evidence.enums import EvidenceKind, ReviewStatus
from apps.evidence.models import EvidenceItem, IncidentLink
from tests.factories import CaseFactory, EvidenceItemFactory, IncidentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/evidence/"
CSV = "/evidence/export.csv"
SHA256 = "sha256:" + "ab" * 32


def assert_no_inline_code(content: str) -> None:
    scripts = re.findall(r"<script\b[^>]*>", content)
    assert [tag for tag in scripts if "src=" not in tag and 'type="application/json"' not in tag] == []
    assert re.findall(r"<style\b", content) == []
    assert re.findall(r"\sstyle=", content) == []
    assert re.findall(r"\son[a-z]+=", content) == []


@pytest.fixture
def case(db: None) -> Case:
    return CaseFactory(reference="UA-2022-0001")


@pytest.fixture
def investigator(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.INVESTIGATOR, user__username="alice").user


@pytest.fixture
def items(case: Case) -> list[EvidenceItem]:
    return [
        EvidenceItemFactory(
            case=case, number=1, original_filename="irpin-fires.jpg", size_bytes=300, caption="Fires in Irpin"
        ),
        EvidenceItemFactory(
            case=case,
            number=2,
            kind=EvidenceKind.VIDEO,
            original_filename="bridge.mp4",
            size_bytes=100,
            review_status=ReviewStatus.APPROVED,
        ),
        EvidenceItemFactory(
            case=case, number=3, original_filename="witness.jpg", size_bytes=200, reveals_witness_identity=True
        ),
    ]


def _references(client: Client, query: str = "") -> list[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return re.findall(r'<th scope="row"><a href="/evidence/[0-9a-f-]+/">([^<]+)</a></th>', response.content.decode())


def test_the_list_shows_the_items_of_the_users_cases_only(
    client: Client, items: list[EvidenceItem], investigator: User
) -> None:
    EvidenceItemFactory(case=CaseFactory(reference="OTHER"), number=1)
    client.force_login(investigator)

    assert sorted(_references(client)) == ["UA-2022-0001/E0001", "UA-2022-0001/E0002", "UA-2022-0001/E0003"]


def test_observers_do_not_see_items_that_reveal_a_witness(
    client: Client, items: list[EvidenceItem], case: Case
) -> None:
    client.force_login(MembershipFactory(case=case, role=CaseRole.OBSERVER).user)

    assert sorted(_references(client)) == ["UA-2022-0001/E0001", "UA-2022-0001/E0002"]


def test_outsiders_see_an_empty_list_and_anonymous_visitors_are_sent_to_sign_in(
    client: Client, items: list[EvidenceItem]
) -> None:
    assert client.get(LIST).status_code == 302
    assert client.get(CSV).status_code == 302
    client.force_login(UserFactory())
    assert _references(client) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?kind=video", ["UA-2022-0001/E0002"]),
        ("?review_status=approved", ["UA-2022-0001/E0002"]),
        ("?review_status=submitted&ordering=number", ["UA-2022-0001/E0001", "UA-2022-0001/E0003"]),
        ("?search=irpin", ["UA-2022-0001/E0001"]),
        ("?search=UA-2022-0001/E0003", ["UA-2022-0001/E0003"]),
        ("?reveals_witness_identity=true", ["UA-2022-0001/E0003"]),
        ("?ordering=size", ["UA-2022-0001/E0002", "UA-2022-0001/E0003", "UA-2022-0001/E0001"]),
        ("?ordering=-size", ["UA-2022-0001/E0001", "UA-2022-0001/E0003", "UA-2022-0001/E0002"]),
        ("?ordering=-number", ["UA-2022-0001/E0003", "UA-2022-0001/E0002", "UA-2022-0001/E0001"]),
    ],
)
def test_filters_search_and_sorting(
    client: Client, items: list[EvidenceItem], investigator: User, query: str, expected: list[str]
) -> None:
    client.force_login(investigator)

    assert _references(client, query) == expected


def test_the_case_filter_offers_the_users_cases_and_refuses_others(
    client: Client, items: list[EvidenceItem], case: Case, investigator: User
) -> None:
    other = CaseFactory(reference="OTHER")
    second = CaseFactory(reference="UA-2022-0002")
    MembershipFactory(case=second, user=investigator)
    EvidenceItemFactory(case=second, number=9)
    client.force_login(investigator)

    content = client.get(LIST).content.decode()
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]+)</option>', content.split('name="case"', 1)[1])
    assert [label for _value, label in options[:3]] == ["---------", str(case), str(second)]
    assert _references(client, f"?case={second.pk}") == ["UA-2022-0002/E0009"]
    refused = client.get(f"{LIST}?case={other.pk}").content.decode()
    assert "Select a valid choice. That choice is not one of the available choices." in refused


def test_items_collected_within_a_time_range(client: Client, case: Case, investigator: User) -> None:
    EvidenceItemFactory(case=case, number=1, collected_at=datetime(2022, 3, 5, 20, 0, tzinfo=UTC))
    EvidenceItemFactory(case=case, number=2, collected_at=datetime(2022, 3, 6, 9, 0, tzinfo=UTC))
    client.force_login(investigator)

    # Read in Kyiv time (UTC+2): 6 March 00:00 to 7 March 00:00.
    assert _references(client, "?collected_after=2022-03-06T00%3A00&collected_before=2022-03-07T00%3A00") == [
        "UA-2022-0001/E0002"
    ]


def test_items_linked_to_an_incident(client: Client, items: list[EvidenceItem], case: Case, investigator: User) -> None:
    incident = IncidentFactory(case=case, title="Shelling of Irpin")
    IncidentLink.objects.create(item=items[1], incident=incident)
    client.force_login(investigator)

    content = client.get(f"{LIST}?incident={incident.pk}").content.decode()

    assert re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', content) == ["UA-2022-0001/E0002"]
    assert "<td>Shelling of Irpin</td>" in content


def test_pages_of_the_list(
    client: Client, items: list[EvidenceItem], investigator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("apps.evidence.views.LIST_PAGE_SIZE", 2)
    client.force_login(investigator)

    first = client.get(f"{LIST}?ordering=number").content.decode()
    second = _references(client, "?ordering=number&page=2")

    assert re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>', first) == [
        "UA-2022-0001/E0001",
        "UA-2022-0001/E0002",
    ]
    assert '<a href="?ordering=number&amp;page=2" rel="next">Next</a>' in first
    assert "Page 1 of 2" in first
    assert second == ["UA-2022-0001/E0003"]


def test_the_page_has_labelled_filters_sort_links_and_no_inline_code(
    client: Client, items: list[EvidenceItem], investigator: User
) -> None:
    client.force_login(investigator)

    content = client.get(f"{LIST}?ordering=size&kind=image").content.decode()

    for name in ("search", "case", "kind", "review_status", "processing_status", "integrity_status", "ordering"):
        assert f'<label for="id_{name}">' in content, name
    assert (
        '<th scope="col" aria-sort="ascending"><a class="sort-link" href="?ordering=-size&amp;kind=image">Size</a></th>'
        in content
    )
    assert '<a href="/evidence/export.csv?ordering=size&amp;kind=image" data-testid="csv-download">' in content
    assert_no_inline_code(content)


# --- CSV ---------------------------------------------------------------------------------------------


def _csv(client: Client, query: str = "") -> list[list[str]]:
    response = client.get(CSV + query)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="evidence-\d{8}-\d{6}\.csv"', response["Content-Disposition"])
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_csv_has_every_row_of_the_filtered_list(
    client: Client, items: list[EvidenceItem], case: Case, investigator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("apps.evidence.views.LIST_PAGE_SIZE", 1)  # pages do not limit the CSV
    item = items[0]
    item.sha256 = SHA256
    item.collector_name = "Olena K."
    item.collected_at = datetime(2022, 3, 6, 8, 30, tzinfo=UTC)
    item.save()
    incident = IncidentFactory(case=case, title="Shelling of Irpin")
    IncidentLink.objects.create(item=item, incident=incident)
    client.force_login(investigator)

    rows = _csv(client, "?ordering=number&review_status=submitted")

    assert rows == [
        [
            "id",
            "reference",
            "case",
            "filename",
            "kind",
            "size (bytes)",
            "SHA-256",
            "processing status",
            "review status",
            "integrity",
            "collected at (UTC)",
            "collector",
            "incidents",
        ],
        [
            str(item.pk),
            "UA-2022-0001/E0001",
            "UA-2022-0001",
            "irpin-fires.jpg",
            "image",
            "300",
            SHA256,
            "received",
            "submitted",
            "unchecked",
            "2022-03-06T08:30:00+00:00",
            "Olena K.",
            "Shelling of Irpin",
        ],
        [str(items[2].pk), "UA-2022-0001/E0003", "UA-2022-0001", "witness.jpg", "image", "200", "", "received",
         "submitted", "unchecked", "", "", ""],
    ]  # fmt: skip


def test_the_csv_neutralises_formulas_and_hides_collectors_from_observers(
    client: Client, case: Case, investigator: User
) -> None:
    EvidenceItemFactory(case=case, number=1, original_filename='=HYPERLINK("http://x")', collector_name="Olena K.")
    client.force_login(MembershipFactory(case=case, role=CaseRole.OBSERVER).user)

    rows = _csv(client)

    assert (rows[1][3], rows[1][11]) == ('\'=HYPERLINK("http://x")', "")


@pytest.mark.parametrize("count", [1, 3])
def test_the_list_and_the_csv_take_a_constant_number_of_queries(
    client: Client, case: Case, investigator: User, django_assert_num_queries: Any, count: int
) -> None:
    for number in range(count):
        item = EvidenceItemFactory(case=case, number=number + 1)
        IncidentLink.objects.create(item=item, incident=IncidentFactory(case=case))
    client.force_login(investigator)

    # user, the user's roles, count, integrity banner, unread notifications, the case choices,
    # the page, its incidents
    with django_assert_num_queries(8):
        client.get(LIST)
    # user, the user's roles (which also say where identities may be searched), the rows (one chunk),
    # their incidents
    with django_assert_num_queries(4):
        _csv(client)
