"""The case dashboard: who may open it, what its charts show, and that its cost does not grow with the case."""

from __future__ import annotations

import re
import time
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.enums import CaseRole
from apps.cases.models import Case
from apps.dashboards import selectors, views
from apps.dashboards.selectors import case_dashboard
from apps.demo.services import demo_seed
from apps.evidence.enums import ConsentStatus, IntegrityStatus, ReviewStatus
from apps.incidents.enums import CasualtyScope
from tests.cases.conftest import People, sign_in
from tests.dashboards.helpers import allege, figure, incident
from tests.factories import EvidenceItemFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(case: Case) -> str:
    return reverse("dashboards:case_dashboard", kwargs={"case_id": case.pk})


def _series(html: str, chart_id: str) -> dict[str, int]:
    """{series label: number of points} of one line chart."""
    figure_html = html.split(f'id="{chart_id}"', 1)[1].split("</figure>", 1)[0]
    return {
        unescape(label): int(points)
        for label, points in re.findall(r'data-series="([^"]*)" data-points="(\d+)"', figure_html)
    }


def _bars(html: str, chart_id: str) -> dict[str, int]:
    """{bar label: count} of one bar chart."""
    figure_html = html.split(f'id="{chart_id}"', 1)[1].split("</figure>", 1)[0]
    return {
        unescape(label): int(count)
        for label, count in re.findall(r'data-label="([^"]*)" data-count="(\d+)"', figure_html)
    }


# --- access ------------------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Client, people: People) -> None:
    response = client.get(_url(people.case))

    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next={_url(people.case)}")


@pytest.mark.parametrize("who", ["other_member", "outsider"])
def test_a_non_member_gets_404(client: Client, people: People, who: str) -> None:
    sign_in(client, people.by_name(who))

    assert client.get(_url(people.case)).status_code == 404


@pytest.mark.parametrize("who", ["lead", "reviewer", "investigator", "observer"])
def test_every_member_sees_the_dashboard(client: Client, people: People, who: str) -> None:
    sign_in(client, people.by_name(who))

    response = client.get(_url(people.case))

    assert response.status_code == 200
    assert response.context["case"] == people.case


def test_the_case_overview_links_the_dashboard(client: Client, people: People) -> None:
    sign_in(client, people.observer)

    page = client.get(reverse("cases:detail", kwargs={"case_id": people.case.pk})).content.decode()

    assert f'href="{_url(people.case)}"' in page


def test_a_post_is_refused(client: Client, people: People) -> None:
    sign_in(client, people.investigator)

    assert client.post(_url(people.case)).status_code == 405


# --- the demo case's OHCHR series --------------------------------------------------------------


def test_the_demo_cases_ohchr_series_renders_as_one_line_of_three_points(client: Client) -> None:
    case = demo_seed().case
    member = MembershipFactory(case=case, role=CaseRole.OBSERVER).user
    client.force_login(member)

    html = client.get(_url(case)).content.decode()

    assert _series(html, "chart-killed") == {"OHCHR": 3}
    assert _series(html, "chart-injured") == {"OHCHR": 3}
    table = html.split('id="casualty-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r"<tr><th scope=\"row\">OHCHR</th><td>([^<]*)</td><td class=\"number\">(\d+)</td>"
        r"<td class=\"number\">(\d+)</td>",
        table,
    )
    assert rows == [
        ("March 3, 2022", "249", "553"),
        ("March 4, 2022", "331", "675"),
        ("March 6, 2022", "364", "759"),
    ]
    assert "OHCHR believes the actual figures are considerably higher." in html
    # The demo's NATO statement names cluster munitions and thermobaric weapons without an incident.
    assert _bars(html, "chart-general-weapon-families") == {"Cluster munitions": 1, "Thermobaric / fuel-air weapons": 1}
    assert _bars(html, "chart-incident-types") == {
        "Attack on civilian objects or infrastructure": 1,
        "Attack on civilians": 1,
    }


