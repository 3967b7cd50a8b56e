from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.incidents.enums import CasualtyScope
from apps.incidents.models import CasualtyFigure, CasualtyFigureImmutableError, Incident
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("latitude", Decimal("90.000001"), "Latitude must be between -90 and 90 degrees."),
        ("latitude", Decimal("-91"), "Latitude must be between -90 and 90 degrees."),
        ("longitude", Decimal("180.5"), "Longitude must be between -180 and 180 degrees."),
        ("longitude", Decimal("-181"), "Longitude must be between -180 and 180 degrees."),
    ],
)
def test_form_validation_rejects_coordinates_off_the_globe(field: str, value: Decimal, message: str) -> None:
    incident = IncidentFactory.build(case=IncidentFactory().case, latitude=Decimal(50), longitude=Decimal(30))
    setattr(incident, field, value)

    with pytest.raises(ValidationError) as error:
        incident.full_clean()

    assert error.value.message_dict[field] == [message]


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (Decimal(91), Decimal(30)),
        (Decimal("-90.5"), Decimal(30)),
        (Decimal(50), Decimal(181)),
        (Decimal(50), Decimal("-180.1")),
    ],
)
def test_database_rejects_coordinates_off_the_globe_even_without_validation(
    latitude: Decimal, longitude: Decimal
) -> None:
    incident = IncidentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(latitude=latitude, longitude=longitude)

    incident.refresh_from_db()
    assert (incident.latitude, incident.longitude) == (None, None)


def test_coordinates_on_the_boundary_are_accepted() -> None:
    incident = IncidentFactory(latitude=Decimal(-90), longitude=Decimal(180))

    incident.full_clean()
    incident.refresh_from_db()

    assert (incident.latitude, incident.longitude) == (Decimal("-90.000000"), Decimal("180.000000"))


def test_a_point_needs_both_latitude_and_longitude() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentFactory(latitude=Decimal(50), longitude=None)


def test_an_incident_cannot_end_before_it_starts() -> None:
    start = datetime(2022, 3, 6, 12, tzinfo=UTC)

    with pytest.raises(IntegrityError), transaction.atomic():
        IncidentFactory(start_at=start, end_at=start - timedelta(minutes=1))


def _figure(incident: Incident, as_of: date, killed: int, injured: int) -> CasualtyFigure:
    return CasualtyFigure.objects.create(
        case=incident.case,
        scope=CasualtyScope.REGION,
        region_name="Ukraine",
        reporter="OHCHR",
        as_of=as_of,
        killed=killed,
        injured=injured,
    )


def test_casualty_figures_are_kept_as_a_series_per_reporter() -> None:
    incident = IncidentFactory()
    for as_of, killed, injured in ((date(2022, 3, 3), 249, 553), (date(2022, 3, 4), 331, 675)):
        _figure(incident, as_of, killed, injured)

    _figure(incident, date(2022, 3, 6), 364, 759)

    series = CasualtyFigure.objects.filter(case=incident.case, reporter="OHCHR").order_by("as_of")
    assert list(series.values_list("as_of", "killed", "injured")) == [
        (date(2022, 3, 3), 249, 553),
        (date(2022, 3, 4), 331, 675),
        (date(2022, 3, 6), 364, 759),
    ]


def test_a_casualty_figure_is_never_overwritten() -> None:
    figure = _figure(IncidentFactory(), date(2022, 3, 3), 249, 553)
    figure.killed = 250

    with pytest.raises(CasualtyFigureImmutableError):
        figure.save()

    figure.refresh_from_db()
    assert figure.killed == 249


def test_an_incident_scoped_figure_needs_its_incident() -> None:
    incident = IncidentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CasualtyFigure.objects.create(
            case=incident.case, scope=CasualtyScope.INCIDENT, reporter="OHCHR", as_of=date(2022, 3, 6), killed=1
        )


def test_a_casualty_figure_needs_a_count() -> None:
    incident = IncidentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        CasualtyFigure.objects.create(
            case=incident.case,
            scope=CasualtyScope.INCIDENT,
            incident=incident,
            reporter="OHCHR",
            as_of=date(2022, 3, 6),
        )
