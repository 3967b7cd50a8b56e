"""The incident form's own rules: date, time and precision; coordinates; tags; source references."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from apps.incidents.forms import CasualtyFigureForm, IncidentForm, SourceForm, new_source_index, source_choices

pytestmark = pytest.mark.django_db


def incident_form(**values: Any) -> IncidentForm:
    data = {
        "title": "Shelling",
        "start_date": "2022-03-06",
        "start_precision": "day",
        "end_precision": "day",
        "country_code": "ua",
        "location_precision": "settlement",
        **values,
    }
    return IncidentForm(data)


def test_date_time_and_precision_make_one_instant_in_kyiv_time() -> None:
    form = incident_form(start_time="14:30", start_precision="exact", end_date="2022-03-07")
    assert form.is_valid(), form.errors
    values = form.incident_values()
    assert values["start_at"] == datetime(2022, 3, 6, 12, 30, tzinfo=UTC)
    assert values["end_at"] == datetime(2022, 3, 6, 22, 0, tzinfo=UTC)
    assert values["country_code"] == "UA"


def test_an_exact_precision_needs_a_time_and_a_time_needs_a_date() -> None:
    form = incident_form(start_precision="hour", end_time="10:00")
    assert not form.is_valid()
    assert form.errors == {
        "start_time": ["Give the time, or choose a coarser precision (Day, Week, Month or Approximate)."],
        "end_date": ["Give the date as well as the time."],
    }


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("50.5218", Decimal("50.521800")), ("50,5218", Decimal("50.521800")), ("-0.0000005", Decimal("-0.000001"))],
)
def test_coordinates_in_decimal_degrees(typed: str, stored: Decimal) -> None:
    form = incident_form(latitude=typed, longitude="30.25")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["latitude"] == stored


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("91", "Latitude must be between -90 and 90 degrees."),
        ("north", "Enter a number in decimal degrees, e.g. 50.5218."),
        ("NaN", "Enter a number in decimal degrees, e.g. 50.5218."),
        ("1e40", "Enter a number in decimal degrees, e.g. 50.5218."),
    ],
)
def test_bad_coordinates_are_refused_on_their_field(typed: str, error: str) -> None:
    form = incident_form(latitude=typed, longitude="30.25")
    assert not form.is_valid()
    assert form.errors["latitude"] == [error]


def test_tags_are_split_trimmed_and_deduplicated() -> None:
    form = incident_form(tags=" fire, Irpin ,fire,, ")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["tags"] == ["Irpin", "fire"]


def test_country_code_is_two_letters() -> None:
    form = incident_form(country_code="U1")
    assert not form.is_valid()
    assert form.errors["country_code"] == ["Give a two-letter country code, e.g. UA."]


def test_witness_fields_only_for_roles_that_see_them() -> None:
    assert "witness_name" in SourceForm(show_witness_identity=True).fields
    assert "witness_name" not in SourceForm(show_witness_identity=False).fields
    assert "witness_contact" not in SourceForm().fields


def test_source_references_are_existing_ids_or_new_rows() -> None:
    assert new_source_index("new-3") == 3
    assert new_source_index("8c1f0a4e-0000-0000-0000-000000000000") is None
    assert source_choices([], 2) == [("new-0", "New source row 1"), ("new-1", "New source row 2")]
    form = CasualtyFigureForm({"reporter": "OHCHR", "as_of": "2022-03-06", "killed": "1", "source": "elsewhere"})
    assert not form.is_valid()
    assert form.errors == {"source": ["Choose a source of this case, or a new source row."]}


def test_a_figure_needs_killed_or_injured() -> None:
    form = CasualtyFigureForm({"reporter": "OHCHR", "as_of": "2022-03-06"})
    assert not form.is_valid()
    assert form.errors == {"killed": ["Give the number killed, injured, or both."]}
