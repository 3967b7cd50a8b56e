"""The item page's examination: metadata, the file's place and time against the declared ones, look-alikes, player.

Also the distance and time helpers it uses (apps/evidence/geo.py).
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.accounts.models import User
from apps.cases.models import Case
from apps.common.enums import LocationPrecision, TimePrecision
from apps.custody.models import CustodyEvent
from apps.evidence.enums import EvidenceKind, ProcessingStatus
from apps.evidence.geo import EARTH_RADIUS_KM, TimeWindow, capture_time_compare, haversine_km, incident_time_window
from apps.evidence.models import EvidenceItem, IncidentLink, PossibleDuplicate
from apps.evidence.views import _incident_url
from apps.incidents.models import Incident
from tests.accounts.helpers import login_verified
from tests.factories import CaseFactory, EvidenceItemFactory, IncidentFactory, MembershipFactory

pytestmark = pytest.mark.django_db

SHA256 = "sha256:" + "ab" * 32
# Irpin and the centre of Kyiv, about 21 km apart.
IRPIN = (Decimal("50.521800"), Decimal("30.250600"))
KYIV_CENTRE = (Decimal("50.450100"), Decimal("30.523400"))
CAPTURED = datetime(2022, 3, 6, 9, 15, tzinfo=UTC)  # 11:15 in Kyiv
# "6 March 2022" in Kyiv: the start of that day, precision DAY.
MARCH_6_KYIV = datetime(2022, 3, 5, 22, 0, tzinfo=UTC)


def assert_no_inline_code(content: str) -> None:
    scripts = re.findall(r"<script\b[^>]*>", content)
    assert [tag for tag in scripts if "src=" not in tag and 'type="application/json"' not in tag] == []
    assert re.findall(r"<style\b", content) == []
    assert re.findall(r"\sstyle=", content) == []
    assert re.findall(r"\son[a-z]+=", content) == []


# --- Distance and time helpers --------------------------------------------------------------------


def test_haversine_gives_great_circle_distances_in_kilometres() -> None:
    assert haversine_km(0, 0, 0, 0) == 0.0
    assert haversine_km(0, 0, 1, 0) == pytest.approx(EARTH_RADIUS_KM * math.pi / 180, rel=1e-12)
    assert haversine_km(0, 0, 0, 90) == pytest.approx(EARTH_RADIUS_KM * math.pi / 2, rel=1e-12)
    assert haversine_km(0, 0, 0, 180) == pytest.approx(EARTH_RADIUS_KM * math.pi, rel=1e-12)
    assert haversine_km(89.9, 0, 89.9, 180) == pytest.approx(EARTH_RADIUS_KM * math.radians(0.2), rel=1e-9)
    assert round(haversine_km(*map(float, IRPIN), *map(float, KYIV_CENTRE)), 2) == 20.88
    assert haversine_km(*map(float, IRPIN), *map(float, KYIV_CENTRE)) == haversine_km(
        *map(float, KYIV_CENTRE), *map(float, IRPIN)
    )


def test_an_incident_on_a_day_covers_that_day_and_an_approximate_one_has_no_window() -> None:
    assert incident_time_window(start_at=MARCH_6_KYIV, start_precision=TimePrecision.DAY) == TimeWindow(
        start=MARCH_6_KYIV, end=MARCH_6_KYIV + timedelta(days=1)
    )
    assert incident_time_window(
        start_at=MARCH_6_KYIV,
        start_precision=TimePrecision.HOUR,
        end_at=MARCH_6_KYIV + timedelta(days=2),
        end_precision=TimePrecision.DAY,
    ) == TimeWindow(start=MARCH_6_KYIV, end=MARCH_6_KYIV + timedelta(days=3))
    assert incident_time_window(start_at=MARCH_6_KYIV, start_precision=TimePrecision.APPROXIMATE) is None


def test_a_capture_time_is_compared_with_the_incidents_start_and_window() -> None:
    inside = capture_time_compare(captured_at=CAPTURED, start_at=MARCH_6_KYIV, start_precision=TimePrecision.DAY)
    later = capture_time_compare(
        captured_at=MARCH_6_KYIV + timedelta(days=3, hours=12), start_at=MARCH_6_KYIV, start_precision=TimePrecision.DAY
    )
    before = capture_time_compare(
        captured_at=MARCH_6_KYIV - timedelta(hours=3), start_at=MARCH_6_KYIV, start_precision=TimePrecision.EXACT
    )
    vague = capture_time_compare(captured_at=CAPTURED, start_at=MARCH_6_KYIV, start_precision=TimePrecision.APPROXIMATE)

    assert (inside.within_window, inside.after, inside.hours, inside.in_days) == (True, True, 11.25, False)
    assert (later.within_window, later.after, later.days, later.in_days) == (False, True, 3.5, True)
    assert (before.within_window, before.after, before.hours) == (False, False, 3.0)
    assert (vague.within_window, vague.window) == (None, None)


# --- The page -------------------------------------------------------------------------------------------


@pytest.fixture
def case(db: None) -> Case:
    return CaseFactory(reference="UA-2022-0001")


@pytest.fixture
def incident(case: Case) -> Incident:
    return IncidentFactory(
        case=case,
        title="Shelling of Irpin",
        start_at=MARCH_6_KYIV,
        start_precision=TimePrecision.DAY,
        latitude=KYIV_CENTRE[0],
        longitude=KYIV_CENTRE[1],
        location_precision=LocationPrecision.SETTLEMENT,
    )


@pytest.fixture
def item(case: Case, incident: Incident) -> EvidenceItem:
    item = EvidenceItemFactory(
        case=case,
        number=1,
        original_filename="fires.jpg",
        sha256=SHA256,
        processing_status=ProcessingStatus.ARCHIVED,
        detected_content_type="image/jpeg",
        camera_make="Canon",
        camera_model="EOS 5D",
        extracted_captured_at=CAPTURED,
        extracted_latitude=IRPIN[0],
        extracted_longitude=IRPIN[1],
        extracted_credit="Emin Sansar/Anadolu Agency",
        declared_place_name="Irpin, Universytetska street",
        declared_latitude=IRPIN[0],
        declared_longitude=IRPIN[1],
        metadata={"image": {"format": "JPEG", "width": 4000, "height": 3000}, "exif": {"IFD0": {"Artist": "E. S."}}},
    )
    IncidentLink.objects.create(item=item, incident=incident)
    return item


@pytest.fixture
def investigator(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.INVESTIGATOR, user__username="alice").user


@pytest.fixture
def observer(case: Case) -> User:
    return MembershipFactory(case=case, role=CaseRole.OBSERVER, user__username="olga").user


def _page(client: Client, item: EvidenceItem) -> str:
    response = client.get(reverse("evidence:item_detail", args=[item.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _flat(content: str) -> str:
    return re.sub(r"\s+", " ", content)


def test_the_metadata_table_shows_the_key_fields_and_the_raw_metadata_on_demand(
    client: Client, item: EvidenceItem, investigator: User
) -> None:
    client.force_login(investigator)

    content = _page(client, item)

    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td></tr>', content)
    assert rows == [
        ("Content type", "image/jpeg"),
        ("Camera", "Canon EOS 5D"),
        ("Captured at (from metadata)", "2022-03-06 11:15:00 +0200"),
        ("GPS position (from metadata)", "50.521800, 30.250600"),
        ("Dimensions (pixels)", "4000 \u00d7 3000"),
        ("Credit (from metadata)", "Emin Sansar/Anadolu Agency"),
    ]
    raw = re.search(r'<pre tabindex="0" data-testid="raw-metadata">(.*?)</pre>', content, re.S)
    assert raw is not None
    assert json.loads(raw[1].replace("&quot;", '"')) == item.metadata
    assert "<summary>Raw metadata (JSON, as extracted)</summary>" in content


def test_the_gps_point_is_set_against_the_declared_place_and_the_incident_with_distances(
    client: Client, item: EvidenceItem, incident: Incident, investigator: User
) -> None:
    client.force_login(investigator)

    content = _page(client, item)

    flat = _flat(content)
    assert "The file's GPS position: 50.5218, 30.2506." in flat
    assert (
        '<tr> <th scope="row">Declared: Irpin, Universytetska street</th> <td>50.5218, 30.2506</td> '
        '<td class="number">0.0 km</td> <td>—</td> </tr>'
    ) in flat
    assert (
        '<tr> <th scope="row">Incident: Shelling of Irpin</th> <td>50.4501, 30.5234</td> '
        '<td class="number">20.9 km</td> <td>Settlement</td> </tr>'
    ) in flat
    points = json.loads(re.search(r'<script id="item-map-points" type="application/json">(.*?)</script>', content)[1])
    assert points == [
        {"lat": 50.5218, "lon": 30.2506, "label": "GPS position in the file", "kind": "evidence"},
        {"lat": 50.5218, "lon": 30.2506, "label": "Irpin, Universytetska street", "kind": "declared"},
        {"lat": 50.4501, "lon": 30.5234, "label": "Shelling of Irpin", "kind": "incident"},
    ]
    assert 'data-points="item-map-points"' in content
    assert '<script src="/static/common/map.js" defer></script>' in content
    assert_no_inline_code(content)


def test_the_capture_time_is_set_against_the_incident_time_and_flagged_outside_its_window(
    client: Client, item: EvidenceItem, incident: Incident, case: Case, investigator: User
) -> None:
    later = IncidentFactory(case=case, title="Second strike", start_at=datetime(2022, 3, 1, 6, 0, tzinfo=UTC))
    IncidentLink.objects.create(item=item, incident=later)
    client.force_login(investigator)

    flat = _flat(_page(client, item))

    assert "Captured at 2022-03-06 11:15:00 +0200 (from the file's metadata)." in flat
    assert (
        f'<tr class="outside-window"> <th scope="row">{_title(later)}</th> <td>2022-03-01 08:00 +0200 (Exact)</td> '
        "<td> 5.1 days after the start "
        '<strong class="flag-outside">outside the incident\'s time window</strong> </td> </tr>'
    ) in flat
    assert (
        f'<tr> <th scope="row">{_title(incident)}</th> <td>2022-03-06 00:00 +0200 (Day)</td> '
        '<td> 11.3 hours after the start <span class="flag-within">within the incident\'s time window</span> '
        "</td> </tr>"
    ) in flat


def _title(incident: Incident) -> str:
    """The incident's title as the page shows it: a link once the incident pages exist."""
    url = _incident_url(incident)
    return f'<a href="{url}">{incident.title}</a>' if url else incident.title


