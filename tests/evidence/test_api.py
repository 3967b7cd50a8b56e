"""GET /api/v1/evidence/, GET and PATCH /api/v1/evidence/<id>/: items of the user's cases, need-to-know first."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.apitokens.enums import TokenAccess
from apps.cases.enums import CaseStatus
from apps.cases.models import Case
from apps.custody.enums import CustodyAction
from apps.evidence.enums import ConsentStatus, EvidenceKind, IntegrityStatus, ProcessingStatus, ReviewStatus
from apps.evidence.models import Derivative, EvidenceItem, PossibleDuplicate
from apps.evidence.services import evidence_import_file, evidence_link_incident
from tests.accounts.helpers import login_verified
from tests.apitokens.conftest import issue
from tests.factories import CaseFactory, EvidenceItemFactory, IncidentFactory, MembershipFactory, UserFactory
from tests.problems import field_errors, problem

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/evidence/"
JSON = "application/json"
SHA256 = "sha256:" + "ab" * 32
SHA512 = "sha512:" + "cd" * 64


@dataclass
class People:
    case: Case
    other_case: Case
    investigator: User
    reviewer: User
    lead: User
    observer: User
    other_member: User
    outsider: User


@pytest.fixture
def people(db: None) -> People:
    case = CaseFactory(reference="UA-2022-0001")
    other_case = CaseFactory(reference="UA-2022-0002")

    def member(role: CaseRole, name: str, in_case: Case = case) -> User:
        return MembershipFactory(case=in_case, role=role, user__username=name).user

    return People(
        case=case,
        other_case=other_case,
        investigator=member(CaseRole.INVESTIGATOR, "ivan"),
        reviewer=member(CaseRole.REVIEWER, "rita"),
        lead=member(CaseRole.LEAD, "lena"),
        observer=member(CaseRole.OBSERVER, "oleh"),
        other_member=member(CaseRole.LEAD, "bob", other_case),
        outsider=UserFactory(username="charlie"),
    )


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """No password is checked here (sessions are forced); Argon2 for eight users per test would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def as_json_time(value: datetime | None) -> str:
    """A time as the API writes it (in UTC, ISO 8601)."""
    with timezone.override(UTC):
        text: str = serializers.DateTimeField().to_representation(value)
    return text


def sign_in(client: Client, user: User) -> None:
    login_verified(client, user)


def make_item(case: Case, **fields: Any) -> EvidenceItem:
    item: EvidenceItem = EvidenceItemFactory(case=case, **fields)
    return item


def detail_url(item: EvidenceItem) -> str:
    return reverse("api:evidence-detail", args=[item.pk])


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [entry["id"] for entry in response.json()["results"]]


def test_the_routes_live_under_api_v1(people: People) -> None:
    item = make_item(people.case)

    assert (reverse("api:evidence-list"), detail_url(item)) == (LIST_URL, f"/api/v1/evidence/{item.pk}/")


# --- The list -----------------------------------------------------------------------------


def test_the_list_holds_the_items_of_the_users_cases_newest_first(client: Client, people: People) -> None:
    first, second = make_item(people.case), make_item(people.case)
    make_item(people.other_case)
    sign_in(client, people.investigator)

    response = client.get(LIST_URL)

    assert ids(response) == [str(second.pk), str(first.pk)]
    assert response.json()["next"] is None


