"""The incident pages: list (filters, search, sorting, pages, CSV) and one incident's page.

People: alice leads the case, rita reviews, ivan investigates, olga observes; mallory leads another case;
oscar belongs to none (tests/incidents/test_api.py, make_people).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.common.enums import TimePrecision
from apps.common.search import full_text_search
from apps.evidence.enums import ReviewStatus
from apps.evidence.models import Derivative, IncidentLink
from apps.incidents.enums import CasualtyScope, VerificationStatus, WeaponConfidence
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident, IncidentType
from apps.incidents.page_data import SEARCH_FIELDS
from apps.review.services import incident_verification_set
from apps.sources.enums import SourceType
from apps.weapons.models import WeaponType
from tests.accounts.helpers import login_verified
from tests.cases.conftest import People
from tests.factories import EvidenceItemFactory, IncidentFactory, SourceFactory
from tests.incidents.test_api import make_people

pytestmark = pytest.mark.django_db

LIST = reverse("incidents:list")
CSV = reverse("incidents:export_csv")


@pytest.fixture
def people(db: None) -> People:
    return make_people()


def client_for(user: Any) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def assert_no_inline_code(html: str) -> None:
    """The CSP forbids inline script and style: no <script> without src (JSON data blocks aside), no style=, no on*=."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert " style=" not in html
    assert re.findall(r"<[^>]+\son[a-z]+=", html) == []


def incident(people: People, title: str, **values: Any) -> Incident:
    return IncidentFactory(case=people.case, title=title, **values)


def titles(response: Any) -> list[str]:
    return [row.title for row in response.context["page"].object_list]


# --- List ---------------------------------------------------------------------------------------


def test_list_shows_only_the_users_cases(people: People) -> None:
    incident(people, "Shelling of Irpin")
    IncidentFactory(title="Elsewhere")  # another case
    response = client_for(people.observer).get(LIST)
    assert response.status_code == 200
    assert titles(response) == ["Shelling of Irpin"]
    assert client_for(people.outsider).get(LIST).context["page"].paginator.count == 0


def test_anonymous_visitor_is_sent_to_sign_in(people: People) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_filters_by_date_place_status_and_type(people: People) -> None:
    irpin = incident(
        people,
        "Irpin",
        start_at=datetime(2022, 3, 6, 8, tzinfo=UTC),
        admin1="Kyiv oblast",
        verification_status=VerificationStatus.VERIFIED,
    )
    irpin.incident_types.set(IncidentType.objects.filter(code="attack-on-civilians"))
    incident(people, "Volnovakha", start_at=datetime(2022, 2, 24, tzinfo=UTC), admin1="Donetsk oblast")
    client = client_for(people.investigator)
    assert titles(client.get(LIST, {"start_after": "2022-03-01"})) == ["Irpin"]
    assert titles(client.get(LIST, {"start_before": "2022-03-01"})) == ["Volnovakha"]
    assert titles(client.get(LIST, {"admin1": "donetsk oblast"})) == ["Volnovakha"]
    assert titles(client.get(LIST, {"verification_status": "verified"})) == ["Irpin"]
    assert titles(client.get(LIST, {"incident_type": "attack-on-civilians"})) == ["Irpin"]
    assert titles(client.get(LIST, {"case": str(people.case.pk)})) == ["Irpin", "Volnovakha"]


def test_weapon_filter_includes_child_types(people: People) -> None:
    family = WeaponType.objects.get(slug="multiple-launch-rocket-systems")
    child = WeaponType.objects.get(slug="9m27k-cargo-rocket")  # BM-27 Uragan's cargo rocket, two levels below
    alleged = incident(people, "Cluster strike")
    incident(people, "Other")
    allegation = Allegation.objects.create(
        case=people.case,
        incident=alleged,
        source=SourceFactory(case=people.case),
        asserted_on=date(2022, 3, 7),
        summary="Cluster munitions used",
    )
    AllegedWeapon.objects.create(allegation=allegation, weapon_type=child)
    client = client_for(people.investigator)
    assert titles(client.get(LIST, {"weapon": family.slug})) == ["Cluster strike"]
    assert titles(client.get(LIST, {"weapon": child.slug})) == ["Cluster strike"]