def test_possible_duplicates_are_linked_and_those_the_user_may_not_see_are_left_out(
    client: Client, item: EvidenceItem, case: Case, investigator: User
) -> None:
    twin = EvidenceItemFactory(case=case, number=2, original_filename="fires-2.jpg")
    restricted = EvidenceItemFactory(case=case, number=3, reveals_witness_identity=True)
    PossibleDuplicate.objects.create(item=twin, duplicate_of=item, algorithm="phash", distance=4)
    PossibleDuplicate.objects.create(item=item, duplicate_of=restricted, algorithm="phash", distance=6)
    observer = MembershipFactory(case=case, role=CaseRole.OBSERVER).user

    client.force_login(investigator)
    investigator_view = re.findall(r'<li><a href="/evidence/([0-9a-f-]+)/">([^<]+)</a>', _page(client, item))
    client.force_login(observer)
    observer_view = re.findall(r'<li><a href="/evidence/([0-9a-f-]+)/">([^<]+)</a>', _page(client, item))

    assert investigator_view == [(str(twin.pk), "UA-2022-0001/E0002"), (str(restricted.pk), "UA-2022-0001/E0003")]
    assert observer_view == [(str(twin.pk), "UA-2022-0001/E0002")]


def test_observers_see_no_identity_in_the_metadata(client: Client, item: EvidenceItem, observer: User) -> None:
    item.collector_name = "Olena K."
    item.save(update_fields=["collector_name"])
    client.force_login(observer)

    content = _page(client, item)

    assert ("Olena K." in content, "Emin Sansar" in content, "E. S." in content) == (False, False, False)
    assert 'data-testid="raw-metadata"' not in content
    assert "The raw metadata can name the file's author: hidden, your role does not see identities." in content