def test_a_list_entry_says_what_the_item_is(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case)
    item = make_item(
        people.case,
        number=7,
        original_filename="crater.jpg",
        size_bytes=2048,
        declared_content_type="image/jpeg",
        detected_content_type="image/jpeg",
        sha256=SHA256,
        sha512=SHA512,
        processing_status=ProcessingStatus.ARCHIVED,
        caption="The crater",
        description="Photo of the impact crater",
        collector_name="Olena K.",
        collected_at=datetime(2022, 3, 6, 8, 30, tzinfo=UTC),
    )
    evidence_link_incident(item=item, incident=incident, actor_system="system:test/1")
    sign_in(client, people.investigator)

    entry = client.get(LIST_URL).json()["results"][0]

    item.refresh_from_db()
    assert entry == {
        "id": str(item.pk),
        "reference": "UA-2022-0001/E0007",
        "case": str(people.case.pk),
        "number": 7,
        "kind": "image",
        "original_filename": "crater.jpg",
        "size_bytes": 2048,
        "declared_content_type": "image/jpeg",
        "detected_content_type": "image/jpeg",
        "sha256": SHA256,
        "sha512": SHA512,
        "processing_status": "archived",
        "review_status": "submitted",
        "integrity_status": "unchecked",
        "is_graphic": False,
        "contains_personal_data": False,
        "reveals_witness_identity": False,
        "consent_status": "unknown",
        "caption": "The crater",
        "description": "Photo of the impact crater",
        "collector_name": "Olena K.",
        "collected_at": as_json_time(item.collected_at),
        "incidents": [str(incident.pk)],
        "created_at": as_json_time(item.created_at),
        "updated_at": as_json_time(item.updated_at),
    }


def test_observers_do_not_get_identity_restricted_items_nor_who_collected_an_item(
    client: Client, people: People
) -> None:
    plain = make_item(people.case, collector_name="Olena K.")
    make_item(people.case, reveals_witness_identity=True)
    make_item(people.case, consent_status=ConsentStatus.REFUSED)
    sign_in(client, people.observer)

    response = client.get(LIST_URL)

    assert ids(response) == [str(plain.pk)]
    assert response.json()["results"][0]["collector_name"] is None
    assert client.get(LIST_URL, {"reveals_witness_identity": "true"}).json()["results"] == []


def test_the_other_roles_get_every_item_and_who_collected_it(client: Client, people: People) -> None:
    items = [make_item(people.case, collector_name="Olena K."), make_item(people.case, reveals_witness_identity=True)]

    for user in (people.investigator, people.reviewer, people.lead):
        sign_in(client, user)
        response = client.get(LIST_URL)
        assert sorted(ids(response)) == sorted(str(item.pk) for item in items)
        assert {entry["collector_name"] for entry in response.json()["results"]} == {"Olena K.", ""}


def test_outsiders_get_an_empty_list_and_anonymous_visitors_401(client: Client, people: People) -> None:
    make_item(people.case)
    assert problem(client.get(LIST_URL))["status"] == 401
    sign_in(client, people.outsider)

    assert ids(client.get(LIST_URL)) == []


def test_a_token_lists_only_its_own_cases(client: Client, people: People) -> None:
    MembershipFactory(case=people.other_case, user=people.investigator, role=CaseRole.INVESTIGATOR)
    mine = make_item(people.case)
    make_item(people.other_case)
    token = issue(people.investigator, [people.case])

    response = client.get(LIST_URL, headers=token.headers)

    assert ids(response) == [str(mine.pk)]


def test_filters_by_case_incident_kind_statuses_and_sensitivity(client: Client, people: People) -> None:
    MembershipFactory(case=people.other_case, user=people.investigator, role=CaseRole.INVESTIGATOR)
    incident = IncidentFactory(case=people.case)
    photo = make_item(people.case, kind=EvidenceKind.IMAGE, is_graphic=True)
    video = make_item(
        people.case,
        kind=EvidenceKind.VIDEO,
        review_status=ReviewStatus.APPROVED,
        processing_status=ProcessingStatus.ARCHIVED,
        integrity_status=IntegrityStatus.INTACT,
        contains_personal_data=True,
        consent_status=ConsentStatus.OBTAINED,
    )
    witness = make_item(people.case, kind=EvidenceKind.DOCUMENT, reveals_witness_identity=True)
    elsewhere = make_item(people.other_case, kind=EvidenceKind.PHYSICAL)
    evidence_link_incident(item=video, incident=incident, actor_system="system:test/1")
    sign_in(client, people.investigator)

    def found(**params: str) -> set[str]:
        return set(ids(client.get(LIST_URL, params)))

    assert found(case=str(people.other_case.pk)) == {str(elsewhere.pk)}
    assert found(incident=str(incident.pk)) == {str(video.pk)}
    assert found(kind="image") == {str(photo.pk)}
    assert found(review_status="approved") == {str(video.pk)}
    assert found(processing_status="archived") == {str(video.pk)}
    assert found(integrity_status="intact") == {str(video.pk)}
    assert found(consent_status="obtained") == {str(video.pk)}
    assert found(is_graphic="true") == {str(photo.pk)}
    assert found(contains_personal_data="true") == {str(video.pk)}
    assert found(reveals_witness_identity="true") == {str(witness.pk)}
    assert found(reveals_witness_identity="false", case=str(people.case.pk)) == {str(photo.pk), str(video.pk)}