def test_the_demo_dashboard_reads_in_ukrainian(client: Client) -> None:
    case = demo_seed().case
    client.force_login(MembershipFactory(case=case, role=CaseRole.OBSERVER).user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "uk"

    html = client.get(_url(case)).content.decode()

    assert "6 березня 2022" in html
    assert _bars(html, "chart-incident-types") == {
        "Напад на цивільні об'єкти або інфраструктуру": 1,  # noqa: RUF001
        "Напад на цивільних осіб": 1,  # noqa: RUF001
    }
    # SVG coordinates never take the Ukrainian decimal comma.
    points = re.findall(r'<polyline class="chart-line" points="([^"]*)"', html)
    assert len(points) == 2
    assert all(re.fullmatch(r"[\d.]+,[\d.]+( [\d.]+,[\d.]+)*", one) for one in points)


# --- casualty series ---------------------------------------------------------------------------


def test_a_correction_replaces_the_figure_it_corrects_and_reporters_get_their_own_lines(people: People) -> None:
    wrong = figure(people.case, "OHCHR", 3, 249, 553)
    figure(people.case, "OHCHR", 4, 331, 675)
    figure(people.case, "OHCHR", 3, 250, 560, supersedes=wrong)
    figure(people.case, "Ministry", 4, 400, None)
    figure(people.case, "Ministry", 6, 420, 900)
    target = incident(people.case)
    figure(people.case, "Ministry", 6, 3, 4, scope=CasualtyScope.INCIDENT, incident=target)

    data = case_dashboard(user=people.observer, case=people.case).casualties

    lines = {one.label: [(point.as_of.day, point.killed, point.injured) for point in one.points] for one in data.series}
    assert lines == {"Ministry": [(4, 400, None), (6, 420, 900)], "OHCHR": [(3, 250, 560), (4, 331, 675)]}
    assert (data.superseded, data.incident_figures) == (1, 1)


def test_a_missing_measure_is_skipped_not_drawn_as_zero(client: Client, people: People) -> None:
    figure(people.case, "Ministry", 4, 400, None)
    figure(people.case, "Ministry", 6, 420, 900)
    sign_in(client, people.investigator)

    html = client.get(_url(people.case)).content.decode()

    assert (_series(html, "chart-killed"), _series(html, "chart-injured")) == ({"Ministry": 2}, {"Ministry": 1})


def test_two_regions_of_one_reporter_are_two_lines(people: People) -> None:
    figure(people.case, "OHCHR", 3, 10, 20, scope=CasualtyScope.REGION, region_name="Kyiv oblast")
    figure(people.case, "OHCHR", 3, 30, 40, scope=CasualtyScope.REGION, region_name="Donetsk oblast")

    data = case_dashboard(user=people.lead, case=people.case).casualties

    assert [one.label for one in data.series] == ["OHCHR · Donetsk oblast", "OHCHR · Kyiv oblast"]


# --- bars --------------------------------------------------------------------------------------


def test_weapon_types_count_under_their_family_once_per_incident(client: Client, people: People) -> None:
    first, second, third = incident(people.case), incident(people.case), incident(people.case)
    allege(people.case, first, "bm-21-grad", "9m27k-cargo-rocket")  # both multiple-launch rocket systems
    allege(people.case, first, "tos-1a-220mm-thermobaric-rocket")  # a munition of a system of the family
    allege(people.case, second, "multiple-launch-rocket-systems")  # the family itself
    allege(people.case, third, "shahed-136-geran-2")
    allege(people.case, None, "cluster-munitions", "rbk-500")  # a general claim: one allegation, one family
    other_case_incident = incident(MembershipFactory(role=CaseRole.LEAD).case)
    allege(other_case_incident.case, other_case_incident, "bm-21-grad")
    sign_in(client, people.reviewer)

    html = client.get(_url(people.case)).content.decode()

    assert _bars(html, "chart-weapon-families") == {
        "Multiple-launch rocket systems (MLRS)": 2,
        "Thermobaric / fuel-air weapons": 1,
        "Loitering munitions and drones": 1,
    }
    assert _bars(html, "chart-general-weapon-families") == {"Cluster munitions": 1}


def test_incident_types_are_counted(client: Client, people: People) -> None:
    incident(people.case, types=("attack-on-civilians", "attack-on-medical-care"))
    incident(people.case, types=("attack-on-civilians",))
    incident(people.case)
    sign_in(client, people.investigator)

    html = client.get(_url(people.case)).content.decode()

    assert _bars(html, "chart-incident-types") == {
        "Attack on civilians": 2,
        "Attack on medical facilities or personnel": 1,
    }


def test_many_types_end_in_one_other_bar(people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "MAX_BARS", 2)
    incident(people.case, types=("attack-on-civilians", "attack-on-medical-care", "attack-on-cultural-property"))
    incident(people.case, types=("attack-on-civilians",))

    bars = case_dashboard(user=people.lead, case=people.case).incident_types

    assert [(bar.label, bar.count) for bar in bars] == [("Attack on civilians", 2), ("Other", 2)]


def test_evidence_by_review_state_leaves_out_what_an_observer_may_not_see(client: Client, people: People) -> None:
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED, reveals_witness_identity=True)
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.NEEDS_INFO, consent_status=ConsentStatus.REFUSED)
    EvidenceItemFactory(case=people.case, integrity_status=IntegrityStatus.FAILED)
    EvidenceItemFactory(review_status=ReviewStatus.REJECTED)  # another case

    seen = {}
    for who in ("observer", "lead"):
        sign_in(client, people.by_name(who))
        html = client.get(_url(people.case)).content.decode()
        seen[who] = _bars(html, "chart-review-states")

    assert seen["observer"] == {
        "Submitted": 1,
        "In review": 0,
        "Approved": 1,
        "Rejected": 0,
        "Needs more information": 0,
    }
    assert seen["lead"] == {"Submitted": 1, "In review": 0, "Approved": 2, "Rejected": 0, "Needs more information": 1}