def test_a_video_gets_a_player_that_fetches_the_original_only_on_play(
    client: Client, case: Case, investigator: User
) -> None:
    video = EvidenceItemFactory(
        case=case,
        kind=EvidenceKind.VIDEO,
        storage_name="originals/sha256/ab/cd",
        processing_status=ProcessingStatus.ARCHIVED,
        detected_content_type="video/mp4",
        metadata={"ffprobe": {"format": {"duration": "75.5"}, "streams": [{"width": 1920, "height": 1080}]}},
    )
    client.force_login(investigator)

    content = _page(client, video)

    original = reverse("evidence:item_original", args=[video.pk])
    assert f'<video class="media-player" controls preload="none" src="{original}" aria-label=' in content
    assert '<tr><th scope="row">Duration</th><td>0:01:15</td></tr>' in content
    assert '<tr><th scope="row">Dimensions (pixels)</th><td>1920 \u00d7 1080</td></tr>' in content
    assert CustodyEvent.objects.filter(item=video).count() == 0  # showing the page records nothing


def test_a_graphic_video_has_no_player_until_revealed(client: Client, case: Case, investigator: User) -> None:
    video = EvidenceItemFactory(
        case=case,
        kind=EvidenceKind.AUDIO,
        storage_name="originals/sha256/ab/ef",
        processing_status=ProcessingStatus.ARCHIVED,
        is_graphic=True,
    )
    client.force_login(investigator)

    assert "<audio" not in _page(client, video)
    session = client.session
    session["custos_revealed_items"] = [str(video.pk)]
    session.save()
    assert '<audio class="media-player" controls preload="none"' in _page(client, video)