def test_filters_by_when_collected_and_when_uploaded(client: Client, people: People) -> None:
    early = make_item(people.case, collected_at=datetime(2022, 3, 1, tzinfo=UTC))
    late = make_item(people.case, collected_at=datetime(2022, 3, 9, tzinfo=UTC))
    EvidenceItem.objects.filter(pk=early.pk).update(created_at=datetime(2023, 1, 1, tzinfo=UTC))
    EvidenceItem.objects.filter(pk=late.pk).update(created_at=datetime(2023, 6, 1, tzinfo=UTC))
    sign_in(client, people.investigator)

    assert ids(client.get(LIST_URL, {"collected_after": "2022-03-05T00:00:00Z"})) == [str(late.pk)]
    assert ids(client.get(LIST_URL, {"collected_before": "2022-03-05T00:00:00Z"})) == [str(early.pk)]
    assert ids(client.get(LIST_URL, {"collected_after": "2022-03-09T00:00:00Z"})) == [str(late.pk)]
    assert ids(client.get(LIST_URL, {"collected_before": "2022-03-01T00:00:00Z"})) == []
    assert ids(client.get(LIST_URL, {"uploaded_after": "2023-03-01T00:00:00Z"})) == [str(late.pk)]
    assert ids(client.get(LIST_URL, {"uploaded_before": "2023-03-01T00:00:00Z"})) == [str(early.pk)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "hologram"}, "kind"),
        ({"case": "not-a-uuid"}, "case"),
        ({"collected_after": "last tuesday"}, "collected_after"),
        ({"uploaded_before": "yesterday"}, "uploaded_before"),
    ],
)
def test_invalid_filters_are_400_naming_the_field(
    client: Client, people: People, params: dict[str, str], field: str
) -> None:
    sign_in(client, people.investigator)

    response = client.get(LIST_URL, params)

    assert response.status_code == 400
    assert list(field_errors(response)) == [field]


def test_search_over_filename_caption_description_collector_and_reference(client: Client, people: People) -> None:
    crater = make_item(people.case, number=1, original_filename="IMG_0042.jpg", caption="Impact crater in Irpin")
    school = make_item(people.case, number=2, description="The school's east wall after the strike")
    collected = make_item(people.case, number=3, collector_name="Olena Kovalenko")
    sign_in(client, people.investigator)

    def found(query: str) -> set[str]:
        return set(ids(client.get(LIST_URL, {"search": query})))

    assert found("crater") == {str(crater.pk)}
    assert found("IMG_0042.jpg") == {str(crater.pk)}
    assert found("Irpin") == {str(crater.pk)}
    assert found("wall strike") == {str(school.pk)}
    assert found("Kovalenko") == {str(collected.pk)}
    assert found("UA-2022-0001/E0002") == {str(school.pk)}
    assert found("ua-2022-0001/e0003") == set()  # the E of a reference is a capital
    assert found("nothing-like-this") == set()
    assert found("") == {str(crater.pk), str(school.pk), str(collected.pk)}