# --- map and timeline --------------------------------------------------------------------------


def test_the_map_gets_the_incidents_as_points(client: Client, people: People) -> None:
    located = incident(people.case, title="Irpin")
    incident(people.case, latitude=None, longitude=None, title="Nowhere yet")
    sign_in(client, people.investigator)

    response = client.get(_url(people.case))

    points = response.context["dashboard"].map.points
    assert [(point["lat"], point["lon"], point["label"]) for point in points] == [(50.5218, 30.2506, "Irpin")]
    assert 'id="dashboard-map-points" type="application/json"' in response.content.decode()
    assert 'data-points="dashboard-map-points" data-cluster' in response.content.decode()
    assert str(located.pk) in points[0].get("url", str(located.pk))


def test_a_large_case_shows_the_most_recent_points_with_a_note(
    client: Client, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "MAP_POINT_LIMIT", 2)
    for day in (1, 2, 3):
        incident(people.case, day=day, title=f"Day {day}")
    sign_in(client, people.investigator)

    response = client.get(_url(people.case))

    assert [point["label"] for point in response.context["dashboard"].map.points] == ["Day 3", "Day 2"]
    assert "The map shows the 2 most recent of 3 located incidents" in response.content.decode()


def test_the_timeline_counts_incidents_per_day_in_kyiv_time(people: People) -> None:
    incident(people.case, day=1)
    incident(people.case, day=1)
    incident(people.case, day=3)
    # 23:30 UTC on 4 March is 01:30 on 5 March in Kyiv.
    late = incident(people.case, day=4)
    late.start_at = late.start_at.replace(hour=23, minute=30)
    late.save(update_fields=["start_at"])

    timeline = case_dashboard(user=people.lead, case=people.case).timeline

    assert timeline.unit == "day"
    assert [(bucket.start.day, bucket.count) for bucket in timeline.buckets] == [(1, 2), (2, 0), (3, 1), (4, 0), (5, 1)]


def test_a_long_case_is_counted_per_week(people: People) -> None:
    incident(people.case, day=1, month=1)  # a Saturday: its week began on Monday 27 December 2021
    incident(people.case, day=6, month=6)

    timeline = case_dashboard(user=people.lead, case=people.case).timeline

    assert timeline.unit == "week"
    assert (timeline.buckets[0].start.isoformat(), timeline.buckets[0].count) == ("2021-12-27", 1)
    assert (timeline.buckets[-1].start.isoformat(), timeline.buckets[-1].count) == ("2022-06-06", 1)
    assert (len(timeline.buckets), timeline.total) == (24, 2)


def test_an_empty_case_says_so_instead_of_drawing(client: Client, people: People) -> None:
    sign_in(client, people.lead)

    html = client.get(_url(people.case)).content.decode()

    assert "No incident has coordinates yet." in html
    assert "No casualty figures yet." in html
    assert html.count("<svg") == html.count('class="chart-svg"') == 1  # only the evidence bars (five zero rows)


# --- markup rules ------------------------------------------------------------------------------


def test_no_inline_script_or_style_and_every_chart_is_labelled(client: Client) -> None:
    case = demo_seed().case
    client.force_login(MembershipFactory(case=case, role=CaseRole.INVESTIGATOR).user)

    html = client.get(_url(case)).content.decode()

    assert re.findall(r"\sstyle=", html) == []
    assert re.findall(r"\son[a-z]+=", html) == []
    assert "<style" not in html
    for script in re.findall(r"<script[^>]*>", html):
        assert 'src="' in script or 'type="application/json"' in script, script
    svgs = re.findall(r'<svg class="chart-svg"[^>]*>', html)
    assert len(svgs) == 6
    for svg in svgs:
        chart_id = re.search(r'aria-labelledby="([^ ]+)-title \1-desc"', svg)
        assert 'role="img"' in svg, svg
        assert chart_id is not None, svg
        assert f'<title id="{chart_id.group(1)}-title">' in html
        assert f'<desc id="{chart_id.group(1)}-desc">' in html
    assert html.count("<figure") == html.count("<figcaption>") == 7
    # Every scrollable table can be reached with the keyboard.
    assert html.count('class="table-scroll" tabindex="0" role="region"') == html.count('class="table-scroll"')