def test_an_item_without_gps_incidents_or_duplicates_says_so(client: Client, case: Case, investigator: User) -> None:
    bare = EvidenceItemFactory(case=case)
    client.force_login(investigator)

    content = _page(client, bare)

    for text in (
        "No metadata was extracted from this file.",
        "The file carries no GPS position.",
        "No capture time is known: the file gives none and none was declared.",
        "This item is not linked to an incident.",
        "No similar items found in this case.",
    ):
        assert text in content, text
    assert "data-map" not in content
    assert "leaflet" not in content


@pytest.mark.parametrize("who", ["other_case_lead", "outsider"])
def test_the_page_is_404_outside_the_users_cases(client: Client, item: EvidenceItem, who: str) -> None:
    user = MembershipFactory(role=CaseRole.LEAD).user if who == "other_case_lead" else MembershipFactory.build().user
    if who == "outsider":
        user.save()
    login_verified(client, user)

    assert client.get(reverse("evidence:item_detail", args=[item.pk])).status_code == 404


def _with_links(case: Case, item: EvidenceItem, count: int) -> None:
    for number in range(count):
        incident = IncidentFactory(case=case, latitude=Decimal("50.1"), longitude=Decimal("30.1"))
        IncidentLink.objects.create(item=item, incident=incident)
        twin = EvidenceItemFactory(case=case, number=100 + number)
        PossibleDuplicate.objects.create(item=item, duplicate_of=twin, algorithm="phash", distance=number)


@pytest.mark.parametrize("links", [1, 3])
def test_the_query_count_does_not_grow_with_incidents_and_duplicates(
    client: Client, case: Case, investigator: User, django_assert_num_queries: Any, links: int
) -> None:
    item = EvidenceItemFactory(case=case, extracted_latitude=IRPIN[0], extracted_longitude=IRPIN[1])
    _with_links(case, item, links)
    client.force_login(investigator)

    # As tests/evidence/test_views.py counts the page: 13 on SQLite, 14 on PostgreSQL (a savepoint pair,
    # one of which the counter sees), whatever the number of incidents and duplicates.
    with django_assert_num_queries(14 if connection.vendor == "postgresql" else 13):
        response = client.get(reverse("evidence:item_detail", args=[item.pk]))

    assert (len(response.context["incident_rows"]), len(response.context["duplicates"])) == (links, links)