def test_has_approved_evidence_filter(people: People) -> None:
    with_evidence = incident(people, "With approved evidence")
    incident(people, "Without")
    item = EvidenceItemFactory(case=people.case, review_status=ReviewStatus.APPROVED)
    IncidentLink.objects.create(item=item, incident=with_evidence)
    client = client_for(people.investigator)
    assert titles(client.get(LIST, {"has_approved_evidence": "true"})) == ["With approved evidence"]
    assert titles(client.get(LIST, {"has_approved_evidence": "false"})) == ["Without"]


def test_invalid_filter_is_reported_and_the_others_still_apply(people: People) -> None:
    incident(people, "Irpin", admin1="Kyiv oblast")
    incident(people, "Volnovakha", admin1="Donetsk oblast")
    response = client_for(people.investigator).get(LIST, {"start_after": "not a date", "admin1": "Kyiv oblast"})
    assert response.status_code == 200
    assert titles(response) == ["Irpin"]
    assert "Enter a valid date." in response.content.decode()


def test_date_filters_take_days_in_the_users_time_zone(people: People) -> None:
    # 22:30 UTC on 5 March is 00:30 on 6 March in Kyiv (the default display zone): the list counts it on the 6th.
    incident(people, "Just after midnight in Kyiv", start_at=datetime(2022, 3, 5, 22, 30, tzinfo=UTC))
    incident(people, "Evening of the 5th", start_at=datetime(2022, 3, 5, 21, 30, tzinfo=UTC))
    client = client_for(people.investigator)
    assert titles(client.get(LIST, {"start_after": "2022-03-06"})) == ["Just after midnight in Kyiv"]
    assert titles(client.get(LIST, {"start_before": "2022-03-05"})) == ["Evening of the 5th"]
    both_days = {"start_after": "2022-03-05", "start_before": "2022-03-06"}
    assert titles(client.get(LIST, both_days)) == ["Just after midnight in Kyiv", "Evening of the 5th"]


def test_date_filters_at_the_ends_of_the_calendar_answer_normally(people: People) -> None:
    incident(people, "Irpin")
    client = client_for(people.investigator)
    assert titles(client.get(LIST, {"start_after": "0001-01-01", "start_before": "9999-12-31"})) == ["Irpin"]
    assert titles(client.get(LIST, {"start_after": "9999-12-31"})) == []
    assert titles(client.get(LIST, {"start_before": "0001-01-01"})) == []


def test_an_invalid_filter_keeps_every_value_of_a_repeated_one(people: People) -> None:
    attack = incident(people, "Attack", start_at=datetime(2022, 3, 1, tzinfo=UTC))
    attack.incident_types.set(IncidentType.objects.filter(code="attack-on-civilians"))
    other_code = IncidentType.objects.exclude(code="attack-on-civilians").values_list("code", flat=True)[0]
    other = incident(people, "Other type", start_at=datetime(2022, 3, 2, tzinfo=UTC))
    other.incident_types.set(IncidentType.objects.filter(code=other_code))
    incident(people, "No type")
    query = {"incident_type": ["attack-on-civilians", other_code], "start_after": "not a date"}
    assert titles(client_for(people.investigator).get(LIST, query)) == ["Other type", "Attack"]


def test_a_new_or_renamed_incident_type_is_offered_accepted_and_shown_at_once(
    people: People, django_capture_on_commit_callbacks: Any
) -> None:
    # The list reads the types from the shared cache (filter choices, options, row names): a change empties it.
    client = client_for(people.investigator)
    assert "field-survey" in field_errors_of(client.get(LIST, {"incident_type": "field-survey"}))
    with django_capture_on_commit_callbacks(execute=True):
        added = IncidentType.objects.create(code="field-survey", name="Field survey", name_uk="Польове обстеження")
    surveyed = incident(people, "Surveyed")
    surveyed.incident_types.set([added])
    response = client.get(LIST, {"incident_type": "field-survey"})
    assert (titles(response), field_errors_of(response)) == (["Surveyed"], "")
    assert 'value="field-survey"' in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        IncidentType.objects.filter(pk="field-survey").update(name="Survey on site")
        IncidentType.objects.get(pk="field-survey").save()  # the admin saves the object: the signal fires
    renamed = client.get(LIST)
    assert [row.types for row in renamed.context["page"].object_list] == [["Survey on site"]]
    assert "Survey on site" in renamed.content.decode()