def test_an_observer_cannot_find_items_by_who_collected_them(client: Client, people: People) -> None:
    collected = make_item(people.case, collector_name="Olena Kovalenko", caption="Shelter")
    sign_in(client, people.observer)

    assert ids(client.get(LIST_URL, {"search": "Kovalenko"})) == []
    assert ids(client.get(LIST_URL, {"search": "Shelter"})) == [str(collected.pk)]


def test_ordering_by_number_and_size_with_a_stable_tie_break(client: Client, people: People) -> None:
    MembershipFactory(case=people.other_case, user=people.investigator, role=CaseRole.INVESTIGATOR)
    small = make_item(people.case, number=1, size_bytes=10)
    big = make_item(people.case, number=2, size_bytes=1000)
    physical = make_item(people.other_case, number=1, size_bytes=None, kind=EvidenceKind.PHYSICAL)
    sign_in(client, people.investigator)

    by_number = ids(client.get(LIST_URL, {"ordering": "number"}))
    by_size = ids(client.get(LIST_URL, {"ordering": "-size_bytes"}))

    first_two = sorted([str(small.pk), str(physical.pk)])
    assert by_number == [*first_two, str(big.pk)]
    assert by_size == [str(big.pk), str(small.pk), str(physical.pk)]


def test_the_cursor_walks_every_item_once_even_when_values_tie(client: Client, people: People) -> None:
    MembershipFactory(case=people.other_case, user=people.investigator, role=CaseRole.INVESTIGATOR)
    items = [make_item(case, number=number) for number in range(1, 4) for case in (people.case, people.other_case)]
    sign_in(client, people.investigator)

    seen: list[str] = []
    url: str | None = f"{LIST_URL}?ordering=number&page_size=2"
    while url:
        page = client.get(url).json()
        seen.extend(entry["id"] for entry in page["results"])
        url = page["next"]

    assert sorted(seen) == sorted(str(item.pk) for item in items)
    assert len(seen) == 6


def test_sparse_fields(client: Client, people: People) -> None:
    item = make_item(people.case, number=4, sha256=SHA256)
    sign_in(client, people.investigator)

    response = client.get(LIST_URL, {"fields": "reference,sha256"})

    assert response.json()["results"] == [{"id": str(item.pk), "reference": "UA-2022-0001/E0004", "sha256": SHA256}]


@pytest.mark.parametrize("rows", [1, 3])
def test_the_list_query_count_does_not_grow_with_rows(
    client: Client, people: People, django_assert_num_queries: Any, rows: int
) -> None:
    incident = IncidentFactory(case=people.case)
    for _ in range(rows):
        item = make_item(people.case, caption="Shelling of the market")
        evidence_link_incident(item=item, incident=incident, actor_system="system:test/1")
    sign_in(client, people.lead)

    # user, second-factor device, roles, the page of items (with their cases), their incidents
    with django_assert_num_queries(5):
        response = client.get(LIST_URL, {"search": "market"})

    assert len(ids(response)) == rows


# --- One item -----------------------------------------------------------------------------------


def _archived_item(case: Case) -> EvidenceItem:
    item = evidence_import_file(
        case=case,
        stream=io.BytesIO(b"\xff\xd8\xff\xe0 a photo"),
        original_filename="crater.jpg",
        declared_content_type="image/jpeg",
        kind=EvidenceKind.IMAGE,
        actor_system="system:test/1",
        caption="The crater",
        collector_name="Olena K.",
    )
    Derivative.objects.create(
        item=item,
        kind="preview",
        blurred=False,
        storage_name="derivatives/x",
        sha256=SHA256,
        size_bytes=123,
        content_type="image/jpeg",
        width=640,
        height=480,
        tool="pillow",
    )
    return item


