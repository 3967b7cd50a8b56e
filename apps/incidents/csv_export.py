"""The incident list as CSV: every row the page's filters and search match, streamed, no pagination.

Times are written in ISO 8601 in UTC with their precision beside them (a day-precise start is midnight of that
day, not an exact minute); coordinates as stored. Text a user typed is guarded against spreadsheet formula
injection: a cell starting with = + - @ (or a tab or carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

from apps.common.csv_files import csv_lines, spreadsheet_safe

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from apps.incidents.models import Incident

COLUMNS = (
    "id",
    "case_reference",
    "title",
    "start_at",
    "start_precision",
    "end_at",
    "end_precision",
    "place_name",
    "country_code",
    "admin1",
    "admin2",
    "admin3",
    "latitude",
    "longitude",
    "location_precision",
    "incident_types",
    "tags",
    "verification_status",
    "allegation_count",
    "evidence_count",
)
CHUNK_SIZE = 2000


def _time(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value is not None else ""


def incident_row(incident: Incident) -> list[Any]:
    """One CSV row. Needs the incident's case, types, tag links and the list's counts loaded (incident_list)."""
    return [
        str(incident.pk),
        incident.case.reference,
        spreadsheet_safe(incident.title),
        _time(incident.start_at),
        incident.start_precision,
        _time(incident.end_at),
        incident.end_precision if incident.end_at else "",
        spreadsheet_safe(incident.place_name),
        incident.country_code,
        spreadsheet_safe(incident.admin1),
        spreadsheet_safe(incident.admin2),
        spreadsheet_safe(incident.admin3),
        "" if incident.latitude is None else str(incident.latitude),
        "" if incident.longitude is None else str(incident.longitude),
        incident.location_precision,
        ";".join(sorted(kind.code for kind in incident.incident_types.all())),
        spreadsheet_safe(";".join(sorted(link.tag.name for link in incident.tag_links.all()))),
        incident.verification_status,
        getattr(incident, "allegation_count", ""),
        getattr(incident, "evidence_count", ""),
    ]


def incident_csv_lines(incidents: QuerySet[Incident] | Iterable[Incident]) -> Iterator[str]:
    """The header and one line per incident, read in chunks (prefetches run per chunk, not per row)."""
    rows = incidents.iterator(chunk_size=CHUNK_SIZE) if hasattr(incidents, "iterator") else incidents
    # A byte-order mark, so spreadsheet programs read the file as UTF-8 (Cyrillic names).
    yield from csv_lines(chain([COLUMNS], (incident_row(incident) for incident in rows)), byte_order_mark=True)