def test_filter_errors_are_in_each_requests_language(people: People) -> None:
    # The filter form's class is built once per language and kept (IncidentFilter.get_form_class).
    client = client_for(people.investigator)
    invalid = {"start_after": "not a date"}
    assert "Enter a valid date." in field_errors_of(client.get(LIST, invalid))
    assert "Введіть коректну дату." in field_errors_of(client.get(LIST, invalid, HTTP_ACCEPT_LANGUAGE="uk"))
    assert "Enter a valid date." in field_errors_of(client.get(LIST, invalid, HTTP_ACCEPT_LANGUAGE="en"))


def field_errors_of(response: Any) -> str:
    """The text of the filter form's field errors, as the page shows them ('' when there are none)."""
    return " ".join(str(errors) for errors in response.context["errors"].values())


def test_the_filter_form_shows_what_was_asked_for(people: People) -> None:
    incident(people, "Irpin")
    query = {
        "admin1": 'Kyiv "oblast"',
        "verification_status": "verified",
        "has_approved_evidence": "false",
        "weapon": "bm-27-uragan",
        "incident_type": ["attack-on-civilians"],
        "start_after": "2022-03-01",
    }
    page = client_for(people.investigator).get(LIST, query).content.decode()
    html = page.split('class="incident-filters"', 1)[1].split("</form>", 1)[0]
    assert 'name="admin1" id="id_admin1" value="Kyiv &quot;oblast&quot;"' in html  # escaped
    assert '<option value="verified" selected>' in html
    assert '<option value="false" selected>' in html
    assert '<option value="bm-27-uragan" selected>' in html
    assert re.search(r'value="attack-on-civilians" id="id_incident_type_\d+" checked>', html)
    assert 'id="id_start_after" value="2022-03-01"' in html
    assert html.count(" selected>") == 3
    assert html.count(" checked>") == 1


def test_an_invalid_filter_value_is_marked_on_its_field(people: People) -> None:
    html = client_for(people.investigator).get(LIST, {"weapon": "no-such-weapon"}).content.decode()
    assert 'aria-invalid="true" aria-describedby="id_weapon_error"' in html
    assert '<div class="errors" id="id_weapon_error">' in html


