"""The incident form: create and edit, with inline sources, allegations and casualty figures.

Who: investigators and leads of an open case (others 403 with the reason; another case 404). What: every field
validated next to itself, one transaction for everything, one incident per idempotency token.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.cases.enums import CaseStatus
from apps.incidents.enums import CasualtyScope, WeaponConfidence
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident
from apps.sources.models import Source
from apps.weapons.models import WeaponType
from tests.cases.conftest import People
from tests.factories import IncidentFactory, SourceFactory
from tests.incidents.test_api import make_people
from tests.incidents.test_views import assert_no_inline_code, client_for

pytestmark = pytest.mark.django_db

CLOSED_REASON = "This case is closed; it accepts no changes. A lead can reopen it."
ROLE_REASON = "Only investigators and leads of this case add or change its records."


@pytest.fixture
def people(db: None) -> People:
    return make_people()


def create_url(people: People) -> str:
    return f"{reverse('incidents:create')}?case={people.case.pk}"


def management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "idempotency_token": str(uuid.uuid4()),
        "title": "Fires in Irpin",
        "narrative": "Fires burned after attacks.",
        "start_date": "2022-03-06",
        "start_time": "",
        "start_precision": "day",
        "end_date": "",
        "end_time": "",
        "end_precision": "day",
        "place_name": "Irpin",
        "country_code": "UA",
        "admin1": "Kyiv oblast",
        "admin2": "Bucha raion",
        "admin3": "Irpin urban hromada",
        "latitude": "50.5218",
        "longitude": "30.2506",
        "location_precision": "settlement",
        "incident_types": ["attack-on-civilian-objects"],
        "tags": "Irpin, fire",
        **management("sources"),
        **management("allegations"),
        **management("figures"),
    }
    data.update(overrides)
    return data


def errors_of(response: Any) -> str:
    return response.content.decode()


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["investigator", "lead"])
def test_contributors_get_the_form(people: People, role: str) -> None:
    response = client_for(people.by_name(role)).get(create_url(people))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="idempotency_token"' in html
    assert 'data-picker data-lat-input="id_latitude" data-lon-input="id_longitude"' in html
    assert_no_inline_code(html)


@pytest.mark.parametrize("role", ["reviewer", "observer"])
def test_reviewers_and_observers_are_refused_with_the_reason(people: People, role: str) -> None:
    client = client_for(people.by_name(role))
    made = IncidentFactory(case=people.case)
    for url in (create_url(people), reverse("incidents:edit", args=[made.pk])):
        response = client.get(url)
        assert response.status_code == 403
        assert ROLE_REASON in response.content.decode()
    assert client.post(create_url(people), form_data()).status_code == 403
    assert Incident.objects.count() == 1


def test_closed_case_is_refused_with_the_reason(people: People) -> None:
    made = IncidentFactory(case=people.case)
    people.case.status = CaseStatus.CLOSED
    people.case.save(update_fields=["status"])
    client = client_for(people.lead)
    for url in (create_url(people), reverse("incidents:edit", args=[made.pk])):
        response = client.get(url)
        assert response.status_code == 403
        assert CLOSED_REASON in response.content.decode()


def test_another_case_is_not_found(people: People) -> None:
    made = IncidentFactory(case=people.case)
    for user in (people.other_member, people.outsider):
        client = client_for(user)
        assert client.get(create_url(people)).status_code == 404
        assert client.get(reverse("incidents:edit", args=[made.pk])).status_code == 404
        assert client.post(create_url(people), form_data()).status_code == 404
    assert Incident.objects.count() == 1


def test_without_a_case_the_form_offers_the_users_open_cases(people: People) -> None:
    html = client_for(people.investigator).get(reverse("incidents:create")).content.decode()
    assert f'href="{create_url(people)}"' in html
    assert "UA-2022-0002" not in html


def test_anonymous_visitor_is_sent_to_sign_in(people: People) -> None:
    response = Client().get(create_url(people))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- Create -----------------------------------------------------------------------------------------


def test_create_records_the_incident_through_the_service(people: People) -> None:
    response = client_for(people.investigator).post(
        create_url(people), form_data(start_time="14:30", start_precision="hour")
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:detail", args=[incident.pk])
    assert incident.case == people.case
    assert incident.created_by == people.investigator
    assert incident.title == "Fires in Irpin"
    # 14:30 in Kyiv (UTC+2 in March 2022) is 12:30 UTC.
    assert incident.start_at == datetime(2022, 3, 6, 12, 30, tzinfo=UTC)
    assert incident.start_precision == "hour"
    assert incident.end_at is None
    assert (incident.latitude, incident.longitude) == (Decimal("50.521800"), Decimal("30.250600"))
    assert (incident.admin1, incident.admin2, incident.admin3) == ("Kyiv oblast", "Bucha raion", "Irpin urban hromada")
    assert list(incident.incident_types.values_list("code", flat=True)) == ["attack-on-civilian-objects"]
    assert sorted(incident.tags.names()) == ["Irpin", "fire"]
    assert incident.verification_status == "unverified"


def test_a_day_precise_start_is_midnight_local_time(people: People) -> None:
    client_for(people.investigator).post(create_url(people), form_data())
    assert Incident.objects.get().start_at == datetime(2022, 3, 5, 22, 0, tzinfo=UTC)


def test_double_submit_with_the_same_token_creates_one_incident(people: People) -> None:
    client = client_for(people.investigator)
    data = form_data()
    first = client.post(create_url(people), data)
    second = client.post(create_url(people), data)
    incident = Incident.objects.get()
    assert first.status_code == 302
    assert second.status_code == 302
    assert second["Location"] == first["Location"] == reverse("incidents:detail", args=[incident.pk])
    third = client.post(create_url(people), form_data(title="Another incident"))
    assert third.status_code == 302
    assert Incident.objects.count() == 2


def test_token_of_an_invalid_submit_can_be_used_again(people: People) -> None:
    client = client_for(people.investigator)
    token = str(uuid.uuid4())
    assert client.post(create_url(people), form_data(idempotency_token=token, title="")).status_code == 400
    assert client.post(create_url(people), form_data(idempotency_token=token)).status_code == 302
    assert Incident.objects.count() == 1


def test_another_users_token_is_not_theirs(people: People) -> None:
    data = form_data()
    client_for(people.investigator).post(create_url(people), data)
    client_for(people.lead).post(create_url(people), data)
    assert Incident.objects.count() == 2


def test_missing_token_is_an_error(people: People) -> None:
    data = form_data()
    del data["idempotency_token"]
    response = client_for(people.investigator).post(create_url(people), data)
    assert response.status_code == 400
    assert Incident.objects.count() == 0


# --- Validation next to the field -------------------------------------------------------------------


def field_error(html: str, field_id: str) -> list[str]:
    """The error messages rendered right after the field's input (in its own error block)."""
    block = re.search(rf'<div class="errors" id="{field_id}_error">(.*?)</div>', html, re.DOTALL)
    return re.findall(r"<li>(.*?)</li>", block.group(1)) if block else []


