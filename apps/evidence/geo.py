"""Where and when an item says it was made, against where and when its incident happened.

The content analysis of the Berkeley Protocol compares a file's own metadata
(its GPS point and capture time) with the declared place and time. These are
hints for a reviewer, never findings: a camera clock can be wrong, a GPS fix
can be stale, and a photo of the aftermath is taken after the event.

Pure functions, no database: the item page passes the values in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from apps.common.enums import TimePrecision

# The mean Earth radius (IUGG, R1), in kilometres. The haversine formula on a
# sphere is within about 0.5 % of the ellipsoidal distance: plenty for "is this
# photo from the same town".
EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points given in decimal degrees, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    # min(): rounding can push a just over 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


# How long a stated time may stretch, by its precision. An incident "on 6 March" is stored at the
# start of that day with precision DAY (apps.incidents.models.Incident), so it covers the next 24 hours.
# "Exact" is read as to the minute. An approximate time has no window: nothing can be said to fall outside it.
PRECISION_SPAN: dict[str, timedelta | None] = {
    TimePrecision.EXACT: timedelta(minutes=1),
    TimePrecision.HOUR: timedelta(hours=1),
    TimePrecision.DAY: timedelta(days=1),
    TimePrecision.WEEK: timedelta(days=7),
    TimePrecision.MONTH: timedelta(days=31),
    TimePrecision.APPROXIMATE: None,
}


@dataclass(frozen=True)
class TimeWindow:
    start: datetime
    end: datetime


def incident_time_window(
    *, start_at: datetime, start_precision: str, end_at: datetime | None = None, end_precision: str = ""
) -> TimeWindow | None:
    """When the incident happened, as far as its stated times and their precisions allow; None when approximate."""
    start_span = PRECISION_SPAN.get(start_precision)
    if start_span is None:
        return None
    end = start_at + start_span
    if end_at is not None:
        end_span = PRECISION_SPAN.get(end_precision or start_precision)
        if end_span is None:
            return None
        end = max(end, end_at + end_span)
    return TimeWindow(start=start_at, end=end)


@dataclass(frozen=True)
class TimeComparison:
    """A capture time set against an incident's start: signed difference (positive: captured after)."""

    difference: timedelta
    window: TimeWindow | None
    # True/False against the window; None when the incident's time is approximate (no window).
    within_window: bool | None

    @property
    def after(self) -> bool:
        return self.difference >= timedelta(0)

    @property
    def hours(self) -> float:
        return abs(self.difference.total_seconds()) / 3600

    @property
    def days(self) -> float:
        return abs(self.difference.total_seconds()) / 86400

    @property
    def in_days(self) -> bool:
        """Say it in days from two days on; in hours below that."""
        return self.hours >= 48


def capture_time_compare(
    *,
    captured_at: datetime,
    start_at: datetime,
    start_precision: str,
    end_at: datetime | None = None,
    end_precision: str = "",
) -> TimeComparison:
    window = incident_time_window(
        start_at=start_at, start_precision=start_precision, end_at=end_at, end_precision=end_precision
    )
    within = None if window is None else window.start <= captured_at < window.end
    return TimeComparison(difference=captured_at - start_at, window=window, within_window=within)