def test_times_are_written_at_their_precision_in_the_users_zone(people: People) -> None:
    made = incident(people, "Irpin", start_at=datetime(2022, 3, 5, 22, 30, tzinfo=UTC))
    client = client_for(people.investigator)
    html = client.get(LIST).content.decode()
    assert '<time datetime="2022-03-05T22:30:00+00:00">2022-03-06 00:30</time>' in html
    made.start_precision = TimePrecision.MONTH
    made.save()
    html = client.get(LIST).content.decode()
    assert '<time datetime="2022-03-05T22:30:00+00:00">2022-03' in html
    assert '<span class="precision">(Month)</span>' in html
    ukrainian = client.get(LIST, HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert '<span class="precision">(Місяць)</span>' in ukrainian


def test_a_row_writes_every_column_escaped(people: People) -> None:
    made = incident(people, "<b>Irpin</b> & bridge", place_name="", admin1="Kyiv <oblast>")
    made.incident_types.set(IncidentType.objects.filter(code__in=["killing", "detention"]))
    IncidentLink.objects.create(item=EvidenceItemFactory(case=people.case), incident=made)
    html = client_for(people.investigator).get(LIST).content.decode()
    row = re.search(r"<tr><td><a href=.*?</tr>", html)
    assert row is not None
    cells = re.findall(r"<td>(.*?)</td>", row.group(0))
    names = "; ".join(str(kind) for kind in IncidentType.objects.filter(code__in=["killing", "detention"]))
    url = reverse("incidents:detail", kwargs={"incident_id": made.pk})
    assert cells[0] == f'<a href="{url}">&lt;b&gt;Irpin&lt;/b&gt; &amp; bridge</a>'
    assert cells[1].startswith("<time datetime=")  # tested on its own above
    assert cells[2:] == [
        '—<span class="muted">, Kyiv &lt;oblast&gt;</span>',
        f'<span class="status status-{made.verification_status}">{made.get_verification_status_display()}</span>',
        people.case.reference,
        names,
        "1",
    ]
    assert "No incidents match these filters." not in html
    assert "No incidents match these filters." in client_for(people.outsider).get(LIST).content.decode()


def test_a_search_is_evaluated_once_per_page(people: People) -> None:
    for number in range(3):
        incident(people, f"Shelling of a school {number}")
    client = client_for(people.investigator)
    client.get(LIST, {"search": "school"})  # the filter form's vocabularies are read on the first view
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"search": "school"})
    assert len(titles(response)) == 3
    # The count and the page's ids come from one read of the matches; the rows are then read by id.
    on_incidents = [query["sql"] for query in queries if 'FROM "incidents_incident"' in query["sql"]]
    searching = [sql for sql in on_incidents if "school" in sql.lower()]
    assert len(searching) == 1, searching


def test_search_matches_title_narrative_and_place(people: People) -> None:
    incident(people, "Shelling of a school", narrative="Witnesses heard rockets")
    incident(people, "Fire", place_name="Irpin")
    incident(people, "Unrelated")
    client = client_for(people.investigator)
    assert titles(client.get(LIST, {"search": "rockets"})) == ["Shelling of a school"]
    assert titles(client.get(LIST, {"search": "irpin"})) == ["Fire"]
    assert titles(client.get(LIST, {"search": "shelling -school"})) == []


def test_search_finds_ukrainian_words(people: People) -> None:
    incident(people, "Обстріл Ірпеня")
    incident(people, "Інше")
    assert titles(client_for(people.investigator).get(LIST, {"search": "Ірпеня"})) == ["Обстріл Ірпеня"]


def test_search_runs_on_the_configured_database(people: People) -> None:
    incident(people, "Shelling of a school")
    client = client_for(people.investigator)
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST, {"search": "school"})
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    if connection.vendor == "postgresql":
        assert "to_tsvector" in sql
        assert "websearch_to_tsquery" in sql
    else:
        assert "LIKE" in sql


def test_sorting_by_each_column(people: People) -> None:
    incident(people, "B", start_at=datetime(2022, 3, 1, tzinfo=UTC), admin1="Z oblast", verification_status="verified")
    incident(people, "A", start_at=datetime(2022, 3, 2, tzinfo=UTC), admin1="Y oblast", verification_status="disputed")
    incident(
        people, "C", start_at=datetime(2022, 3, 3, tzinfo=UTC), admin1="X oblast", verification_status="unverified"
    )
    client = client_for(people.investigator)
    assert titles(client.get(LIST)) == ["C", "A", "B"]  # newest first by default
    assert titles(client.get(LIST, {"sort": "start"})) == ["B", "A", "C"]
    assert titles(client.get(LIST, {"sort": "title"})) == ["A", "B", "C"]
    assert titles(client.get(LIST, {"sort": "-title"})) == ["C", "B", "A"]
    assert titles(client.get(LIST, {"sort": "place"})) == ["C", "A", "B"]
    assert titles(client.get(LIST, {"sort": "status"})) == ["A", "C", "B"]
    assert titles(client.get(LIST, {"sort": "nonsense"})) == ["C", "A", "B"]


