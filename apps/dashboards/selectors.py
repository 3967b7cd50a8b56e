"""Reads for the case list and the case dashboard: counts and aggregates, never rows by the thousand.

Every read starts from the need-to-know querysets (visible_incidents,
visible_items, case_list_with_incident_counts) and aggregates in the database, so that
the number of queries and the work done in Python do not grow with the
number of incidents, evidence items or casualty figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from django.core.cache import cache
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import Substr, TruncDay, TruncMonth, TruncWeek
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext

from apps.accounts.permissions import can_see_witness_identity
from apps.cases.selectors import case_list_with_incident_counts
from apps.common.languages import name_in_language
from apps.evidence.enums import IntegrityStatus, ReviewStatus
from apps.evidence.permissions import visible_items
from apps.incidents.enums import CasualtyScope
from apps.incidents.models import AllegedWeapon, CasualtyFigure, Incident
from apps.incidents.permissions import visible_incidents
from apps.weapons.models import WeaponType

if TYPE_CHECKING:
    from collections.abc import Mapping

    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from apps.accounts.models import User
    from apps.cases.models import Case

# The map of a large case shows this many incidents (the most recent); the charts count all of them.
# About 170 bytes a point: the page stays under ~200 kB on a field connection.
MAP_POINT_LIMIT = 1000
# Longer titles are cut on the map (the incident page has the whole title).
MAP_LABEL_CHARS = 80
# How long a drawn dashboard is reused. Its aggregates scan every incident and item of the case; a
# dashboard a minute old is still a true picture, and a busy case is not recounted on every page view.
CACHE_SECONDS = 60
# Casualty series drawn at most (one colour each); more are listed in the table only.
MAX_SERIES = 8
# Bars shown per chart; the rest are summed into one "other" bar.
MAX_BARS = 12
# The oblasts listed beside the map.
MAX_PLACES = 12

TimeUnit = Literal["day", "week", "month"]


# --- Case list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReviewCount:
    status: ReviewStatus
    count: int


@dataclass
class CaseRow:
    """A case with what the user may see of it counted."""

    case: Case
    incidents: int
    evidence: int
    by_review_status: list[ReviewCount] = field(default_factory=list)
    integrity_failures: int = 0


def _evidence_counts(items: QuerySet[Any]) -> dict[str, Any]:
    """Conditional counts of evidence by review state and failed integrity (one aggregate expression set)."""
    return {
        "total": Count("pk"),
        "failed": Count("pk", filter=Q(integrity_status=IntegrityStatus.FAILED)),
        **{f"review_{status.value}": Count("pk", filter=Q(review_status=status)) for status in ReviewStatus},
    }


def case_rows_for_user(*, user: User | AnonymousUser) -> list[CaseRow]:
    """The user's cases with incidents, evidence by review state and integrity failures counted.

    Two queries whatever the number of cases: the cases with their incident
    counts, and one grouped count of the visible evidence by case (each item
    is counted once: on a large case, each count of the evidence is most of
    the page's time). Observers' counts leave out
    identity-restricted items, as their lists do.
    """
    cases = list(case_list_with_incident_counts(user=user))
    if not cases:
        return []
    items = visible_items(user).filter(case_id__in=[case.pk for case in cases])
    grouped = {row["case_id"]: row for row in items.order_by().values("case_id").annotate(**_evidence_counts(items))}
    rows = []
    for case in cases:
        counts = grouped.get(case.pk, {})
        rows.append(
            CaseRow(
                case=case,
                incidents=case.incident_count,  # type: ignore[attr-defined]
                evidence=counts.get("total", 0),
                by_review_status=[
                    ReviewCount(status=status, count=counts.get(f"review_{status.value}", 0)) for status in ReviewStatus
                ],
                integrity_failures=counts.get("failed", 0),
            )
        )
    return rows


# --- Dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class MapData:
    points: list[dict[str, Any]]
    located: int
    places: list[Bar]

    @property
    def shown(self) -> int:
        return len(self.points)

    @property
    def truncated(self) -> bool:
        return self.located > len(self.points)


@dataclass(frozen=True)
class Bucket:
    start: date
    count: int


@dataclass(frozen=True)
class Timeline:
    unit: TimeUnit
    buckets: list[Bucket]

    @property
    def total(self) -> int:
        return sum(bucket.count for bucket in self.buckets)


@dataclass(frozen=True)
class FigurePoint:
    as_of: date
    killed: int | None
    injured: int | None
    corrects_earlier: bool


@dataclass(frozen=True)
class FigureSeries:
    key: str
    reporter: str
    label: str
    points: list[FigurePoint]
    caveat: str


@dataclass(frozen=True)
class CasualtyData:
    series: list[FigureSeries]
    superseded: int
    incident_figures: int


@dataclass(frozen=True)
class WeaponData:
    incidents_by_family: list[Bar]
    general_claims_by_family: list[Bar]


@dataclass(frozen=True)
class Dashboard:
    incidents: int
    first_start: datetime | None
    last_start: datetime | None
    map: MapData
    timeline: Timeline
    casualties: CasualtyData
    weapons: WeaponData
    incident_types: list[Bar]
    evidence: int
    evidence_by_review_status: list[Bar]
    integrity_failures: int
    counted_at: datetime


def _incident_url_template() -> str | None:
    """The incident page's URL with a placeholder id, so thousands of points cost one reverse()."""
    placeholder = "00000000-0000-0000-0000-000000000000"
    try:
        return reverse("incidents:detail", kwargs={"incident_id": placeholder}).replace(placeholder, "{}")
    except NoReverseMatch:  # the incident pages are not routed (yet): points without links
        return None


def _map_data(incidents: QuerySet[Incident], located: int) -> MapData:
    url = _incident_url_template()
    newest = (
        incidents.filter(latitude__isnull=False, longitude__isnull=False)
        .order_by("-start_at", "-id")
        .values_list("pk", "title", "latitude", "longitude")[:MAP_POINT_LIMIT]
    )
    points = []
    for pk, title, latitude, longitude in newest:
        label = title if len(title) <= MAP_LABEL_CHARS else title[: MAP_LABEL_CHARS - 1].rstrip() + "…"
        point: dict[str, Any] = {"lat": round(float(latitude), 5), "lon": round(float(longitude), 5), "label": label}
        if url:
            point["url"] = url.format(pk)
        points.append(point)
    places = [
        Bar(key=row["admin1"], label=row["admin1"], count=row["n"])
        for row in incidents.exclude(admin1="")
        .order_by()
        .values("admin1")
        .annotate(n=Count("pk"))
        .order_by("-n", "admin1")[:MAX_PLACES]
    ]
    return MapData(points=points, located=located, places=places)


def _time_unit(first: datetime | None, last: datetime | None) -> TimeUnit:
    """Days for up to three months, weeks for up to three years, months beyond: a readable number of bars."""
    if first is None or last is None:
        return "day"
    span = last - first
    if span <= timedelta(days=92):
        return "day"
    if span <= timedelta(days=3 * 366):
        return "week"
    return "month"


def _bucket_start(moment: date, unit: TimeUnit) -> date:
    if unit == "week":
        return moment - timedelta(days=moment.weekday())
    if unit == "month":
        return moment.replace(day=1)
    return moment


def _next_bucket(start: date, unit: TimeUnit) -> date:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _timeline(incidents: QuerySet[Incident], first: datetime | None, last: datetime | None) -> Timeline:
    """Incidents per day, week or month of their start, in the display time zone; empty periods count 0."""
    unit = _time_unit(first, last)
    if first is None or last is None:
        return Timeline(unit=unit, buckets=[])
    zone = timezone.get_current_timezone()
    trunc = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}[unit]
    rows = incidents.order_by().annotate(bucket=trunc("start_at", tzinfo=zone)).values("bucket").annotate(n=Count("pk"))
    counts: dict[date, int] = {}
    for row in rows:
        bucket = row["bucket"]
        day = timezone.localtime(bucket, zone).date() if isinstance(bucket, datetime) else bucket
        counts[day] = counts.get(day, 0) + row["n"]
    start = _bucket_start(timezone.localtime(first, zone).date(), unit)
    end = _bucket_start(timezone.localtime(last, zone).date(), unit)
    buckets = []
    while start <= end:
        buckets.append(Bucket(start=start, count=counts.get(start, 0)))
        start = _next_bucket(start, unit)
    return Timeline(unit=unit, buckets=buckets)