def test_the_detail_gives_the_whole_record_with_every_field_the_status_view_had(client: Client, people: People) -> None:
    item = _archived_item(people.case)
    item.processing_notes = "No EXIF."
    item.processing_steps = ["verify", "identify"]
    item.metadata = {"exif": {"Make": "Canon"}}
    item.save()
    incident = IncidentFactory(case=people.case, title="Shelling")
    evidence_link_incident(item=item, incident=incident, actor_system="system:test/1", note="same street")
    twin = make_item(people.case)
    PossibleDuplicate.objects.create(item=item, duplicate_of=twin, algorithm="phash", distance=3)
    sign_in(client, people.investigator)

    response = client.get(detail_url(item))

    assert response.status_code == 200
    body = response.json()
    item.refresh_from_db()
    assert {key: body[key] for key in ("id", "reference", "original_filename", "size_bytes", "sha256", "sha512")} == {
        "id": str(item.pk),
        "reference": item.reference,
        "original_filename": "crater.jpg",
        "size_bytes": item.size_bytes,
        "sha256": item.sha256,
        "sha512": item.sha512,
    }
    assert (
        body["processing_status"],
        body["detected_content_type"],
        body["processing_error"],
        body["processing_notes"],
        body["processing_steps"],
    ) == ("archived", "", "", "No EXIF.", ["verify", "identify"])
    assert (body["metadata"], body["review_status"], body["integrity_status"]) == (
        {"exif": {"Make": "Canon"}},
        "submitted",
        "unchecked",
    )
    assert (body["caption"], body["collector_name"], body["consent_status"], body["may_share_icc"]) == (
        "The crater",
        "Olena K.",
        "unknown",
        True,
    )
    assert body["derivatives"] == [
        {
            "kind": "preview",
            "blurred": False,
            "sha256": SHA256,
            "size_bytes": 123,
            "content_type": "image/jpeg",
            "width": 640,
            "height": 480,
            "url": f"http://testserver/api/v1/evidence/{item.pk}/derivatives/preview/",
        }
    ]
    assert body["incidents"] == [
        {
            "id": str(incident.pk),
            "title": "Shelling",
            "linked_at": body["incidents"][0]["linked_at"],
            "note": "same street",
        }
    ]
    assert body["possible_duplicates"] == [
        {"item": str(twin.pk), "reference": twin.reference, "algorithm": "phash", "distance": 3}
    ]
    assert "storage_name" not in body
    assert "quarantine_name" not in body


def test_reading_the_record_writes_no_custody_event_as_the_item_page_writes_none(
    client: Client, people: People
) -> None:
    item = _archived_item(people.case)
    before = list(item.custody_events.values_list("action", flat=True))
    sign_in(client, people.investigator)

    assert client.get(detail_url(item)).status_code == 200
    assert client.get(reverse("evidence:item_detail", args=[item.pk])).status_code == 200

    assert list(item.custody_events.values_list("action", flat=True)) == before == ["received", "archived"]


def test_an_observer_gets_no_collector_and_no_duplicate_they_may_not_see(client: Client, people: People) -> None:
    item = make_item(people.case, collector_name="Olena K.", collected_by=people.investigator)
    hidden = make_item(people.case, reveals_witness_identity=True)
    PossibleDuplicate.objects.create(item=item, duplicate_of=hidden, algorithm="phash", distance=1)
    sign_in(client, people.observer)

    body = client.get(detail_url(item)).json()

    assert (body["collector_name"], body["collected_by"], body["possible_duplicates"]) == (None, None, [])
    assert problem(client.get(detail_url(hidden)))["status"] == 404
    sign_in(client, people.reviewer)
    body = client.get(detail_url(item)).json()
    assert (body["collector_name"], body["collected_by"], len(body["possible_duplicates"])) == ("Olena K.", "ivan", 1)


