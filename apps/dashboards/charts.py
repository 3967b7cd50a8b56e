"""Server-rendered SVG charts: the geometry, computed here; the markup, in templates/dashboards/_*_chart.html.

No chart library and no script: the page must work offline and under the
strict Content-Security-Policy. Coordinates are formatted here as plain
strings (never through template localisation, which would write "12,5" in
Ukrainian); labels, dates and numbers are localised here with Django's
formats, so the SVG reads in the user's language. Colours and line styles
are classes (static/dashboards/dashboards.css), never style attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from collections.abc import Sequence

    from apps.dashboards.selectors import Bar, Bucket, Dashboard, FigureSeries, TimeUnit

WIDTH = 640
LABEL_CHARS = 34
SERIES_CLASSES = 8
# A line of more points than this is drawn without a marker (and tooltip) per point; the table has the numbers.
MAX_MARKERS = 60


def _n(value: float) -> str:
    """An SVG coordinate: a dot as decimal separator, whatever the language."""
    return f"{value:.1f}".removesuffix(".0")


def localised_number(value: int) -> str:
    return number_format(value, force_grouping=True)


def axis_step(value: int) -> int:
    """A round step (1, 2, 2.5 or 5 times a power of ten, and whole) such that four steps reach ``value``."""
    if value <= 4:
        return 1
    power: int = 10 ** math.floor(math.log10(value / 4))
    for factor in (1, 2, 2.5, 5, 10):
        step = factor * power
        if step == int(step) and step * 4 >= value:
            return int(step)
    return 10 * power  # pragma: no cover  (the loop ends at 10 * power, four of which reach value)


def axis_top(value: int) -> int:
    """The top of a value axis: whole steps, at least one, reaching ``value``."""
    step = axis_step(value)
    return step * max(1, math.ceil(value / step))


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class Tick:
    position: str
    label: str


# --- Horizontal bars -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BarRow:
    label: str
    short_label: str
    count: int
    count_label: str
    y: str
    text_y: str
    width: str
    value_x: str


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    description: str
    rows: list[BarRow]
    width: int
    height: int
    label_x: str
    bar_x: str
    bar_height: str
    label_header: str
    count_header: str

    @property
    def empty(self) -> bool:
        return not self.rows


BAR_ROW = 30
BAR_THICKNESS = 20
BAR_LABEL_END = 250
BAR_START = 260
BAR_MAX = WIDTH - BAR_START - 70


def bar_chart(
    *, chart_id: str, title: str, description: str, bars: Sequence[Bar], label_header: str, count_header: str
) -> BarChart:
    top = max((bar.count for bar in bars), default=0)
    rows = []
    for index, bar in enumerate(bars):
        width = BAR_MAX * bar.count / top if top else 0
        y = index * BAR_ROW + (BAR_ROW - BAR_THICKNESS) / 2
        rows.append(
            BarRow(
                label=bar.label,
                short_label=_short(bar.label),
                count=bar.count,
                count_label=localised_number(bar.count),
                y=_n(y),
                text_y=_n(y + BAR_THICKNESS / 2 + 5),
                width=_n(max(width, 1 if bar.count else 0)),
                value_x=_n(BAR_START + width + 6),
            )
        )
    return BarChart(
        chart_id=chart_id,
        title=title,
        description=description,
        rows=rows,
        width=WIDTH,
        height=max(len(rows), 1) * BAR_ROW,
        label_x=_n(BAR_LABEL_END),
        bar_x=_n(BAR_START),
        bar_height=_n(BAR_THICKNESS),
        label_header=label_header,
        count_header=count_header,
    )


# --- Shared axes ---------------------------------------------------------------------------------

PLOT_LEFT = 64
PLOT_RIGHT = WIDTH - 16
PLOT_TOP = 12
PLOT_HEIGHT = 220
PLOT_BOTTOM = PLOT_TOP + PLOT_HEIGHT
AXIS_HEIGHT = PLOT_BOTTOM + 36


def _y(value: float, top: int) -> float:
    return PLOT_BOTTOM - PLOT_HEIGHT * value / top


def _y_ticks(top: int) -> list[Tick]:
    step = axis_step(top)
    return [Tick(position=_n(_y(value, top)), label=localised_number(value)) for value in range(0, top + 1, step)]


def _day_label(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def _every(count: int, most: int) -> int:
    return max(1, math.ceil(count / most))


# --- Timeline (columns along a time axis) --------------------------------------------------------


@dataclass(frozen=True)
class Column:
    start: date
    label: str
    count: int
    count_label: str
    x: str
    y: str
    width: str
    height: str


@dataclass(frozen=True)
class TimelineChart:
    chart_id: str
    title: str
    description: str
    unit_label: str
    columns: list[Column]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int
    height: int
    plot_left: str
    plot_right: str
    plot_bottom: str
    tick_label_y: str

    @property
    def empty(self) -> bool:
        return not self.columns


def _period_label(start: date, unit: TimeUnit) -> str:
    if unit == "month":
        return date_format(start, "YEAR_MONTH_FORMAT")
    if unit == "week":
        return _("Week of %(date)s") % {"date": _day_label(start)}
    return _day_label(start)


def timeline_chart(*, chart_id: str, title: str, buckets: Sequence[Bucket], unit: TimeUnit) -> TimelineChart:
    top = axis_top(max((bucket.count for bucket in buckets), default=0))
    slot = (PLOT_RIGHT - PLOT_LEFT) / max(len(buckets), 1)
    gap = min(2.0, slot / 5)
    columns = []
    for index, bucket in enumerate(buckets):
        y = _y(bucket.count, top)
        columns.append(
            Column(
                start=bucket.start,
                label=_period_label(bucket.start, unit),
                count=bucket.count,
                count_label=localised_number(bucket.count),
                x=_n(PLOT_LEFT + index * slot + gap / 2),
                y=_n(y),
                width=_n(slot - gap),
                height=_n(PLOT_BOTTOM - y),
            )
        )
    every = _every(len(buckets), 6)
    x_ticks = [
        Tick(
            position=_n(PLOT_LEFT + (index + 0.5) * slot),
            label=date_format(bucket.start, "YEAR_MONTH_FORMAT") if unit == "month" else _day_label(bucket.start),
        )
        for index, bucket in enumerate(buckets)
        if index % every == 0
    ]
    units = {"day": _("day"), "week": _("week"), "month": _("month")}
    total = sum(bucket.count for bucket in buckets)
    description = (
        _(
            "%(total)s incidents by the %(unit)s they began, from %(first)s to %(last)s; "
            "at most %(most)s in one %(unit)s."
        )
        % {
            "total": localised_number(total),
            "unit": units[unit],
            "first": _period_label(buckets[0].start, unit),
            "last": _period_label(buckets[-1].start, unit),
            "most": localised_number(max(bucket.count for bucket in buckets)),
        }
        if buckets
        else _("No incidents yet.")
    )
    return TimelineChart(
        chart_id=chart_id,
        title=title,
        description=description,
        unit_label={"day": _("Day"), "week": _("Week"), "month": _("Month")}[unit],
        columns=columns,
        x_ticks=x_ticks,
        y_ticks=_y_ticks(top),
        width=WIDTH,
        height=AXIS_HEIGHT,
        plot_left=_n(PLOT_LEFT),
        plot_right=_n(PLOT_RIGHT),
        plot_bottom=_n(PLOT_BOTTOM),
        tick_label_y=_n(PLOT_BOTTOM + 20),
    )


# --- Lines over time (casualty figures) ----------------------------------------------------------


@dataclass(frozen=True)
class LinePoint:
    x: str
    y: str
    label: str


@dataclass(frozen=True)
class Line:
    key: str
    label: str
    css_class: str
    points: list[LinePoint]
    markers: bool = True

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x},{point.y}" for point in self.points)


@dataclass(frozen=True)
class LineChart:
    chart_id: str
    title: str
    description: str
    lines: list[Line]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    width: int
    height: int
    plot_left: str
    plot_right: str
    plot_bottom: str
    tick_label_y: str

    @property
    def empty(self) -> bool:
        return not self.lines


def casualty_chart(*, chart_id: str, title: str, measure: str, series: Sequence[FigureSeries]) -> LineChart:
    """One line per series of ``measure`` ("killed" or "injured") against the figures' as-of dates.

    The time axis is to scale (a gap of two days is twice a gap of one), so
    that unevenly spaced reports are not drawn as a steady trend. A figure
    without this measure is skipped, not drawn as zero.
    """
    values = [
        (line_index, point.as_of, getattr(point, measure))
        for line_index, one in enumerate(series)
        for point in one.points
        if getattr(point, measure) is not None
    ]
    dates = sorted({as_of for _index, as_of, _value in values})
    top = axis_top(max((value for _i, _d, value in values), default=0))
    first, last = (dates[0], dates[-1]) if dates else (date.min, date.min)
    span = max((last - first).days, 1)

    def x_of(day: date) -> float:
        if first == last:
            return (PLOT_LEFT + PLOT_RIGHT) / 2
        return PLOT_LEFT + 12 + (PLOT_RIGHT - PLOT_LEFT - 24) * (day - first).days / span

    measure_label = _("killed") if measure == "killed" else _("injured")
    lines = []
    for index, one in enumerate(series):
        measured = [point for point in one.points if getattr(point, measure) is not None]
        markers = len(measured) <= MAX_MARKERS
        points = [
            LinePoint(
                x=_n(x_of(point.as_of)),
                y=_n(_y(getattr(point, measure), top)),
                label=_("%(series)s, as of %(date)s: %(count)s %(measure)s")
                % {
                    "series": one.label,
                    "date": _day_label(point.as_of),
                    "count": localised_number(getattr(point, measure)),
                    "measure": measure_label,
                }
                if markers
                else "",
            )
            for point in measured
        ]
        if points:
            css_class = f"series-{index % SERIES_CLASSES}"
            lines.append(Line(key=one.key, label=one.label, css_class=css_class, points=points, markers=markers))
    every = _every(len(dates), 6)
    x_ticks = [
        Tick(position=_n(x_of(day)), label=_day_label(day)) for index, day in enumerate(dates) if index % every == 0
    ]
    if lines:
        latest = [
            _("%(series)s: %(count)s as of %(date)s")
            % {
                "series": one.label,
                "count": localised_number(getattr(one_point, measure)),
                "date": _day_label(one_point.as_of),
            }
            for one in series
            for one_point in [point for point in one.points if getattr(point, measure) is not None][-1:]
        ]
        description = _(
            "Civilians %(measure)s as reported, one line per reporter, from %(first)s to %(last)s. Latest: %(latest)s."
        ) % {
            "measure": measure_label,
            "first": _day_label(first),
            "last": _day_label(last),
            "latest": "; ".join(latest),
        }
    else:
        description = _("No casualty figures yet.")
    return LineChart(
        chart_id=chart_id,
        title=title,
        description=description,
        lines=lines,
        x_ticks=x_ticks,
        y_ticks=_y_ticks(top),
        width=WIDTH,
        height=AXIS_HEIGHT,
        plot_left=_n(PLOT_LEFT),
        plot_right=_n(PLOT_RIGHT),
        plot_bottom=_n(PLOT_BOTTOM),
        tick_label_y=_n(PLOT_BOTTOM + 20),
    )


# --- The dashboard's charts ----------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardCharts:
    timeline: TimelineChart
    killed: LineChart
    injured: LineChart
    weapon_families: BarChart
    general_weapon_families: BarChart
    incident_types: BarChart
    review_states: BarChart


def _bars_description(bars: Sequence[Bar], empty: str) -> str:
    if not bars:
        return empty
    return "; ".join(f"{bar.label}: {localised_number(bar.count)}" for bar in bars) + "."


def dashboard_charts(dashboard: Dashboard) -> DashboardCharts:
    """The charts of one case dashboard, titled and described in the active language."""
    weapons = dashboard.weapons
    return DashboardCharts(
        timeline=timeline_chart(
            chart_id="chart-timeline",
            title=_("Incidents over time"),
            buckets=dashboard.timeline.buckets,
            unit=dashboard.timeline.unit,
        ),
        killed=casualty_chart(
            chart_id="chart-killed", title=_("Civilians killed"), measure="killed", series=dashboard.casualties.series
        ),
        injured=casualty_chart(
            chart_id="chart-injured",
            title=_("Civilians injured"),
            measure="injured",
            series=dashboard.casualties.series,
        ),
        weapon_families=bar_chart(
            chart_id="chart-weapon-families",
            title=_("Incidents by alleged weapon family"),
            description=_bars_description(
                weapons.incidents_by_family, _("No allegation about an incident names a weapon yet.")
            ),
            bars=weapons.incidents_by_family,
            label_header=_("Weapon family"),
            count_header=_("Incidents"),
        ),
        general_weapon_families=bar_chart(
            chart_id="chart-general-weapon-families",
            title=_("Weapon families named in general claims (about no single incident)"),
            description=_bars_description(weapons.general_claims_by_family, _("No general claim names a weapon.")),
            bars=weapons.general_claims_by_family,
            label_header=_("Weapon family"),
            count_header=_("Allegations"),
        ),
        incident_types=bar_chart(
            chart_id="chart-incident-types",
            title=_("Incidents by type"),
            description=_bars_description(dashboard.incident_types, _("No incident has a type yet.")),
            bars=dashboard.incident_types,
            label_header=_("Incident type"),
            count_header=_("Incidents"),
        ),
        review_states=bar_chart(
            chart_id="chart-review-states",
            title=_("Evidence by review state"),
            description=_bars_description(dashboard.evidence_by_review_status, _("No evidence yet.")),
            bars=dashboard.evidence_by_review_status,
            label_header=_("Review state"),
            count_header=_("Evidence items"),
        ),
    )