def _series_key(row: Mapping[str, Any]) -> tuple[str, str, str]:
    return (row["reporter"], row["scope"], row["region_name"] if row["scope"] == CasualtyScope.REGION else "")


def _casualties(case: Case) -> CasualtyData:
    """Case-wide and regional figures as one series per reporter (and region), corrections replacing what they correct.

    A figure another figure corrects (``supersedes``) is left out of the
    line: the correction stands in its place. Two uncorrected figures of one
    series on the same date: the later recorded wins. Incident figures are
    not a running total, so they are counted here and shown on incident pages.
    """
    figures = CasualtyFigure.objects.filter(case=case)
    counts = figures.aggregate(
        incident=Count("pk", filter=Q(scope=CasualtyScope.INCIDENT)),
        superseded=Count(
            "pk",
            filter=Q(scope__in=[CasualtyScope.CASE, CasualtyScope.REGION], superseded_by__isnull=False),
            distinct=True,
        ),
    )
    rows = (
        figures.filter(scope__in=[CasualtyScope.CASE, CasualtyScope.REGION], superseded_by__isnull=True)
        .order_by("reporter", "scope", "region_name", "as_of", "id")
        .values("reporter", "scope", "region_name", "as_of", "killed", "injured", "caveat", "supersedes_id")
    )
    by_series: dict[tuple[str, str, str], dict[date, Mapping[str, Any]]] = {}
    for row in rows:
        by_series.setdefault(_series_key(row), {})[row["as_of"]] = row  # ordered by id: the latest wins
    reporters: dict[str, int] = {}
    for reporter, _scope, _region in by_series:
        reporters[reporter] = reporters.get(reporter, 0) + 1
    series = []
    for (reporter, scope, region), by_date in by_series.items():
        label = f"{reporter} · {region}" if region and reporters[reporter] > 1 else reporter
        if scope == CasualtyScope.CASE and reporters[reporter] > 1:
            label = f"{reporter} · {CasualtyScope.CASE.label}"
        points = [
            FigurePoint(
                as_of=as_of,
                killed=row["killed"],
                injured=row["injured"],
                corrects_earlier=row["supersedes_id"] is not None,
            )
            for as_of, row in sorted(by_date.items())
        ]
        caveat = next((row["caveat"] for row in reversed(list(by_date.values())) if row["caveat"]), "")
        series.append(
            FigureSeries(
                key=f"{reporter}|{scope}|{region}", reporter=reporter, label=label, points=points, caveat=caveat
            )
        )
    return CasualtyData(series=series, superseded=counts["superseded"], incident_figures=counts["incident"])