# --- cost --------------------------------------------------------------------------------------


def _fill(case: Case, rows: int) -> None:
    for day in range(1, rows + 1):
        made = incident(case, day=day, types=("attack-on-civilians",), admin1=f"Oblast {day}")
        allege(case, made, "bm-21-grad")
        allege(case, None, "rbk-500")
        figure(case, f"Reporter {day}", day, day * 10, day * 20)
        figure(case, "OHCHR", day, day * 10, day * 20)
        EvidenceItemFactory(case=case, review_status=ReviewStatus.APPROVED)


def _queries(client: Client, case: Case) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(case))
    assert response.status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_case(client: Client) -> None:
    counts: dict[int, Any] = {}
    for rows in (1, 3):
        user = UserFactory()
        case = MembershipFactory(user=user, role=CaseRole.INVESTIGATOR).case
        _fill(case, rows)
        client.force_login(user)
        _queries(client, case)  # warm the per-process caches (content types)
        cache.clear()  # but count a full recount of the dashboard
        counts[rows] = _queries(client, case)

    assert counts[1] == counts[3]
    # session, user, roles, integrity banner, unread notifications, the case; then the dashboard's own:
    # incident summary, evidence counts, map points, oblasts, timeline, casualty counts, figures,
    # weapon families, family names, incident types
    assert counts[1] == 16


def test_a_recent_count_is_reused_by_members_who_see_the_same_evidence(client: Client, people: People) -> None:
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED, reveals_witness_identity=True)
    sign_in(client, people.lead)
    first = _queries(client, people.case)
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)  # counted within the minute

    sign_in(client, people.reviewer)
    reused = _queries(client, people.case)
    reviewer_counts = _bars(client.get(_url(people.case)).content.decode(), "chart-review-states")
    sign_in(client, people.observer)
    observer_counts = _bars(client.get(_url(people.case)).content.decode(), "chart-review-states")

    # user, second-factor device, the case, roles, unread notifications (the reviewer's own cached answer is not
    # there yet): no count; the session and "any integrity alert open?" are the cache's (common.cached_flags)
    assert (first - reused, reused) == (9, 5)
    assert reviewer_counts["Approved"] == 2  # the lead's count of a moment ago
    assert observer_counts["Approved"] == 2  # counted for the observer: one visible item then, one now


class _Clock:
    """Stands in for the time module in apps.dashboards.views: the test decides how late it is."""

    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


def _approved(client: Client, case: Case) -> int:
    return _bars(client.get(_url(case)).content.decode(), "chart-review-states")["Approved"]


def test_a_drawing_older_than_a_minute_is_drawn_again(
    client: Client, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock()
    monkeypatch.setattr("apps.dashboards.views.time", clock)
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)
    sign_in(client, people.lead)
    assert _approved(client, people.case) == 1
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)

    clock.now += selectors.CACHE_SECONDS - 1
    assert _approved(client, people.case) == 1  # still within the minute
    clock.now += 2
    assert _approved(client, people.case) == 2


def test_while_one_request_draws_again_the_others_show_the_previous_drawing(
    client: Client, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock()
    monkeypatch.setattr("apps.dashboards.views.time", clock)
    keys: list[str] = []

    def recording_key(**kwargs: Any) -> str:
        keys.append(selectors.case_dashboard_cache_key(**kwargs))
        return keys[-1]

    monkeypatch.setattr("apps.dashboards.views.case_dashboard_cache_key", recording_key)
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)
    sign_in(client, people.lead)
    assert _approved(client, people.case) == 1
    reused_queries = _queries(client, people.case)  # a recent drawing: no counting
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)
    clock.now += selectors.CACHE_SECONDS + 1

    # Another worker has started drawing (it holds the key's drawing lock): this request shows the old drawing
    # and counts nothing.
    assert cache.add(f"{keys[-1]}:drawing", 1, views.REDRAW_TIMEOUT_SECONDS)
    assert _approved(client, people.case) == 1
    assert _queries(client, people.case) == reused_queries
    # The lock is gone (that worker finished, or its time ran out): the next request draws.
    cache.delete(f"{keys[-1]}:drawing")
    assert _approved(client, people.case) == 2


def test_a_recount_asked_for_is_never_answered_with_the_previous_drawing(client: Client, people: People) -> None:
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)
    sign_in(client, people.lead)
    assert _approved(client, people.case) == 1
    EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)
    selectors.case_dashboard_forget(case=people.case)
    assert _approved(client, people.case) == 2