def test_an_item_outside_the_users_cases_is_404_like_one_that_does_not_exist(client: Client, people: People) -> None:
    item = make_item(people.case)

    for user in (people.other_member, people.outsider):
        sign_in(client, user)
        assert problem(client.get(detail_url(item)))["status"] == 404
    assert (
        problem(client.get(reverse("api:evidence-detail", args=["00000000-0000-4000-8000-000000000000"])))["status"]
        == 404
    )
    client.logout()
    assert problem(client.get(detail_url(item)))["status"] == 401


def test_a_token_for_another_case_gets_404(client: Client, people: People) -> None:
    MembershipFactory(case=people.other_case, user=people.investigator, role=CaseRole.INVESTIGATOR)
    item = make_item(people.case)
    token = issue(people.investigator, [people.other_case])

    assert client.get(detail_url(item), headers=token.headers).status_code == 404


def test_sparse_fields_on_the_detail(client: Client, people: People) -> None:
    item = make_item(people.case, processing_status=ProcessingStatus.PROCESSING)
    sign_in(client, people.investigator)

    response = client.get(detail_url(item), {"fields": "processing_status"})

    assert response.json() == {"id": str(item.pk), "processing_status": "processing"}


def test_the_detail_query_count(client: Client, people: People, django_assert_num_queries: Any) -> None:
    item = _archived_item(people.case)
    evidence_link_incident(item=item, incident=IncidentFactory(case=people.case), actor_system="system:test/1")
    PossibleDuplicate.objects.create(item=item, duplicate_of=make_item(people.case), algorithm="phash", distance=3)
    sign_in(client, people.lead)

    # user, second-factor device, roles, the item (with its case and people), derivatives,
    # incident links with their incidents, possible duplicates with their items and cases
    with django_assert_num_queries(7):
        response = client.get(detail_url(item))

    assert response.status_code == 200


# --- Editing the description --------------------------------------------------------------------


def test_an_investigator_edits_their_own_draft_and_custody_records_before_and_after(
    client: Client, people: People
) -> None:
    item = make_item(people.case, uploaded_by=people.investigator, caption="old")
    sign_in(client, people.investigator)

    response = client.patch(
        detail_url(item),
        {"caption": "new", "is_graphic": True, "declared_latitude": "50.4501", "declared_longitude": "30.5234"},
        content_type=JSON,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["caption"], body["is_graphic"], body["declared_latitude"], body["last_edited_by"]) == (
        "new",
        True,
        "50.450100",
        "ivan",
    )
    event = item.custody_events.get()
    assert (event.action, event.actor_user) == (CustodyAction.METADATA_EDITED, people.investigator)
    assert event.details["changes"]["caption"] == {"before": "old", "after": "new"}
    assert event.details["changes"]["is_graphic"] == {"before": False, "after": True}


def test_a_patch_that_changes_nothing_writes_no_custody(client: Client, people: People) -> None:
    item = make_item(people.case, caption="same")
    sign_in(client, people.lead)

    response = client.patch(detail_url(item), {"caption": "same"}, content_type=JSON)

    assert response.status_code == 200
    assert item.custody_events.count() == 0


def test_facts_of_the_item_cannot_be_written(client: Client, people: People) -> None:
    item = make_item(people.case, sha256=SHA256, original_filename="a.jpg", size_bytes=5)
    sign_in(client, people.lead)

    response = client.patch(
        detail_url(item),
        {
            "sha256": "sha256:" + "00" * 32,
            "original_filename": "b.jpg",
            "size_bytes": 6,
            "storage_name": "elsewhere",
            "processing_status": "archived",
            "review_status": "approved",
            "caption": "ok",
        },
        content_type=JSON,
    )

    assert response.status_code == 200
    item.refresh_from_db()
    assert (item.sha256, item.original_filename, item.size_bytes, item.storage_name) == (SHA256, "a.jpg", 5, "")
    assert (item.processing_status, item.review_status, item.caption) == ("received", "submitted", "ok")
    assert list(item.custody_events.get().details["changes"]) == ["caption"]