def _top(bars: list[Bar], other_label: str) -> list[Bar]:
    ordered = sorted(bars, key=lambda bar: (-bar.count, bar.label))
    if len(ordered) <= MAX_BARS:
        return ordered
    rest = sum(bar.count for bar in ordered[MAX_BARS - 1 :])
    return [*ordered[: MAX_BARS - 1], Bar(key="other", label=other_label, count=rest)]


def _weapons(case: Case, incidents: QuerySet[Incident], other_label: str) -> WeaponData:
    """Incidents per weapon family (the top of the taxonomy tree), from the weapons their allegations name.

    A system or munition counts under its family: the family is the first
    step of the type's materialised path. An incident alleged to involve two
    types of one family counts once for it. Claims about the conflict in
    general (no incident) are counted separately, per allegation.
    """
    steplen = WeaponType.steplen
    rows = (
        AllegedWeapon.objects.filter(allegation__case=case)
        .filter(Q(allegation__incident__isnull=True) | Q(allegation__incident__in=incidents))
        .annotate(family=Substr("weapon_type__path", 1, steplen))
        .values("family")
        .annotate(
            incidents=Count("allegation__incident", distinct=True),
            general=Count("allegation", filter=Q(allegation__incident__isnull=True), distinct=True),
        )
        .order_by()
    )
    grouped = list(rows)
    names = {
        family.path: family.display_name
        for family in WeaponType.objects.filter(depth=1, path__in=[row["family"] for row in grouped])
    }
    incidents_by_family = [
        Bar(key=row["family"], label=names.get(row["family"], row["family"]), count=row["incidents"])
        for row in grouped
        if row["incidents"]
    ]
    general = [
        Bar(key=row["family"], label=names.get(row["family"], row["family"]), count=row["general"])
        for row in grouped
        if row["general"]
    ]
    return WeaponData(
        incidents_by_family=_top(incidents_by_family, other_label), general_claims_by_family=_top(general, other_label)
    )


