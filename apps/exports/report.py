"""The self-contained HTML case report inside a bundle (data/report/index.html).

Contract with the bundle builder (apps/exports/services.py): it passes the
same records it writes to data/metadata/*.json, and the thumbnails it has,
and gets the report's bytes back. The report must work offline with no
external assets (everything inline), and be deterministic: the same input
gives the same bytes.

Why it looks the way it does:

- The file is opened from a disk on an air-gapped machine, not served by
  Custos, so the site's Content-Security-Policy does not apply: the CSS is
  in a <style> element of the file itself and there is no script at all.
- Thumbnails are data: URIs. For graphic items the builder passes only the
  blurred thumbnail; this module shows whatever it is given and nothing else.
- Maps are inline SVG drawn from the incidents' coordinates (an
  equirectangular plot with a scale bar and coordinate labels): no tiles, no
  network.
- Every value goes through the template engine's escaping; the text is
  rendered in the site's default language (settings.LANGUAGE_CODE), not the
  language of whichever request or worker happens to build the bundle, so
  the same input gives the same bytes.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# The map's drawing area, in SVG user units.
MAP_WIDTH = 640
MAP_HEIGHT = 360
MAP_MARGIN = 36
# The smallest span a map shows (degrees), so that a single point or points a
# few metres apart still give a readable map with a sensible scale.
MIN_SPAN_DEGREES = 0.02
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class MapPoint:
    label: str
    title: str
    latitude: float
    longitude: float
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class MapPlot:
    """An equirectangular plot: x from longitude, y from latitude, x scaled by cos(mid-latitude)."""

    width: int
    height: int
    points: list[MapPoint]
    north: str
    south: str
    west: str
    east: str
    scale_km: str
    scale_x: float
    scale_x2: float
    scale_y: float


def _coordinate(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None
    return number if math.isfinite(number) else None


def _format_degrees(value: float, positive: str, negative: str) -> str:
    return f"{abs(value):.4f}° {positive if value >= 0 else negative}"


def _nice_distance(km: float) -> float:
    """The largest 1/2/5 x 10^n not above ``km`` (the scale bar's length)."""
    if km <= 0:
        return 0.0
    exponent = math.floor(math.log10(km))
    for step in (5, 2, 1):
        candidate = step * 10.0**exponent
        if candidate <= km:
            return candidate
    return 10.0**exponent  # pragma: no cover - the loop always finds 1 x 10^n


def _format_km(km: float) -> str:
    if km >= 1:
        return f"{km:g} km"
    return f"{km * 1000:g} m"


def map_plot(points: list[MapPoint]) -> MapPlot | None:
    """Place the points on a small equirectangular map, or None when none has coordinates."""
    if not points:
        return None
    south = min(point.latitude for point in points)
    north = max(point.latitude for point in points)
    west = min(point.longitude for point in points)
    east = max(point.longitude for point in points)
    mid_latitude = (south + north) / 2
    x_factor = max(math.cos(math.radians(mid_latitude)), 0.01)
    # Pad the box to at least MIN_SPAN_DEGREES and to the drawing's aspect ratio, keeping it centred.
    inner_width = MAP_WIDTH - 2 * MAP_MARGIN
    inner_height = MAP_HEIGHT - 2 * MAP_MARGIN
    span_y = max(north - south, MIN_SPAN_DEGREES) * 1.2
    span_x = max((east - west) * x_factor, MIN_SPAN_DEGREES * x_factor) * 1.2
    if span_x / span_y > inner_width / inner_height:
        span_y = span_x * inner_height / inner_width
    else:
        span_x = span_y * inner_width / inner_height
    centre_lat = (south + north) / 2
    centre_lon = (west + east) / 2
    top = centre_lat + span_y / 2
    bottom = centre_lat - span_y / 2
    left = centre_lon - span_x / x_factor / 2
    right = centre_lon + span_x / x_factor / 2
    units_per_degree_y = inner_height / span_y
    placed = [
        MapPoint(
            label=point.label,
            title=point.title,
            latitude=point.latitude,
            longitude=point.longitude,
            x=round(MAP_MARGIN + (point.longitude - left) * x_factor * units_per_degree_y, 1),
            y=round(MAP_MARGIN + (top - point.latitude) * units_per_degree_y, 1),
        )
        for point in points
    ]
    km_per_unit = (math.pi / 180 * EARTH_RADIUS_KM) / units_per_degree_y
    scale_km = _nice_distance(km_per_unit * inner_width / 4)
    return MapPlot(
        width=MAP_WIDTH,
        height=MAP_HEIGHT,
        points=placed,
        north=_format_degrees(top, "N", "S"),
        south=_format_degrees(bottom, "N", "S"),
        west=_format_degrees(left, "E", "W"),
        east=_format_degrees(right, "E", "W"),
        scale_km=_format_km(scale_km),
        scale_x=MAP_MARGIN,
        scale_x2=round(MAP_MARGIN + scale_km / km_per_unit, 1),
        scale_y=MAP_HEIGHT - MAP_MARGIN / 2,
    )


def _size(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def _incident_rows(incidents: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], MapPlot | None]:
    rows = []
    points = []
    for number, incident in enumerate(incidents, start=1):
        latitude = _coordinate(incident.get("latitude"))
        longitude = _coordinate(incident.get("longitude"))
        has_point = latitude is not None and longitude is not None
        rows.append(
            {
                "number": number,
                "record": incident,
                "latitude": _format_degrees(latitude, "N", "S") if latitude is not None else "",
                "longitude": _format_degrees(longitude, "E", "W") if longitude is not None else "",
                "has_point": has_point,
            }
        )
        if latitude is not None and longitude is not None:
            points.append(
                MapPoint(
                    label=str(number), title=str(incident.get("title", "")), latitude=latitude, longitude=longitude
                )
            )
    return rows, map_plot(points)


def _captured_at(item: dict[str, Any]) -> str:
    for key in ("captured_at", "declared_captured_at", "extracted_captured_at"):
        if item.get(key):
            return str(item[key])
    return ""


def _custody_summary(item: dict[str, Any], custody: dict[str, Any]) -> dict[str, Any]:
    """Per item: number of events, first and last event, head hash.

    The builder may pass ``metadata["custody"][<item id>]`` with "events",
    "first_action", "first_at", "last_action", "last_at" and "head_hash";
    without it the summary falls back on items.json's custody_head (whose
    sequence is the number of events, as sequences start at 1).
    """
    summary = custody.get(str(item.get("id", ""))) or {}
    head = item.get("custody_head") or {}
    return {
        "events": summary.get("events", head.get("sequence", "")),
        "first_action": summary.get("first_action", ""),
        "first_at": summary.get("first_at", ""),
        "last_action": summary.get("last_action", ""),
        "last_at": summary.get("last_at", ""),
        "head_hash": summary.get("head_hash", head.get("event_hash", "")),
    }


def _data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def report_context(*, metadata: dict[str, Any], thumbnails: dict[str, bytes], generated_at: datetime) -> dict[str, Any]:
    """The template's context: the records, shaped for display (kept apart so tests can read it)."""
    case = metadata.get("case") or {}
    items = list(metadata.get("items") or [])
    excluded = list(metadata.get("excluded") or [])
    incidents, incident_map = _incident_rows(list(metadata.get("incidents") or []))
    custody = metadata.get("custody") or {}
    bundle = metadata.get("bundle") or {}
    item_rows = [
        {
            "record": item,
            "captured_at": _captured_at(item),
            "thumbnail": _data_uri(thumbnails[str(item.get("id"))]) if str(item.get("id")) in thumbnails else "",
            "custody": _custody_summary(item, custody),
            "size": _size(item.get("size_bytes")),
        }
        for item in items
    ]
    return {
        "case": case,
        "bundle": bundle,
        "generated_at": generated_at.isoformat(),
        "incidents": incidents,
        "incident_map": incident_map,
        "items": item_rows,
        "excluded": excluded,
        "counts": {
            "items": len(items),
            "pending": sum(1 for item in items if item.get("pending")),
            "excluded": len(excluded),
            "incidents": len(incidents),
            "sources": len(metadata.get("sources") or []),
            "allegations": len(metadata.get("allegations") or []),
            "weapons": len(metadata.get("weapons") or []),
            "casualty_figures": len(metadata.get("casualty_figures") or []),
            "bytes": sum(_size(item.get("size_bytes")) for item in items),
        },
    }


def render_report(*, metadata: dict[str, Any], thumbnails: dict[str, bytes], generated_at: datetime) -> bytes:
    """Render the report. ``metadata``: "case" (dict) and "incidents", "sources", "allegations", "weapons",
    "casualty_figures", "items", "excluded" (lists of dicts, as in data/metadata/*.json); optionally "bundle"
    (a dict with "id", "recipient_type", "recipient_organisation", "recipient_person", "purpose") and "custody"
    (item id -> summary, see _custody_summary). ``thumbnails``: JPEG bytes by item id (only items that have one;
    blurred ones for graphic items). ``generated_at``: the bundle's bagging date, the only time shown.

    Deterministic: no clock, no randomness, a fixed language.
    """
    context = report_context(metadata=metadata, thumbnails=thumbnails, generated_at=generated_at)
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string("exports/report.html", {**context, "language": settings.LANGUAGE_CODE}).encode("utf-8")