def test_errors_are_shown_next_to_their_fields(people: People) -> None:
    response = client_for(people.investigator).post(
        create_url(people),
        form_data(title="", latitude="95", longitude="", start_time="", start_precision="exact", end_date="2022-03-01"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error(html, "id_title") == ["This field is required."]
    assert field_error(html, "id_latitude") == ["Latitude must be between -90 and 90 degrees."]
    assert field_error(html, "id_start_time") == [
        "Give the time, or choose a coarser precision (Day, Week, Month or Approximate)."
    ]
    assert 'aria-invalid="true"' in html
    assert "Nothing was saved." in html
    assert Incident.objects.count() == 0


def test_rules_of_the_model_come_back_on_their_fields(people: People) -> None:
    """The service's checks (end before start, half a point) land on the form's fields, not on the page."""
    response = client_for(people.investigator).post(
        create_url(people), form_data(end_date="2022-03-01", latitude="50.5", longitude="")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert field_error(html, "id_end_date") == ["The end cannot be before the start."]
    assert field_error(html, "id_longitude") == ["Give both latitude and longitude, or neither."]
    assert Incident.objects.count() == 0


def test_coordinates_are_rounded_to_six_decimals_and_accept_a_comma(people: People) -> None:
    client_for(people.investigator).post(create_url(people), form_data(latitude="50,52183456", longitude="30.2506004"))
    incident = Incident.objects.get()
    assert (incident.latitude, incident.longitude) == (Decimal("50.521835"), Decimal("30.250600"))


# --- Inline rows ------------------------------------------------------------------------------------


def test_new_source_allegation_with_weapons_and_figure_in_one_submit(people: People) -> None:
    data = form_data(
        **management("sources", total=1),
        **{
            "sources-0-source_type": "official_statement",
            "sources-0-title": "Press conference",
            "sources-0-publisher": "NATO",
            "sources-0-reliability": "reliable",
            "sources-0-witness_name": "A. Witness",
        },
        **management("allegations", total=1),
        **{
            "allegations-0-source": "new-0",
            "allegations-0-claimant": "NATO Secretary General",
            "allegations-0-asserted_on": "2022-03-07",
            "allegations-0-summary": "Cluster munitions and vacuum bombs used",
            "allegations-0-weapons": ["cluster-munitions", "thermobaric-fuel-air-weapons"],
            "allegations-0-confidence": "alleged",
        },
        **management("figures", total=1),
        **{
            "figures-0-reporter": "OHCHR",
            "figures-0-as_of": "2022-03-06",
            "figures-0-killed": "364",
            "figures-0-injured": "759",
            "figures-0-caveat": "Actual numbers are considerably higher.",
        },
    )
    response = client_for(people.investigator).post(create_url(people), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = Incident.objects.get()
    source = Source.objects.get()
    assert (source.case, source.title, source.publisher, source.witness_name) == (
        people.case,
        "Press conference",
        "NATO",
        "A. Witness",
    )
    allegation = Allegation.objects.get()
    assert (allegation.incident, allegation.source, allegation.asserted_on) == (incident, source, date(2022, 3, 7))
    assert sorted(allegation.weapon_claims.values_list("weapon_type__slug", "confidence")) == [
        ("cluster-munitions", "alleged"),
        ("thermobaric-fuel-air-weapons", "alleged"),
    ]
    figure = CasualtyFigure.objects.get()
    assert (figure.scope, figure.incident, figure.reporter, figure.killed, figure.injured) == (
        CasualtyScope.INCIDENT,
        incident,
        "OHCHR",
        364,
        759,
    )
    assert figure.recorded_by == people.investigator


def test_an_error_in_one_row_saves_nothing(people: People) -> None:
    data = form_data(
        **management("allegations", total=1),
        **{"allegations-0-source": "new-0", "allegations-0-asserted_on": "2022-03-07", "allegations-0-summary": "x"},
        **management("figures", total=1),
        **{"figures-0-reporter": "OHCHR", "figures-0-as_of": "2022-03-06"},
    )
    response = client_for(people.investigator).post(create_url(people), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert field_error(html, "id_figures-0-killed") == ["Give the number killed, injured, or both."]
    assert Incident.objects.count() == 0
    assert Allegation.objects.count() == 0


def test_a_row_citing_an_empty_new_source_row_is_refused_next_to_its_source(people: People) -> None:
    data = form_data(
        **management("sources", total=1),
        **{"sources-0-source_type": "", "sources-0-title": "", "sources-0-reliability": "unknown"},
        **management("allegations", total=1),
        **{"allegations-0-source": "new-0", "allegations-0-asserted_on": "2022-03-07", "allegations-0-summary": "x"},
    )
    response = client_for(people.investigator).post(create_url(people), data)
    assert response.status_code == 400
    assert field_error(response.content.decode(), "id_allegations-0-source") == [
        "New source row 1 is empty: fill it in or choose another source."
    ]
    assert Incident.objects.count() == 0


def test_a_source_of_another_case_cannot_be_cited(people: People) -> None:
    foreign = SourceFactory()
    data = form_data(
        **management("allegations", total=1),
        **{
            "allegations-0-source": str(foreign.pk),
            "allegations-0-asserted_on": "2022-03-07",
            "allegations-0-summary": "x",
        },
    )
    response = client_for(people.investigator).post(create_url(people), data)
    assert response.status_code == 400
    assert field_error(response.content.decode(), "id_allegations-0-source") == [
        "Choose a source of this case, or a new source row."
    ]
    assert Allegation.objects.count() == 0


def test_untouched_extra_rows_are_ignored(people: People) -> None:
    data = form_data(
        **management("sources", total=1),
        **{"sources-0-source_type": "", "sources-0-title": "", "sources-0-reliability": "unknown"},
        **management("allegations", total=1),
        **{"allegations-0-confidence": "alleged"},
    )
    assert client_for(people.investigator).post(create_url(people), data).status_code == 302
    assert Source.objects.count() == 0
    assert Allegation.objects.count() == 0


# --- Edit -------------------------------------------------------------------------------------------


def _allegation(incident: Incident, source: Source) -> Allegation:
    allegation = Allegation.objects.create(
        case=incident.case, incident=incident, source=source, asserted_on=date(2022, 3, 7), summary="Old summary"
    )
    AllegedWeapon.objects.create(
        allegation=allegation,
        weapon_type=WeaponType.objects.get(slug="cluster-munitions"),
        confidence=WeaponConfidence.PROBABLE,
        basis="remnants",
    )
    AllegedWeapon.objects.create(
        allegation=allegation,
        weapon_type=WeaponType.objects.get(slug="rbk-500"),
        confidence=WeaponConfidence.CONFIRMED,
        basis="imagery",
    )
    return allegation


def test_edit_shows_the_saved_values_and_changes_them_through_the_service(people: People) -> None:
    made = IncidentFactory(
        case=people.case, title="Old title", start_at=datetime(2022, 3, 6, 6, 15, tzinfo=UTC), start_precision="exact"
    )
    source = SourceFactory(case=people.case)
    allegation = _allegation(made, source)
    client = client_for(people.investigator)
    url = reverse("incidents:edit", args=[made.pk])
    html = client.get(url).content.decode()
    assert 'value="Old title"' in html
    assert 'value="08:15"' in html  # 06:15 UTC in Kyiv
    assert 'value="Old summary"' in html
    assert 'name="idempotency_token"' not in html
    data = form_data(
        title="New title",
        start_date="2022-03-06",
        start_time="08:15",
        start_precision="exact",
        **management("allegations", total=1, initial=1),
        **{
            "allegations-0-id": str(allegation.pk),
            "allegations-0-source": str(source.pk),
            "allegations-0-asserted_on": "2022-03-07",
            "allegations-0-summary": "New summary",
            "allegations-0-weapons": ["cluster-munitions", "rbk-500", "odab-500"],
            "allegations-0-confidence": "",
        },
    )
    data.pop("idempotency_token")
    response = client.post(url, data)
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.title == "New title"
    assert made.start_at == datetime(2022, 3, 6, 6, 15, tzinfo=UTC)
    allegation.refresh_from_db()
    assert allegation.summary == "New summary"
    # Blank confidence keeps each weapon's own; a newly named weapon is "alleged".
    assert sorted(allegation.weapon_claims.values_list("weapon_type__slug", "confidence", "basis")) == [
        ("cluster-munitions", "probable", "remnants"),
        ("odab-500", "alleged", ""),
        ("rbk-500", "confirmed", "imagery"),
    ]
    assert Incident.objects.count() == 1


def test_casualty_figures_are_never_changed_a_correction_is_a_new_figure(people: People) -> None:
    made = IncidentFactory(case=people.case)
    old = CasualtyFigure.objects.create(
        case=people.case,
        scope=CasualtyScope.INCIDENT,
        incident=made,
        reporter="OHCHR",
        as_of=date(2022, 3, 3),
        killed=249,
    )
    url = reverse("incidents:edit", args=[made.pk])
    data = form_data(
        start_date="2022-03-06",
        **management("figures", total=1),
        **{
            "figures-0-reporter": "OHCHR",
            "figures-0-as_of": "2022-03-03",
            "figures-0-killed": "250",
            "figures-0-supersedes": str(old.pk),
        },
    )
    assert client_for(people.lead).post(url, data).status_code == 302
    old.refresh_from_db()
    assert old.killed == 249
    new = CasualtyFigure.objects.exclude(pk=old.pk).get()
    assert (new.killed, new.supersedes) == (250, old)


def test_a_figure_of_another_incident_cannot_be_corrected_here(people: People) -> None:
    made = IncidentFactory(case=people.case)
    elsewhere = CasualtyFigure.objects.create(
        case=people.case, scope=CasualtyScope.CASE, reporter="OHCHR", as_of=date(2022, 3, 3), killed=249
    )
    data = form_data(
        **management("figures", total=1),
        **{
            "figures-0-reporter": "OHCHR",
            "figures-0-as_of": "2022-03-03",
            "figures-0-killed": "250",
            "figures-0-supersedes": str(elsewhere.pk),
        },
    )
    response = client_for(people.lead).post(reverse("incidents:edit", args=[made.pk]), data)
    assert response.status_code == 400
    assert CasualtyFigure.objects.count() == 1


# --- The form page --------------------------------------------------------------------------------


def test_form_offers_weapons_grouped_by_family_with_aliases_for_search(people: People) -> None:
    html = client_for(people.investigator).get(create_url(people)).content.decode()
    assert html.count('<optgroup label="Cluster munitions">') == 2  # the first row and the template of new rows
    assert '<option value="rbk-500">Cluster munitions \u203a RBK-500' in html
    data = re.search(r'<script id="weapon-search-data" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert data is not None
    assert "vacuum bomb" in data.group(1)
    assert "\\u0432\\u0430\\u043a\\u0443\\u0443\\u043c" in data.group(1)  # "вакуум", Ukrainian alias (escaped)


def test_place_search_offers_places_of_the_case_and_the_gazetteer(people: People) -> None:
    IncidentFactory(case=people.case, place_name="Hostomel airport", admin1="Kyiv oblast")
    html = client_for(people.investigator).get(create_url(people)).content.decode()
    assert '<option value="Hostomel airport">Hostomel airport, Kyiv oblast (in this case)</option>' in html
    assert '<option value="Irpin">Irpin, Kyiv oblast</option>' in html
    assert '<option value="Ірпінь">Ірпінь, Kyiv oblast</option>' in html


def test_every_field_has_help_text_and_a_label(people: People) -> None:
    response = client_for(people.investigator).get(create_url(people))
    forms_ = response.context["forms"]
    for form in (forms_.incident, forms_.sources.empty_form, forms_.allegations.empty_form, forms_.figures.empty_form):
        for field in form.visible_fields():
            assert field.help_text, field.name
    html = response.content.decode()
    fields = re.findall(r"<(?:input|select|textarea)\b[^>]*>", html)
    ids = [re.search(r'\sid="([^"]+)"', tag).group(1) for tag in fields if 'type="hidden"' not in tag]
    labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
    assert [field_id for field_id in ids if field_id not in labelled and "__prefix__" not in field_id] == []


def test_form_page_queries_do_not_grow_with_allegations_and_figures(people: People) -> None:
    client = client_for(people.investigator)
    client.get(reverse("incidents:list"))  # the header's cached answers (common.cached_flags) read once

    def queries_for(count: int) -> int:
        made = IncidentFactory(case=people.case)
        for number in range(count):
            _allegation(made, SourceFactory(case=people.case))
            CasualtyFigure.objects.create(
                case=people.case,
                scope=CasualtyScope.INCIDENT,
                incident=made,
                reporter="OHCHR",
                as_of=date(2022, 3, 1 + number),
                killed=number,
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("incidents:edit", args=[made.pk])).status_code == 200
        return len(queries.captured_queries)

    assert queries_for(1) == queries_for(3)


def test_the_draft_is_keyed_by_case_and_incident_and_cleared_after_a_save(people: People) -> None:
    client = client_for(people.investigator)
    html = client.get(create_url(people)).content.decode()
    key = f"custos-incident-draft:{people.case.pk}:new"
    assert f'data-draft-key="{key}"' in html
    assert "data-draft-bound" not in html
    assert " data-draft-bound" in client.post(create_url(people), form_data(title="")).content.decode()
    response = client.post(create_url(people), form_data(), follow=True)
    assert f'data-draft-clear="{key}"' in response.content.decode()
    assert "/static/incidents/draft.js" in response.content.decode()
    again = client.get(response.redirect_chain[-1][0]).content.decode()
    assert "data-draft-clear" not in again  # only once, right after the save
    incident = Incident.objects.get()
    edit = client.get(reverse("incidents:edit", args=[incident.pk])).content.decode()
    assert f'data-draft-key="custos-incident-draft:{people.case.pk}:{incident.pk}"' in edit