def _incident_types(incidents: QuerySet[Incident], other_label: str) -> list[Bar]:
    through = Incident.incident_types.through
    rows = (
        through.objects.filter(incident__in=incidents)
        .values("incidenttype_id", "incidenttype__name", "incidenttype__name_uk")
        .annotate(n=Count("incident_id"))
        .order_by()
    )
    bars = [
        Bar(
            key=row["incidenttype_id"],
            label=name_in_language(row["incidenttype__name"], row["incidenttype__name_uk"]),
            count=row["n"],
        )
        for row in rows
    ]
    return _top(bars, other_label)


def case_dashboard_cache_key(*, user: User | AnonymousUser, case: Case) -> str:
    """What a rendered dashboard depends on besides the case: which evidence the user may see, language, time zone.

    Every member sees every incident of the case (visible_incidents); the
    evidence counted differs only by whether the role may see
    identity-restricted items (visible_items). Labels follow the language,
    the timeline's days the time zone. The generation changes when work that
    changes the numbers asks for a recount (case_dashboard_forget).
    """
    identity = "identity" if can_see_witness_identity(user, case) else "restricted"
    generation = cache.get(_generation_key(case), 0)
    zone = timezone.get_current_timezone_name()
    return f"dashboards:case:v1:{case.pk}:{generation}:{identity}:{get_language()}:{zone}"


def _generation_key(case: Case) -> str:
    return f"dashboards:case:generation:{case.pk}"


def case_dashboard_forget(*, case: Case) -> None:
    """Make the next view of the case's dashboard recount (after work that changes its numbers, e.g. a fixity run)."""
    key = _generation_key(case)
    cache.set(key, int(cache.get(key, 0)) + 1, None)


def case_dashboard(*, user: User | AnonymousUser, case: Case) -> Dashboard:
    """Everything the case dashboard shows, for a member of the case (the caller checked membership).

    A fixed number of queries, each an aggregate or a bounded read, whatever
    the size of the case. The page reuses what it drew for CACHE_SECONDS
    (keyed by case_dashboard_cache_key), so this runs about once a minute
    per case, language and kind of member, not on every view.
    """
    other = gettext("Other")
    incidents = visible_incidents(user).filter(case=case)
    summary = incidents.aggregate(
        total=Count("pk"),
        located=Count("pk", filter=Q(latitude__isnull=False, longitude__isnull=False)),
        first=Min("start_at"),
        last=Max("start_at"),
    )
    items = visible_items(user).filter(case=case)
    evidence = items.aggregate(**_evidence_counts(items))
    return Dashboard(
        incidents=summary["total"],
        first_start=summary["first"],
        last_start=summary["last"],
        map=_map_data(incidents, summary["located"]),
        timeline=_timeline(incidents, summary["first"], summary["last"]),
        casualties=_casualties(case),
        weapons=_weapons(case, incidents, other),
        incident_types=_incident_types(incidents, other),
        evidence=evidence["total"],
        evidence_by_review_status=[
            Bar(key=status.value, label=str(status.label), count=evidence[f"review_{status.value}"])
            for status in ReviewStatus
        ],
        integrity_failures=evidence["failed"],
        counted_at=timezone.now(),
    )