def test_invalid_values_are_400_with_field_errors_and_change_nothing(client: Client, people: People) -> None:
    item = make_item(people.case, caption="old")
    sign_in(client, people.lead)

    response = client.patch(
        detail_url(item),
        {"consent_status": "maybe", "declared_latitude": "91", "credit_line": "x" * 501, "caption": "new"},
        content_type=JSON,
    )

    assert response.status_code == 400
    assert sorted(field_errors(response)) == ["consent_status", "credit_line", "declared_latitude"]
    item.refresh_from_db()
    assert item.caption == "old"
    assert item.custody_events.count() == 0


def test_a_half_given_point_is_refused_by_the_models_rules(client: Client, people: People) -> None:
    item = make_item(people.case)
    sign_in(client, people.lead)

    response = client.patch(detail_url(item), {"declared_latitude": "50.45"}, content_type=JSON)

    assert response.status_code == 400
    assert problem(response)["errors"]
    assert item.custody_events.count() == 0


@pytest.mark.parametrize(
    ("role", "reason"),
    [
        ("observer", "Your role in this case does not change evidence."),
        ("reviewer", "Your role in this case does not change evidence."),
        (
            "investigator",
            (
                "Investigators change only items they uploaded or collected, and only before review starts "
                "or while a reviewer asks for more information."
            ),
        ),
    ],
)
def test_members_who_may_not_edit_get_403_with_the_reason(
    client: Client, people: People, role: str, reason: str
) -> None:
    item = make_item(people.case, caption="old")  # uploaded by nobody: not the investigator's own draft
    sign_in(client, getattr(people, role))

    response = client.patch(detail_url(item), {"caption": "new"}, content_type=JSON)

    assert (response.status_code, problem(response)["detail"]) == (403, reason)
    item.refresh_from_db()
    assert item.caption == "old"


def test_an_investigators_item_in_review_is_no_longer_theirs_to_edit(client: Client, people: People) -> None:
    item = make_item(people.case, uploaded_by=people.investigator, review_status=ReviewStatus.IN_REVIEW)
    sign_in(client, people.investigator)

    assert client.patch(detail_url(item), {"caption": "new"}, content_type=JSON).status_code == 403


def test_a_closed_case_refuses_edits_even_from_its_lead(client: Client, people: People) -> None:
    item = make_item(people.case, caption="old")
    Case.objects.filter(pk=people.case.pk).update(status=CaseStatus.CLOSED)
    sign_in(client, people.lead)

    response = client.patch(detail_url(item), {"caption": "new"}, content_type=JSON)

    assert (response.status_code, problem(response)["detail"]) == (
        403,
        "This case is closed; its evidence can no longer be changed. A lead can reopen it.",
    )
    assert item.custody_events.count() == 0


def test_other_cases_and_outsiders_get_404_on_patch(client: Client, people: People) -> None:
    item = make_item(people.case)

    for user in (people.other_member, people.outsider):
        sign_in(client, user)
        assert client.patch(detail_url(item), {"caption": "x"}, content_type=JSON).status_code == 404


def test_a_read_token_may_not_patch_and_a_write_token_may(client: Client, people: People) -> None:
    item = make_item(people.case, caption="old")
    read = issue(people.lead, [people.case])
    write = issue(people.lead, [people.case], TokenAccess.WRITE)

    refused = client.patch(detail_url(item), {"caption": "new"}, content_type=JSON, headers=read.headers)
    accepted = client.patch(detail_url(item), {"caption": "new"}, content_type=JSON, headers=write.headers)

    assert problem(refused)["status"] == 403
    assert accepted.status_code == 200
    item.refresh_from_db()
    assert item.caption == "new"


def test_put_and_delete_are_not_offered(client: Client, people: People) -> None:
    item = make_item(people.case)
    sign_in(client, people.lead)

    assert client.put(detail_url(item), {}, content_type=JSON).status_code == 405
    assert client.delete(detail_url(item)).status_code == 405
    assert EvidenceItem.objects.filter(pk=item.pk).exists()