def test_sort_links_keep_the_filters_and_say_which_way(people: People) -> None:
    incident(people, "A", admin1="Kyiv oblast")
    html = client_for(people.investigator).get(LIST, {"admin1": "Kyiv oblast", "sort": "title"}).content.decode()
    assert 'href="?admin1=Kyiv+oblast&amp;sort=-title"' in html
    assert '<th scope="col" aria-sort="ascending"><a href="?admin1=Kyiv+oblast&amp;sort=-title">' in html


def test_pages_of_25(people: People) -> None:
    for number in range(27):
        incident(people, f"Incident {number:02d}", start_at=datetime(2022, 3, 1, number % 24, tzinfo=UTC))
    client = client_for(people.investigator)
    first = client.get(LIST, {"sort": "title"})
    assert len(titles(first)) == 25
    second = client.get(LIST, {"sort": "title", "page": "2"})
    assert titles(second) == ["Incident 25", "Incident 26"]
    assert 'href="?sort=title&amp;page=2"' in first.content.decode()


def test_a_page_past_the_end_shows_the_last_page_and_page_zero_too(people: People) -> None:
    for number in range(27):
        incident(people, f"Incident {number:02d}")
    client = client_for(people.investigator)
    for asked in ("3", "999999999999", "0", "-4"):
        response = client.get(LIST, {"sort": "title", "page": asked})
        page = response.context["page"]
        assert (page.number, titles(response), page.paginator.count) == (2, ["Incident 25", "Incident 26"], 27)


def test_pages_of_rows_that_tie_on_the_sort_column_neither_repeat_nor_skip(people: People) -> None:
    # Same start for all: the id breaks the tie, in the page's query as in the one that reads the rows.
    same_time = datetime(2022, 3, 1, tzinfo=UTC)
    made = {incident(people, f"Incident {number:02d}", start_at=same_time).title for number in range(30)}
    client = client_for(people.investigator)
    shown = titles(client.get(LIST)) + titles(client.get(LIST, {"page": "2"}))
    assert (len(shown), set(shown)) == (30, made)


def test_a_user_in_no_case_gets_an_empty_first_page(people: People) -> None:
    incident(people, "Irpin")
    response = client_for(people.outsider).get(LIST, {"page": "2"})
    assert (response.status_code, titles(response), response.context["page"].number) == (200, [], 1)


