"""The incidents API: list with filters, search, ordering and cursor pages; create; read; change.

The world (``make_people``) is one case with a member of each role, a lead
of another case, and an outsider; test_api_allegations.py and
test_api_casualty_figures.py build the same world.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.apitokens.enums import TokenAccess
from apps.apitokens.services import apitoken_create
from apps.cases.enums import CaseStatus
from apps.evidence.enums import ReviewStatus
from apps.evidence.models import IncidentLink
from apps.incidents.enums import VerificationStatus
from apps.incidents.models import Allegation, AllegedWeapon, Incident, IncidentType
from apps.weapons.models import WeaponType
from tests.accounts.helpers import login_verified
from tests.cases.conftest import People
from tests.factories import (
    CaseFactory,
    EvidenceItemFactory,
    IncidentFactory,
    MembershipFactory,
    SourceFactory,
    UserFactory,
)
from tests.problems import field_errors, problem

pytestmark = pytest.mark.django_db

LIST = reverse("api:incident-list")
CLOSED_REASON = "This case is closed; it accepts no changes. A lead can reopen it."
ROLE_REASON = "Only investigators and leads of this case add or change its records."


def make_people() -> People:
    """alice leads the case, rita reviews, ivan investigates, olga observes; mallory leads another case; oscar none.

    Users have no usable password (the tests sign them in directly; hashing six would dominate the run).
    """
    case = CaseFactory(reference="UA-2022-0001", title="Kyiv oblast")
    other_case = CaseFactory(reference="UA-2022-0002", title="Another case")

    def member(name: str, role: CaseRole, where: Any = case) -> Any:
        return MembershipFactory(case=where, role=role, user=UserFactory(username=name, password=None)).user

    return People(
        case=case,
        lead=member("alice", CaseRole.LEAD),
        reviewer=member("rita", CaseRole.REVIEWER),
        investigator=member("ivan", CaseRole.INVESTIGATOR),
        observer=member("olga", CaseRole.OBSERVER),
        other_member=member("mallory", CaseRole.LEAD, other_case),
        outsider=UserFactory(username="oscar", password=None),
    )


def token_headers(people: People, access: TokenAccess) -> dict[str, str]:
    _token, secret = apitoken_create(owner=people.investigator, name="script", cases=[people.case], access=access)
    return {"Authorization": f"Bearer {secret}"}


def allege(incident: Incident, *slugs: str) -> Allegation:
    allegation = Allegation.objects.create(
        case=incident.case,
        incident=incident,
        source=SourceFactory(case=incident.case),
        asserted_on=datetime(2022, 3, 7, tzinfo=UTC).date(),
        summary="Weapons used",
    )
    for slug in slugs:
        AllegedWeapon.objects.create(allegation=allegation, weapon_type=WeaponType.objects.get(slug=slug))
    return allegation


@pytest.fixture
def people(db: None) -> People:
    return make_people()


def detail(incident: Incident) -> str:
    return reverse("api:incident-detail", kwargs={"incident_id": incident.pk})


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["title"] for row in response.json()["results"]]


def at(day: int, hour: int = 8) -> datetime:
    return datetime(2022, 3, day, hour, 0, tzinfo=UTC)


IRPIN = {
    "title": "Fires in Irpin",
    "narrative": "Settlements of Irpin burning after attacks.",
    "start_at": "2022-03-06T00:00:00Z",
    "start_precision": "day",
    "place_name": "Irpin",
    "admin1": "Kyiv oblast",
    "admin2": "Bucha raion",
    "admin3": "Irpin urban hromada",
    "latitude": "50.521800",
    "longitude": "30.250600",
    "location_precision": "settlement",
    "incident_types": ["attack-on-civilian-objects", "shelling-artillery-missile"],
    "tags": ["shelling", "Irpin"],
}


# --- Create -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["investigator", "lead"])
def test_a_contributor_records_an_incident(client: Client, people: People, role: str) -> None:
    user = people.by_name(role)
    login_verified(client, user)

    response = client.post(LIST, {**IRPIN, "case": str(people.case.pk)}, content_type="application/json")

    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    body = response.json()
    assert body == {
        "id": str(incident.pk),
        "case": str(people.case.pk),
        "title": "Fires in Irpin",
        "narrative": "Settlements of Irpin burning after attacks.",
        "start_at": "2022-03-06T00:00:00Z",
        "start_precision": "day",
        "end_at": None,
        "end_precision": "exact",
        "place_name": "Irpin",
        "country_code": "UA",
        "admin1": "Kyiv oblast",
        "admin2": "Bucha raion",
        "admin3": "Irpin urban hromada",
        "latitude": "50.521800",
        "longitude": "30.250600",
        "location_precision": "settlement",
        "incident_types": ["attack-on-civilian-objects", "shelling-artillery-missile"],
        "tags": ["Irpin", "shelling"],
        "verification_status": "unverified",
        "allegation_count": 0,
        "evidence_count": 0,
        "created_by": user.username,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert (incident.created_by, incident.start_at, incident.latitude) == (
        user,
        datetime(2022, 3, 6, tzinfo=UTC),
        Decimal("50.521800"),
    )
    assert sorted(incident.tags.names()) == ["Irpin", "shelling"]


def test_the_verification_status_cannot_be_set_on_creation(client: Client, people: People) -> None:
    login_verified(client, people.lead)

    response = client.post(
        LIST,
        {
            "case": str(people.case.pk),
            "title": "Claimed",
            "start_at": "2022-03-06T08:00:00Z",
            "verification_status": "verified",
        },
        content_type="application/json",
    )

    assert (response.status_code, response.json()["verification_status"]) == (201, "unverified")
    assert Incident.objects.get().verification_status == VerificationStatus.UNVERIFIED


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"end_at": "2022-03-05T00:00:00Z"}, {"end_at": ["The end cannot be before the start."]}),
        ({"latitude": "50.5", "longitude": None}, {"longitude": ["Give both latitude and longitude, or neither."]}),
        ({"longitude": "30.25", "latitude": None}, {"latitude": ["Give both latitude and longitude, or neither."]}),
        ({"latitude": "95", "longitude": "30"}, {"latitude": ["Latitude must be between -90 and 90 degrees."]}),
        ({"incident_types": ["no-such-type"]}, {"incident_types": ["Object with code=no-such-type does not exist."]}),
        ({"start_precision": "century"}, {"start_precision": ['"century" is not a valid choice.']}),
        ({"title": ""}, {"title": ["This field may not be blank."]}),
    ],
)
def test_invalid_incidents_are_refused_with_field_errors(
    client: Client, people: People, change: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    login_verified(client, people.investigator)
    data = {**IRPIN, "case": str(people.case.pk), **change}

    response = client.post(LIST, data, content_type="application/json")

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert not Incident.objects.exists()


def test_a_tag_error_points_at_the_tag(client: Client, people: People) -> None:
    login_verified(client, people.investigator)

    response = client.post(
        LIST, {**IRPIN, "case": str(people.case.pk), "tags": ["ok", "x" * 101]}, content_type="application/json"
    )

    assert [(error["pointer"], error["detail"]) for error in problem(response)["errors"]] == [
        ("/tags/1", "Ensure this field has no more than 100 characters.")
    ]


def test_a_case_must_be_named_and_be_ones_own(client: Client, people: People) -> None:
    other_case = people.other_member.case_memberships.get().case
    login_verified(client, people.investigator)

    missing = client.post(LIST, {"title": "x", "start_at": "2022-03-06T08:00:00Z"}, content_type="application/json")
    foreign = client.post(
        LIST,
        {"title": "x", "start_at": "2022-03-06T08:00:00Z", "case": str(other_case.pk)},
        content_type="application/json",
    )
    garbled = client.post(LIST, {"case": "not-a-uuid"}, content_type="application/json")
    wrong_type = client.post(LIST, {"case": 7}, content_type="application/json")
    not_an_object = client.post(LIST, ["a", "list"], content_type="application/json")

    assert field_errors(missing) == {"case": ["This field is required."]}
    assert field_errors(foreign) == {"case": ["No case with this id among your cases."]}
    assert field_errors(garbled) == {"case": ["Must be a valid UUID."]}
    assert field_errors(wrong_type) == {"case": ["No case with this id among your cases."]}
    assert not_an_object.status_code == 400
    assert not Incident.objects.exists()


@pytest.mark.parametrize("role", ["reviewer", "observer"])
def test_members_who_do_not_contribute_cannot_record_incidents(client: Client, people: People, role: str) -> None:
    login_verified(client, people.by_name(role))

    response = client.post(LIST, {**IRPIN, "case": str(people.case.pk)}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, ROLE_REASON)
    assert not Incident.objects.exists()


def test_a_closed_case_accepts_no_new_incident(client: Client, people: People) -> None:
    people.case.status = CaseStatus.CLOSED
    people.case.save(update_fields=["status"])
    login_verified(client, people.lead)

    response = client.post(LIST, {**IRPIN, "case": str(people.case.pk)}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, CLOSED_REASON)


def test_a_read_token_cannot_record_but_a_write_token_can(client: Client, people: People) -> None:
    data = {**IRPIN, "case": str(people.case.pk)}

    refused = client.post(LIST, data, content_type="application/json", headers=token_headers(people, TokenAccess.READ))
    created = client.post(LIST, data, content_type="application/json", headers=token_headers(people, TokenAccess.WRITE))

    assert refused.status_code == 403
    assert "read-only" in problem(refused)["detail"]
    assert (created.status_code, created.json()["created_by"]) == (201, "ivan")


# --- Read and change ----------------------------------------------------------------------


def test_a_member_reads_an_incident_with_its_counts(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case, title="Shelling", created_by=people.investigator)
    allege(incident, "bm-21-grad")
    visible = EvidenceItemFactory(case=people.case)
    restricted = EvidenceItemFactory(case=people.case, reveals_witness_identity=True)
    for item in (visible, restricted):
        IncidentLink.objects.create(item=item, incident=incident)
    login_verified(client, people.observer)

    observed = client.get(detail(incident)).json()
    login_verified(client, people.reviewer)
    reviewed = client.get(detail(incident)).json()

    assert (observed["allegation_count"], observed["evidence_count"], observed["created_by"]) == (1, 1, "ivan")
    assert reviewed["evidence_count"] == 2


@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_an_incident_of_another_case_answers_404(client: Client, people: People, who: str) -> None:
    incident = IncidentFactory(case=people.case)
    login_verified(client, people.by_name(who))

    read = client.get(detail(incident))
    changed = client.patch(detail(incident), {"title": "Mine"}, content_type="application/json")

    assert (read.status_code, changed.status_code) == (404, 404)
    assert problem(read)["status"] == 404
    assert Incident.objects.get().title == incident.title


def test_an_investigator_changes_an_incident(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case, title="Shelling", start_at=at(6))
    incident.incident_types.set(IncidentType.objects.filter(code="attack-on-civilians"))
    incident.tags.add("old")
    login_verified(client, people.investigator)

    response = client.patch(
        detail(incident),
        {
            "title": "Shelling of Irpin",
            "end_at": "2022-03-07T00:00:00Z",
            "incident_types": ["killing"],
            "tags": ["new"],
        },
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["incident_types"], body["tags"]) == ("Shelling of Irpin", ["killing"], ["new"])
    incident.refresh_from_db()
    assert (incident.title, incident.end_at, incident.start_at) == ("Shelling of Irpin", at(7, 0), at(6))
    assert list(incident.incident_types.values_list("code", flat=True)) == ["killing"]


def test_a_change_leaves_types_and_tags_alone_when_not_given(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case)
    incident.incident_types.set(IncidentType.objects.filter(code="killing"))
    incident.tags.add("kept")
    login_verified(client, people.lead)

    response = client.patch(detail(incident), {"narrative": "More detail."}, content_type="application/json")

    assert (response.json()["incident_types"], response.json()["tags"]) == (["killing"], ["kept"])


def test_a_change_is_validated_against_the_stored_values(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case, start_at=at(6), latitude=Decimal("50.5"), longitude=Decimal("30.2"))
    login_verified(client, people.investigator)

    early_end = client.patch(detail(incident), {"end_at": "2022-03-01T00:00:00Z"}, content_type="application/json")
    half_point = client.patch(detail(incident), {"longitude": None}, content_type="application/json")

    assert field_errors(early_end) == {"end_at": ["The end cannot be before the start."]}
    assert field_errors(half_point) == {"longitude": ["Give both latitude and longitude, or neither."]}
    incident.refresh_from_db()
    assert (incident.end_at, incident.longitude) == (None, Decimal("30.2"))


def test_the_verification_status_is_not_changed_here(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case)
    login_verified(client, people.lead)

    response = client.patch(detail(incident), {"verification_status": "verified"}, content_type="application/json")

    assert (response.status_code, response.json()["verification_status"]) == (200, "unverified")
    incident.refresh_from_db()
    assert incident.verification_status == VerificationStatus.UNVERIFIED


def test_the_case_of_an_incident_is_not_changed_here(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case)
    other = CaseFactory()
    MembershipFactory(case=other, user=people.investigator)
    login_verified(client, people.investigator)

    response = client.patch(detail(incident), {"case": str(other.pk)}, content_type="application/json")

    assert (response.status_code, response.json()["case"]) == (200, str(people.case.pk))


@pytest.mark.parametrize("role", ["reviewer", "observer"])
def test_members_who_do_not_contribute_cannot_change_incidents(client: Client, people: People, role: str) -> None:
    incident = IncidentFactory(case=people.case, title="Shelling")
    login_verified(client, people.by_name(role))

    response = client.patch(detail(incident), {"title": "Changed"}, content_type="application/json")

    assert (response.status_code, problem(response)["detail"]) == (403, ROLE_REASON)
    assert Incident.objects.get().title == "Shelling"


def test_an_incident_of_a_closed_case_cannot_be_changed(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case, title="Shelling")
    people.case.status = CaseStatus.CLOSED
    people.case.save(update_fields=["status"])
    login_verified(client, people.lead)

    response = client.patch(detail(incident), {"title": "Changed"}, content_type="application/json")
    read = client.get(detail(incident))

    assert (response.status_code, problem(response)["detail"]) == (403, CLOSED_REASON)
    assert read.status_code == 200


def test_a_read_token_cannot_change_an_incident(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case, title="Shelling")

    response = client.patch(
        detail(incident),
        {"title": "Changed"},
        content_type="application/json",
        headers=token_headers(people, TokenAccess.READ),
    )

    assert response.status_code == 403
    assert Incident.objects.get().title == "Shelling"


def test_put_is_not_offered(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case)
    login_verified(client, people.lead)

    response = client.put(detail(incident), {**IRPIN}, content_type="application/json")

    assert response.status_code == 405


# --- List, filters, search, ordering, pages -----------------------------------------------


def test_the_list_holds_the_incidents_of_ones_cases_newest_first(client: Client, people: People) -> None:
    IncidentFactory(case=people.case, title="Older", start_at=at(5))
    IncidentFactory(case=people.case, title="Newer", start_at=at(6))
    IncidentFactory(case=people.other_member.case_memberships.get().case, title="Elsewhere")
    login_verified(client, people.observer)

    assert titles(client.get(LIST)) == ["Newer", "Older"]


def test_an_outsider_gets_an_empty_list(client: Client, people: People) -> None:
    IncidentFactory(case=people.case)
    login_verified(client, people.outsider)

    assert titles(client.get(LIST)) == []


def test_an_anonymous_call_is_refused_with_401(client: Client, people: People) -> None:
    response = client.get(LIST)

    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")


def test_the_case_filter(client: Client, people: People) -> None:
    second = CaseFactory()
    MembershipFactory(case=second, user=people.investigator)
    IncidentFactory(case=people.case, title="First case")
    IncidentFactory(case=second, title="Second case")
    login_verified(client, people.investigator)

    assert titles(client.get(LIST, {"case": str(second.pk)})) == ["Second case"]
    assert titles(client.get(LIST, {"case": str(people.other_member.case_memberships.get().case_id)})) == []


def test_the_date_range_filters(client: Client, people: People) -> None:
    for day in (4, 6, 8):
        IncidentFactory(case=people.case, title=f"March {day}", start_at=at(day))
    login_verified(client, people.investigator)

    assert titles(client.get(LIST, {"start_after": "2022-03-06"})) == ["March 8", "March 6"]
    assert titles(client.get(LIST, {"start_before": "2022-03-06"})) == ["March 6", "March 4"]
    assert titles(client.get(LIST, {"start_after": "2022-03-05", "start_before": "2022-03-07"})) == ["March 6"]
    assert field_errors(client.get(LIST, {"start_after": "yesterday"})) == {"start_after": ["Enter a valid date."]}


def test_the_date_filters_take_days_in_utc(client: Client, people: People) -> None:
    # 22:30 UTC on 5 March (00:30 on the 6th in Kyiv): the API answers in UTC, so for it this is the 5th.
    IncidentFactory(case=people.case, title="Late on the 5th", start_at=datetime(2022, 3, 5, 22, 30, tzinfo=UTC))
    login_verified(client, people.investigator)

    assert titles(client.get(LIST, {"start_before": "2022-03-05"})) == ["Late on the 5th"]
    assert titles(client.get(LIST, {"start_after": "2022-03-06"})) == []
    assert titles(client.get(LIST, {"start_after": "0001-01-01", "start_before": "9999-12-31"})) == ["Late on the 5th"]


def test_the_oblast_and_raion_filters(client: Client, people: People) -> None:
    IncidentFactory(case=people.case, title="Irpin", admin1="Kyiv oblast", admin2="Bucha raion")
    IncidentFactory(case=people.case, title="Brovary", admin1="Kyiv oblast", admin2="Brovary raion")
    IncidentFactory(case=people.case, title="Volnovakha", admin1="Donetsk oblast", admin2="Volnovakha raion")
    login_verified(client, people.investigator)

    assert sorted(titles(client.get(LIST, {"admin1": "kyiv oblast"}))) == ["Brovary", "Irpin"]
    assert titles(client.get(LIST, {"admin1": "Kyiv oblast", "admin2": "Bucha raion"})) == ["Irpin"]


def test_the_incident_type_filter_takes_several_codes(client: Client, people: People) -> None:
    for title, code in (("Killing", "killing"), ("Detention", "detention"), ("Strike", "air-or-drone-strike")):
        IncidentFactory(case=people.case, title=title).incident_types.set(IncidentType.objects.filter(code=code))
    both = IncidentFactory(case=people.case, title="Both")
    both.incident_types.set(IncidentType.objects.filter(code__in=["killing", "detention"]))
    login_verified(client, people.investigator)

    one = titles(client.get(LIST, {"incident_type": "killing"}))
    several = titles(client.get(f"{LIST}?incident_type=killing&incident_type=detention"))

    assert sorted(one) == ["Both", "Killing"]
    assert sorted(several) == ["Both", "Detention", "Killing"]
    assert list(field_errors(client.get(LIST, {"incident_type": "nonsense"}))) == ["incident_type"]


def test_the_weapon_filter_includes_types_below_the_one_named(client: Client, people: People) -> None:
    # multiple-launch-rocket-systems > bm-21-grad > 9m22u-he-rocket; bm-27-uragan is a sibling of bm-21-grad.
    allege(IncidentFactory(case=people.case, title="Grad rocket"), "9m22u-he-rocket")
    allege(IncidentFactory(case=people.case, title="Uragan"), "bm-27-uragan")
    allege(IncidentFactory(case=people.case, title="Rockets of some kind"), "multiple-launch-rocket-systems")
    allege(IncidentFactory(case=people.case, title="Cluster"), "cluster-munitions", "9m22u-he-rocket")
    IncidentFactory(case=people.case, title="No allegation")
    login_verified(client, people.investigator)

    family = titles(client.get(LIST, {"weapon": "multiple-launch-rocket-systems"}))
    system = titles(client.get(LIST, {"weapon": "bm-21-grad"}))
    munition = titles(client.get(LIST, {"weapon": "9m22u-he-rocket"}))

    assert sorted(family) == ["Cluster", "Grad rocket", "Rockets of some kind", "Uragan"]
    assert sorted(system) == ["Cluster", "Grad rocket"]
    assert sorted(munition) == ["Cluster", "Grad rocket"]
    assert list(field_errors(client.get(LIST, {"weapon": "no-such-weapon"}))) == ["weapon"]


def test_the_verification_status_filter(client: Client, people: People) -> None:
    IncidentFactory(case=people.case, title="Checked", verification_status=VerificationStatus.VERIFIED)
    IncidentFactory(case=people.case, title="Open")
    login_verified(client, people.investigator)

    assert titles(client.get(LIST, {"verification_status": "verified"})) == ["Checked"]
    assert list(field_errors(client.get(LIST, {"verification_status": "maybe"}))) == ["verification_status"]


def test_the_approved_evidence_filter_counts_only_items_one_may_see(client: Client, people: People) -> None:
    approved = IncidentFactory(case=people.case, title="Approved")
    pending = IncidentFactory(case=people.case, title="Pending")
    restricted = IncidentFactory(case=people.case, title="Approved but restricted")
    IncidentFactory(case=people.case, title="Nothing linked")
    for incident, status, reveals in (
        (approved, ReviewStatus.APPROVED, False),
        (pending, ReviewStatus.SUBMITTED, False),
        (restricted, ReviewStatus.APPROVED, True),
    ):
        item = EvidenceItemFactory(case=people.case, review_status=status, reveals_witness_identity=reveals)
        IncidentLink.objects.create(item=item, incident=incident)
    login_verified(client, people.investigator)

    assert sorted(titles(client.get(LIST, {"has_approved_evidence": "true"}))) == [
        "Approved",
        "Approved but restricted",
    ]
    assert sorted(titles(client.get(LIST, {"has_approved_evidence": "false"}))) == ["Nothing linked", "Pending"]
    login_verified(client, people.observer)
    assert titles(client.get(LIST, {"has_approved_evidence": "true"})) == ["Approved"]


def test_search_looks_through_title_narrative_and_place(client: Client, people: People) -> None:
    IncidentFactory(case=people.case, title="Fires", narrative="Settlements of Irpin burning", admin1="Kyiv oblast")
    IncidentFactory(case=people.case, title="Shelling of Irpin", place_name="Irpin", admin1="Kyiv oblast")
    IncidentFactory(case=people.case, title="Volnovakha reports", admin2="Volnovakha raion")
    login_verified(client, people.investigator)

    assert sorted(titles(client.get(LIST, {"search": "irpin"}))) == ["Fires", "Shelling of Irpin"]
    assert titles(client.get(LIST, {"search": "irpin -shelling"})) == ["Fires"]
    assert titles(client.get(LIST, {"search": "volnovakha raion"})) == ["Volnovakha reports"]
    assert titles(client.get(LIST, {"search": "kharkiv"})) == []


def test_search_finds_cyrillic_words(client: Client, people: People) -> None:
    IncidentFactory(case=people.case, title="Обстріл Ірпеня", admin1="Київська область")
    IncidentFactory(case=people.case, title="Other")
    login_verified(client, people.investigator)

    assert titles(client.get(LIST, {"search": "Ірпеня"})) == ["Обстріл Ірпеня"]
    if connection.vendor == "postgresql":  # SQLite's LIKE does not fold Cyrillic case (apps/common/search.py)
        assert titles(client.get(LIST, {"search": "київська"})) == ["Обстріл Ірпеня"]


def test_ordering_by_title_and_by_start(client: Client, people: People) -> None:
    IncidentFactory(case=people.case, title="B", start_at=at(4))
    IncidentFactory(case=people.case, title="A", start_at=at(6))
    IncidentFactory(case=people.case, title="C", start_at=at(5))
    login_verified(client, people.investigator)

    assert titles(client.get(LIST, {"ordering": "title"})) == ["A", "B", "C"]
    assert titles(client.get(LIST, {"ordering": "start_at"})) == ["B", "C", "A"]
    assert titles(client.get(LIST, {"ordering": "-start_at"})) == ["A", "C", "B"]


def test_the_list_pages_with_a_cursor(client: Client, people: People) -> None:
    for day in range(1, 6):
        IncidentFactory(case=people.case, title=f"March {day}", start_at=at(day))
    login_verified(client, people.investigator)

    first = client.get(LIST, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(third["previous"]).json()

    assert [row["title"] for row in first["results"]] == ["March 5", "March 4"]
    assert [row["title"] for row in second["results"]] == ["March 3", "March 2"]
    assert ([row["title"] for row in third["results"]], third["next"]) == (["March 1"], None)
    assert [row["title"] for row in back["results"]] == ["March 3", "March 2"]


def test_a_garbled_cursor_is_refused(client: Client, people: People) -> None:
    login_verified(client, people.investigator)

    response = client.get(LIST, {"cursor": "garbage"})

    assert (response.status_code, problem(response)["detail"]) == (404, "Invalid cursor")


def test_sparse_fields(client: Client, people: People) -> None:
    incident = IncidentFactory(case=people.case, title="Shelling")
    login_verified(client, people.investigator)

    listed = client.get(LIST, {"fields": "title,verification_status"}).json()["results"]
    one = client.get(detail(incident), {"fields": "title"}).json()

    assert listed == [{"id": str(incident.pk), "title": "Shelling", "verification_status": "unverified"}]
    assert one == {"id": str(incident.pk), "title": "Shelling"}


@pytest.mark.parametrize("rows", [1, 3])
def test_the_list_query_count_does_not_grow_with_incidents(
    client: Client, people: People, django_assert_num_queries: Any, rows: int
) -> None:
    creator = people.investigator
    for number in range(rows):
        incident = IncidentFactory(case=people.case, created_by=creator, latitude=Decimal(50), longitude=Decimal(30))
        incident.incident_types.set(IncidentType.objects.filter(code__in=["killing", "detention"]))
        incident.tags.add(f"tag-{number}", "common")
        allege(incident, "bm-21-grad")
        IncidentLink.objects.create(item=EvidenceItemFactory(case=people.case), incident=incident)
    login_verified(client, people.investigator)

    # user, second-factor device, the incidents with their counts, their types, their tags, roles
    with django_assert_num_queries(6):
        response = client.get(LIST)

    assert len(response.json()["results"]) == rows


def test_sparse_fields_shape_the_answer_but_not_what_is_written(client: Client, people: People) -> None:
    login_verified(client, people.investigator)

    created = client.post(
        f"{LIST}?fields=title", {**IRPIN, "case": str(people.case.pk)}, content_type="application/json"
    )
    incident = Incident.objects.get()
    changed = client.patch(
        f"{detail(incident)}?fields=title", {"narrative": "Changed", "admin2": "Irpin"}, content_type="application/json"
    )

    assert (created.status_code, created.json()) == (201, {"id": str(incident.pk), "title": "Fires in Irpin"})
    assert changed.json() == {"id": str(incident.pk), "title": "Fires in Irpin"}
    incident.refresh_from_db()
    assert (incident.place_name, incident.narrative, incident.admin2) == ("Irpin", "Changed", "Irpin")