def test_the_count_stops_ahead_of_the_page_and_says_more(people: People, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("apps.incidents.views.COUNT_AHEAD", 25)
    for number in range(27):
        incident(people, f"Incident {number:02d}", start_at=datetime(2022, 3, 1, number % 24, tzinfo=UTC))
    client = client_for(people.investigator)
    first = client.get(LIST, {"sort": "title"})
    html = first.content.decode()
    assert (first.context["page"].paginator.count, first.context["page"].paginator.more) == (25, True)
    assert "More than 25 incidents" in html
    assert "Page 1 of 2 or more" in html
    assert 'href="?sort=title&amp;page=2" rel="next"' in html
    second = client.get(LIST, {"sort": "title", "page": "2"})  # counts further from the page asked for
    assert titles(second) == ["Incident 25", "Incident 26"]
    assert (second.context["page"].paginator.count, second.context["page"].paginator.more) == (27, False)
    assert "27 incidents" in second.content.decode()
    assert "Page 2 of 2<" in second.content.decode()
    assert titles(client.get(LIST, {"sort": "title", "page": "99"})) == ["Incident 25", "Incident 26"]
    assert len(titles(client.get(LIST, {"sort": "title", "page": "nonsense"}))) == 25


def _search_sql(words: str) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters of the condition the list's search writes, alone."""
    queryset = full_text_search(Incident.objects.all(), query=words, fields=SEARCH_FIELDS).values("pk")
    return queryset.query.sql_with_params()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's text search and its index")
def test_search_is_answered_by_the_search_index(people: People) -> None:
    incident(people, "Shelling of a school")
    # The condition the list's search writes, alone: with sequential scans off, PostgreSQL can answer it only
    # from an index whose expression is exactly that text vector.
    sql, params = _search_sql("school")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "incident_search_idx" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's text search and its index")
def test_search_index_serves_a_prepared_statements_generic_plan(people: People) -> None:
    incident(people, "Shelling of a school")
    # The pages' statements are prepared (config.settings), and after a few runs PostgreSQL may plan one for any
    # value ("generic"): the vector's constants must be in the statement's text, not among its parameters, or
    # the plan cannot match the index and computes the vector for every row it reads.
    sql, params = _search_sql("school")
    placeholders = tuple(f"${number}" for number in range(1, len(params) + 1))
    values = ", ".join("'{}'".format(str(value).replace("'", "''")) for value in params)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE custos_test_search AS {sql % placeholders}")
        cursor.execute(f"EXPLAIN EXECUTE custos_test_search({values})")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("DEALLOCATE custos_test_search")
    assert "incident_search_idx" in plan, plan
    assert params == ("simple", "school")  # the query's configuration and words: bound


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_a_searchs_page_does_not_walk_the_start_time_index_testing_each_incident(people: People) -> None:
    # A word in one incident of twelve, in an oblast of half of them, in a case of 12,000 (bench/pages.py's shape,
    # smaller). Asked for a page of 25, PostgreSQL 15 once chose to walk the case's start-time index, testing every
    # incident against the search until it had counted the matches (370 ms on the benchmark's 100,000), because
    # it took the page's LIMIT as needing only a few of them; the count needs all of them.
    start = datetime(2022, 3, 1, tzinfo=UTC)
    Incident.objects.bulk_create(
        Incident(
            case=people.case,
            title=f"{'Shelling of a kindergarten' if number % 12 == 0 else 'Shelling of a market'} #{number}",
            narrative="Witnesses describe damage; casualties are being counted.",
            admin1="Donetska" if number % 24 < 12 else "Kharkivska",
            start_at=start + timedelta(minutes=37 * number),
        )
        for number in range(12_000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")
    client = client_for(people.investigator)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"search": "kindergarten", "admin1": "Donetska"})
    assert response.context["page"].paginator.count == 500
    (page_query,) = [query["sql"] for query in queries if "COUNT(*) OVER ()" in query["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {page_query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The matches are collected first (by the oblast's or the search's index), then counted and paged.
    assert "incident_case_start_idx" not in plan, plan


def _list_queries(client: Client, **params: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return len(queries.captured_queries)


def _rich_incident(people: People, title: str) -> Incident:
    made = incident(people, title, admin1="Kyiv oblast")
    allegation = Allegation.objects.create(
        case=people.case,
        incident=made,
        source=SourceFactory(case=people.case),
        asserted_on=date(2022, 3, 7),
        summary="x",
    )
    AllegedWeapon.objects.create(allegation=allegation, weapon_type=WeaponType.objects.get(slug="9m27k-cargo-rocket"))
    made.incident_types.set(IncidentType.objects.all()[:2])
    made.tags.add("a", "b")
    IncidentLink.objects.create(item=EvidenceItemFactory(case=people.case), incident=made)
    return made


def test_list_query_count_does_not_grow_with_rows(people: People) -> None:
    client = client_for(people.investigator)
    filtered = {"search": "one", "admin1": "Kyiv oblast", "has_approved_evidence": "false", "weapon": "bm-27-uragan"}
    _rich_incident(people, "One")
    _list_queries(client)  # the filter form's vocabularies are read once, then shared (list_filter_options)
    plain, narrowed = _list_queries(client), _list_queries(client, **filtered)
    _rich_incident(people, "Two one")
    _rich_incident(people, "Three one")
    assert [len(titles(client.get(LIST))), len(titles(client.get(LIST, {"search": "one"})))] == [3, 3]
    assert _list_queries(client) == plain
    assert _list_queries(client, **filtered) == narrowed


def test_list_page_has_no_inline_code(people: People) -> None:
    _rich_incident(people, "One")
    assert_no_inline_code(client_for(people.investigator).get(LIST).content.decode())


# --- CSV ----------------------------------------------------------------------------------------


def read_csv(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def test_csv_has_every_matching_row_with_its_columns(people: People) -> None:
    irpin = incident(
        people,
        "Fires in Irpin",
        start_at=datetime(2022, 3, 6, tzinfo=UTC),
        start_precision="day",
        place_name="Irpin",
        admin1="Kyiv oblast",
        admin2="Bucha raion",
        admin3="Irpin urban hromada",
        latitude=Decimal("50.521800"),
        longitude=Decimal("30.250600"),
    )
    irpin.incident_types.set(
        IncidentType.objects.filter(code__in=["attack-on-civilians", "attack-on-civilian-objects"])
    )
    IncidentLink.objects.create(item=EvidenceItemFactory(case=people.case), incident=irpin)
    for number in range(30):
        incident(people, f"Filler {number}", admin1="Donetsk oblast")
    response = client_for(people.investigator).get(CSV, {"admin1": "Kyiv oblast"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="incidents-')
    rows = read_csv(response)
    assert rows == [
        {
            "id": str(irpin.pk),
            "case_reference": "UA-2022-0001",
            "title": "Fires in Irpin",
            "start_at": "2022-03-06T00:00:00+00:00",
            "start_precision": "day",
            "end_at": "",
            "end_precision": "",
            "place_name": "Irpin",
            "country_code": "UA",
            "admin1": "Kyiv oblast",
            "admin2": "Bucha raion",
            "admin3": "Irpin urban hromada",
            "latitude": "50.521800",
            "longitude": "30.250600",
            "location_precision": "settlement",
            "incident_types": "attack-on-civilian-objects;attack-on-civilians",
            "tags": "",
            "verification_status": "unverified",
            "allegation_count": "0",
            "evidence_count": "1",
        }
    ]
    everything = read_csv(client_for(people.investigator).get(CSV))
    assert len(everything) == 31  # no pagination


def test_csv_uses_the_search_and_need_to_know(people: People) -> None:
    incident(people, "Shelling of a school")
    incident(people, "Other")
    IncidentFactory(title="Shelling elsewhere")  # another case
    rows = read_csv(client_for(people.investigator).get(CSV, {"search": "shelling"}))
    assert [row["title"] for row in rows] == ["Shelling of a school"]
    assert read_csv(client_for(people.outsider).get(CSV)) == []


def test_csv_defuses_spreadsheet_formulas(people: People) -> None:
    incident(people, '=HYPERLINK("http://evil")', place_name="+1")
    (row,) = read_csv(client_for(people.investigator).get(CSV))
    assert row["title"] == '\'=HYPERLINK("http://evil")'
    assert row["place_name"] == "'+1"


def test_csv_query_count_does_not_grow_with_rows(people: People) -> None:
    client = client_for(people.investigator)
    _rich_incident(people, "One")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            read_csv(client.get(CSV))
        return len(queries.captured_queries)

    one = count()
    _rich_incident(people, "Two")
    _rich_incident(people, "Three")
    assert count() == one


# --- One incident -------------------------------------------------------------------------------


def _full_incident(people: People, *, allegations: int = 1, items: int = 1) -> Incident:
    made = incident(
        people,
        "Fires in Irpin",
        narrative="Fires burned after attacks.",
        start_at=datetime(2022, 3, 6, tzinfo=UTC),
        start_precision="day",
        place_name="Irpin",
        admin1="Kyiv oblast",
        admin2="Bucha raion",
        latitude=Decimal("50.521800"),
        longitude=Decimal("30.250600"),
    )
    made.incident_types.set(IncidentType.objects.filter(code="attack-on-civilians"))
    weapon = WeaponType.objects.get(slug="9m27k-cargo-rocket")
    for number in range(allegations):
        source = SourceFactory(
            case=people.case,
            title=f"Witness statement {number}",
            source_type=SourceType.WITNESS_ACCOUNT,
            witness_name=f"Secret Witness {number}",
            witness_contact="+380 00 000 0000",
        )
        allegation = Allegation.objects.create(
            case=people.case,
            incident=made,
            source=source,
            asserted_on=date(2022, 3, 7),
            claimant="NATO Secretary General",
            summary=f"Cluster munitions used {number}",
        )
        AllegedWeapon.objects.create(
            allegation=allegation, weapon_type=weapon, confidence=WeaponConfidence.PROBABLE, basis="remnants"
        )
    first = CasualtyFigure.objects.create(
        case=people.case,
        scope=CasualtyScope.INCIDENT,
        incident=made,
        reporter="OHCHR",
        as_of=date(2022, 3, 3),
        killed=249,
        injured=553,
    )
    CasualtyFigure.objects.create(
        case=people.case,
        scope=CasualtyScope.INCIDENT,
        incident=made,
        reporter="OHCHR",
        as_of=date(2022, 3, 4),
        killed=331,
        injured=675,
        supersedes=first,
    )
    for number in range(items):
        item = EvidenceItemFactory(case=people.case, is_graphic=number == 0)
        Derivative.objects.create(
            item=item,
            kind="thumbnail",
            blurred=item.is_graphic,
            storage_name=f"derivatives/x{number}",
            sha256="sha256:" + "0" * 64,
            size_bytes=10,
            content_type="image/jpeg",
            width=320,
            height=240,
            tool="test",
        )
        IncidentLink.objects.create(item=item, incident=made)
    return made


def test_incident_page_shows_everything(people: People) -> None:
    made = _full_incident(people)
    incident_verification_set(
        incident=made, user=people.reviewer, status=VerificationStatus.PARTIALLY_VERIFIED, reason="Geolocated the photo"
    )
    response = client_for(people.investigator).get(reverse("incidents:detail", args=[made.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fires burned after attacks." in html
    assert '<span data-testid="coordinates">50.521800, 30.250600</span>' in html
    assert "<dd>Kyiv oblast</dd>" in html
    assert "<dd>Bucha raion</dd>" in html
    assert '<time datetime="2022-03-06T00:00:00+00:00">2022-03-06</time> <span class="precision">(Day)</span>' in html
    assert "Cluster munitions used 0" in html
    assert "NATO Secretary General" in html
    assert " — Probable" in html
    assert "Secret Witness 0" in html
    assert html.count("<tr") >= 3
    assert "corrects figure #" in html
    assert "corrected by #" in html
    thumbnail = reverse("evidence:item_preview", args=[made.evidence_items.get().pk, "thumbnail"])
    assert f'src="{thumbnail}"' in html
    assert 'class="thumbnail blurred"' in html
    assert "Partially verified" in html
    assert "Geolocated the photo" in html
    assert reverse("comments:incident_comments", args=[made.pk]) in html
    assert reverse("incidents:edit", args=[made.pk]) in html
    assert "/media/" not in html  # never a storage address
    assert "derivatives/x0" not in html
    assert_no_inline_code(html)


def test_observer_does_not_see_witness_identity_nor_the_edit_link(people: People) -> None:
    made = _full_incident(people)
    html = client_for(people.observer).get(reverse("incidents:detail", args=[made.pk])).content.decode()
    assert "Secret Witness" not in html
    assert "+380" not in html
    assert "Witness identities are hidden" in html
    assert reverse("incidents:edit", args=[made.pk]) not in html


def test_incident_of_another_case_is_not_found(people: People) -> None:
    made = _full_incident(people)
    assert client_for(people.other_member).get(reverse("incidents:detail", args=[made.pk])).status_code == 404
    assert client_for(people.outsider).get(reverse("incidents:detail", args=[made.pk])).status_code == 404


def test_incident_page_queries_do_not_grow_with_allegations_and_items(people: People) -> None:
    client = client_for(people.investigator)
    client.get(reverse("incidents:list"))  # the header's cached answers (common.cached_flags) read once
    small = _full_incident(people, allegations=1, items=1)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("incidents:detail", args=[small.pk]))
    few = len(queries.captured_queries)
    large = _full_incident(people, allegations=3, items=3)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("incidents:detail", args=[large.pk]))
    assert len(queries.captured_queries) == few
