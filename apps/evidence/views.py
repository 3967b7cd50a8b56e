"""Pages of one evidence item (its record, custody timeline, printable report) and its files.

Files leave only through the views here, after need-to-know is checked, and
each view of an original or of an unblurred preview, and each download, is
written to the item's custody chain before the bytes are sent. Graphic
material is shown blurred until the user reveals it; the reveal is a POST
(a deliberate click, never a prefetch) and is itself the custody "viewed"
event.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import django_filters
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST, require_safe

from apps.accounts.permissions import (
    WITNESS_IDENTITY_ROLES,
    can_see_witness_identity,
    case_ids_with_roles,
    member_case_ids,
)
from apps.accounts.selectors import signed_in_user
from apps.cases.models import Case
from apps.common.csv_files import csv_lines
from apps.custody.enums import CustodyAction
from apps.custody.selectors import custody_events_for_item, custody_verify
from apps.evidence.csv_export import evidence_csv_rows
from apps.evidence.enums import EvidenceKind, ProcessingStatus
from apps.evidence.file_access import (
    derivative_file,
    derivative_of,
    has_archived_original,
    original_download,
    original_size,
)
from apps.evidence.file_responses import (
    ByteRange,
    RangeNotSatisfiableError,
    evidence_file_response,
    range_not_satisfiable_response,
    requested_byte_range,
)
from apps.evidence.filters import EvidenceItemFilter
from apps.evidence.geo import TimeComparison, capture_time_compare, haversine_km
from apps.evidence.models import EvidenceItem, PossibleDuplicate
from apps.evidence.permissions import can_reveal_graphic, visible_items
from apps.evidence.selectors import viewable_item_or_404
from apps.evidence.services import evidence_file_access_record
from apps.incidents.permissions import visible_incidents

if TYPE_CHECKING:
    from uuid import UUID

    from apps.custody.models import CustodyEvent
    from apps.custody.selectors import VerificationReport
    from apps.incidents.models import Incident


@dataclass(frozen=True)
class DetailEntry:
    """One line of an event's details: a value, or a change from ``before`` to ``after``."""

    label: str
    value: str = ""
    before: str = ""
    after: str = ""
    is_change: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    event: CustodyEvent
    reason: str
    details: list[DetailEntry]
    broken: bool


@dataclass(frozen=True)
class TransferRow:
    """A hand-over as recorded by custody_transfer, laid out like a row of a paper custody form."""

    sequence: int
    released_by: str
    received_by: str
    transferred_at: str
    reason: str
    location_after: str
    recorded_by: str


def _text(value: object) -> str:
    """A details value as text. Strings as they are; anything else as JSON, so that null, true and 3 stay distinct."""
    if isinstance(value, str):
        return value if value else _("(empty)")
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _cell(value: object) -> str:
    """A value for a form cell: missing stays blank, as on paper."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _change_entries(label: str, before: object, after: object) -> Iterator[DetailEntry]:
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted({*before, *after}, key=str):
            yield from _change_entries(f"{label}.{key}" if label else str(key), before.get(key, ""), after.get(key, ""))
        return
    yield DetailEntry(label=label or _("value"), before=_text(before), after=_text(after), is_change=True)


def detail_entries(details: object, label: str = "") -> list[DetailEntry]:
    """An event's details dict as a flat, readable list: nested keys joined with dots, before/after pairs as changes.

    Keys are sorted so that the display does not depend on how the database
    orders JSON keys. Values are plain strings: the template escapes them
    (details can hold anything a sender wrote).
    """
    if not isinstance(details, Mapping):
        return [DetailEntry(label=label or _("details"), value=_text(details))]
    entries: list[DetailEntry] = []
    if "before" in details and "after" in details:
        entries.extend(_change_entries(label, details["before"], details["after"]))
    for key in sorted(details, key=str):
        if key in {"before", "after"} and "before" in details and "after" in details:
            continue
        child = f"{label}.{key}" if label else str(key)
        value = details[key]
        if isinstance(value, Mapping) and value:
            entries.extend(detail_entries(value, child))
        else:
            entries.append(DetailEntry(label=child, value=_text(value)))
    return entries


def _timeline(events: list[CustodyEvent], report: VerificationReport) -> list[TimelineEntry]:
    broken = {chain_break.sequence for chain_break in report.breaks}
    entries = []
    for event in events:
        details = event.details if isinstance(event.details, dict) else {"details": event.details}
        reason = details.get("reason")
        shown = (
            {key: value for key, value in details.items() if key != "reason"} if isinstance(reason, str) else details
        )
        entries.append(
            TimelineEntry(
                event=event,
                reason=reason if isinstance(reason, str) else "",
                details=detail_entries(shown),
                broken=event.sequence in broken,
            )
        )
    return entries


def _transfers(events: list[CustodyEvent]) -> list[TransferRow]:
    rows = []
    for event in events:
        if event.action != CustodyAction.CUSTODY_TRANSFERRED or not isinstance(event.details, dict):
            continue
        details: dict[str, Any] = event.details
        location = details.get("location")
        rows.append(
            TransferRow(
                sequence=event.sequence,
                released_by=_cell(details.get("released_by")),
                received_by=_cell(details.get("received_by")),
                transferred_at=_cell(details.get("transferred_at")),
                reason=_cell(details.get("reason")),
                location_after=_cell(location.get("after") if isinstance(location, dict) else None),
                recorded_by=event.actor,
            )
        )
    return rows


def _custody_context(request: HttpRequest, item: EvidenceItem) -> dict[str, Any]:
    events = list(custody_events_for_item(item_id=item.pk))
    verification = custody_verify(item_id=item.pk)
    derivatives = {derivative.kind: derivative for derivative in item.derivatives.all()}
    return {
        "item": item,
        "show_witness_identity": can_see_witness_identity(request.user, item.case),
        "preview": derivatives.get("preview") or derivatives.get("thumbnail"),
        "revealed": _is_revealed(request, item),
        "has_original": bool(item.storage_name),
        "is_physical": item.kind == EvidenceKind.PHYSICAL,
        "timeline": _timeline(events, verification),
        "transfers": _transfers(events),
        "verification": verification,
        "verified_at": timezone.now(),
    }


# --- The evidence list -----------------------------------------------------------------------

LIST_PAGE_SIZE = 50


class _DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


def _user_cases(request: HttpRequest | None) -> QuerySet[Case]:
    if request is None:
        return Case.objects.none()
    return Case.objects.filter(pk__in=member_case_ids(request.user)).order_by("reference")


class EvidenceListFilter(EvidenceItemFilter):
    """The API's filters (apps/evidence/filters.py) for the list page, so that page and API filter alike.

    Two differences, both of presentation: the case is chosen from the user's cases instead of typed as an
    id, and times are picked with the browser's date-and-time input (read in the user's time zone). The
    page also sorts (``ordering``), which the API does with its own ordering filter.
    """

    case = django_filters.ModelChoiceFilter(field_name="case", queryset=_user_cases, label=gettext_lazy("Case"))
    collected_after = django_filters.IsoDateTimeFilter(
        field_name="collected_at", lookup_expr="gte", label=gettext_lazy("Collected from"), widget=_DateTimeLocalInput()
    )
    collected_before = django_filters.IsoDateTimeFilter(
        field_name="collected_at",
        lookup_expr="lt",
        label=gettext_lazy("Collected before"),
        widget=_DateTimeLocalInput(),
    )
    uploaded_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=gettext_lazy("Received from"), widget=_DateTimeLocalInput()
    )
    uploaded_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=gettext_lazy("Received before"), widget=_DateTimeLocalInput()
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "received"),
            ("collected_at", "collected"),
            ("number", "number"),
            ("size_bytes", "size"),
        ),
        label=gettext_lazy("Sort by"),
    )

    LABELS = {
        "search": gettext_lazy("Search"),
        "incident": gettext_lazy("Incident (id)"),
        "kind": gettext_lazy("Kind"),
        "review_status": gettext_lazy("Review"),
        "processing_status": gettext_lazy("Processing"),
        "integrity_status": gettext_lazy("Integrity"),
        "consent_status": gettext_lazy("Consent"),
        "is_graphic": gettext_lazy("Graphic"),
        "contains_personal_data": gettext_lazy("Personal data"),
        "reveals_witness_identity": gettext_lazy("Reveals a witness"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in self.LABELS.items():
            self.filters[name].label = label
        # The page's fields in reading order: what people look for first.
        order = ["search", "case", *self.LABELS, "collected_after", "collected_before"]
        order += ["uploaded_after", "uploaded_before", "incident", "ordering"]
        ordered = {name: self.filters[name] for name in dict.fromkeys([*order, *self.filters])}
        self.filters.clear()
        self.filters.update(ordered)


def _listed_items(request: HttpRequest) -> tuple[EvidenceListFilter, QuerySet[EvidenceItem]]:
    """The user's items (visible_items), filtered and sorted as the query string says; newest first by default.

    The id is the last sort key, so that pages never repeat or skip items that share a value.
    """
    items = (
        visible_items(request.user)
        .select_related("case", "collected_by")
        .prefetch_related(Prefetch("incidents", queryset=visible_incidents(request.user).only("id", "title")))
    )
    filterset = EvidenceListFilter(request.GET or None, queryset=items, request=request)
    listed = filterset.qs
    ordering = [term for term in listed.query.order_by if term.lstrip("-") != "id"] or ["-created_at"]
    descending = ordering[0].startswith("-")
    return filterset, listed.order_by(*ordering, "-id" if descending else "id")


@require_safe
@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    """The items of the user's cases, filtered, searched, sorted and paginated; a CSV of the same list."""
    filterset, items = _listed_items(request)
    page = Paginator(items, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "evidence/item_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode(), "sort": _sort_links(request)},
    )


def _sort_links(request: HttpRequest) -> dict[str, dict[str, str]]:
    """For each sortable column: the query string that sorts by it (toggling the direction) and aria-sort."""
    current = request.GET.get("ordering", "") or "-received"
    links = {}
    for name in ("received", "collected", "number", "size"):
        query = request.GET.copy()
        query.pop("page", None)
        direction = "ascending" if current == name else "descending" if current == f"-{name}" else ""
        query["ordering"] = f"-{name}" if direction == "ascending" else name
        links[name] = {"query": query.urlencode(), "aria_sort": direction}
    return links


@require_safe
@login_required
def item_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    """Every row of the filtered list as CSV, streamed (apps/evidence/csv_export.py)."""
    _filterset, items = _listed_items(request)
    identity_case_ids = set(case_ids_with_roles(request.user, WITNESS_IDENTITY_ROLES))
    filename = f"evidence-{timezone.now():%Y%m%d-%H%M%S}.csv"
    response = StreamingHttpResponse(
        csv_lines(evidence_csv_rows(items, identity_case_ids=identity_case_ids)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Examination: metadata, place and time against the incidents, look-alikes ------------------


@dataclass(frozen=True)
class MapPoint:
    label: str
    latitude: float
    longitude: float
    kind: str  # "evidence" (the file's GPS), "declared" (the uploader's), "incident"

    def as_json(self) -> dict[str, Any]:
        return {"lat": self.latitude, "lon": self.longitude, "label": self.label, "kind": self.kind}


@dataclass(frozen=True)
class DistanceRow:
    """The file's GPS point against a declared location, in kilometres."""

    point: MapPoint
    km: float
    precision: str  # how precisely the declared location is known, for the reader to weigh the distance


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    url: str
    comparison: TimeComparison | None


@dataclass(frozen=True)
class DuplicateRow:
    item: EvidenceItem
    algorithm: str
    distance: int


def _point(label: str, latitude: Decimal | None, longitude: Decimal | None, kind: str) -> MapPoint | None:
    if latitude is None or longitude is None:
        return None
    return MapPoint(label=label, latitude=float(latitude), longitude=float(longitude), kind=kind)


def _incident_url(incident: Incident) -> str:
    # The incident pages are built alongside; until their route exists the title is shown without a link.
    try:
        return reverse("incidents:detail", args=[incident.pk])
    except NoReverseMatch:
        return ""


def _duration(seconds: object) -> str:
    try:
        total = Decimal(str(seconds))
    except (InvalidOperation, ValueError):
        return ""
    if not total.is_finite() or total < 0:
        return ""
    whole = int(total)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _dimensions(metadata: Mapping[str, Any]) -> str:
    candidates: list[Any] = [metadata.get("image")]
    ffprobe = metadata.get("ffprobe")
    if isinstance(ffprobe, Mapping) and isinstance(ffprobe.get("streams"), list):
        candidates.extend(ffprobe["streams"])
    for candidate in candidates:
        if isinstance(candidate, Mapping):
            width, height = candidate.get("width"), candidate.get("height")
            if isinstance(width, int) and isinstance(height, int):
                return f"{width} \u00d7 {height}"  # the multiplication sign
    return ""


def metadata_rows(item: EvidenceItem, *, show_identity: bool) -> list[tuple[str, str]]:
    """The extracted metadata a reader looks for first, as (label, value) rows; empty values left out.

    The byline and copyright of the file can name its author: only for roles that see identities.
    """
    metadata: Mapping[str, Any] = item.metadata if isinstance(item.metadata, Mapping) else {}
    ffprobe = metadata.get("ffprobe")
    media_format = ffprobe.get("format") if isinstance(ffprobe, Mapping) else None
    pdf = metadata.get("pdf")
    camera = " ".join(part for part in (item.camera_make, item.camera_model) if part)
    gps = ""
    if item.extracted_latitude is not None and item.extracted_longitude is not None:
        gps = f"{item.extracted_latitude}, {item.extracted_longitude}"
        if item.extracted_altitude_m is not None:
            gps += " " + _("(altitude %(metres)s m)") % {"metres": item.extracted_altitude_m}
    rows = [
        (_("Content type"), item.detected_content_type or item.declared_content_type),
        (_("Camera"), camera),
        (_("Captured at (from metadata)"), _datetime_text(item.extracted_captured_at)),
        (_("GPS position (from metadata)"), gps),
        (_("Dimensions (pixels)"), _dimensions(metadata)),
        (_("Duration"), _duration(media_format.get("duration")) if isinstance(media_format, Mapping) else ""),
        (_("Pages"), str(pdf.get("page_count", "")) if isinstance(pdf, Mapping) else ""),
        (_("Caption (from metadata)"), item.extracted_caption),
    ]
    if show_identity:
        rows.append((_("Credit (from metadata)"), item.extracted_credit))
    return [(label, value) for label, value in rows if value]


def _datetime_text(value: datetime | None) -> str:
    if value is None:
        return ""
    return dateformat.format(timezone.localtime(value), "Y-m-d H:i:s O")


def _examination_context(request: HttpRequest, item: EvidenceItem, *, show_identity: bool) -> dict[str, Any]:
    """What the content analysis compares: the file's own place and time against the declared ones, look-alikes.

    Two queries: the item's incidents (need-to-know: visible_incidents), its possible duplicates (each other
    item only if the user may see it).
    """
    incidents = list(
        visible_incidents(request.user).filter(evidence_links__item=item).order_by("start_at", "id").distinct()
    )
    visible = visible_items(request.user).values("pk")
    duplicates = [
        DuplicateRow(
            item=link.duplicate_of if link.item_id == item.pk else link.item,
            algorithm=link.algorithm,
            distance=link.distance,
        )
        for link in PossibleDuplicate.objects.filter(
            Q(item=item, duplicate_of__in=visible) | Q(duplicate_of=item, item__in=visible)
        )
        .select_related("item__case", "duplicate_of__case")
        .order_by("distance", "id")
    ]
    gps = _point(_("GPS position in the file"), item.extracted_latitude, item.extracted_longitude, "evidence")
    declared = _point(
        item.declared_place_name or _("Declared place of capture"),
        item.declared_latitude,
        item.declared_longitude,
        "declared",
    )
    incident_points = [
        (incident, _point(incident.title, incident.latitude, incident.longitude, "incident")) for incident in incidents
    ]
    distances = []
    if gps is not None:
        if declared is not None:
            distances.append(DistanceRow(point=declared, km=_km(gps, declared), precision=""))
        for incident, point in incident_points:
            if point is not None:
                distances.append(
                    DistanceRow(point=point, km=_km(gps, point), precision=incident.get_location_precision_display())
                )
    captured_at, captured_source = item.extracted_captured_at, "metadata"
    if captured_at is None:
        captured_at, captured_source = item.declared_captured_at, "declared"
    rows = [
        IncidentRow(
            incident=incident,
            url=_incident_url(incident),
            comparison=None
            if captured_at is None
            else capture_time_compare(
                captured_at=captured_at,
                start_at=incident.start_at,
                start_precision=incident.start_precision,
                end_at=incident.end_at,
                end_precision=incident.end_precision,
            ),
        )
        for incident in incidents
    ]
    points = [point for point in (gps, declared, *(point for _incident, point in incident_points)) if point]
    raw = item.metadata if isinstance(item.metadata, Mapping) else {}
    return {
        "incident_rows": rows,
        "captured_at": captured_at,
        "captured_source": captured_source,
        "gps_point": gps,
        "declared_point": declared,
        "distances": distances,
        "map_points": [point.as_json() for point in points],
        "metadata_rows": metadata_rows(item, show_identity=show_identity),
        "raw_metadata": json.dumps(raw, ensure_ascii=False, indent=2, sort_keys=True) if raw and show_identity else "",
        "has_raw_metadata": bool(raw),
        "duplicates": duplicates,
    }


def _km(a: MapPoint, b: MapPoint) -> float:
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def _media_context(item: EvidenceItem, *, has_original: bool, revealed: bool) -> dict[str, Any]:
    """How the page shows the file: a player for video and audio (the original, fetched only on play)."""
    content_type = item.detected_content_type or item.declared_content_type
    kind = item.kind if item.kind in (EvidenceKind.VIDEO, EvidenceKind.AUDIO) else ""
    if not kind and content_type.startswith(("video/", "audio/")):
        kind = content_type.split("/", 1)[0]
    archived = has_original and item.processing_status == ProcessingStatus.ARCHIVED
    playable = bool(kind) and archived and (not item.is_graphic or revealed)
    return {"player": kind if playable else "", "player_type": content_type if playable else ""}


@require_safe
@login_required
def item_detail(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """An item's record, what its file says about itself, its custody timeline and whether its chain verifies now.

    Showing the page writes no custody event: the preview is fetched by its own view, and a player's
    original only when the user presses play (preload="none"), which item_original records.
    """
    item = viewable_item_or_404(user=request.user, item_id=item_id)
    context = _custody_context(request, item)
    context.update(_examination_context(request, item, show_identity=context["show_witness_identity"]))
    context.update(_media_context(item, has_original=context["has_original"], revealed=context["revealed"]))
    return render(request, "evidence/item_detail.html", context)


@require_safe
@login_required
def custody_report(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """The chain-of-custody form of one item, for printing (laid out like a paper form)."""
    item = viewable_item_or_404(user=request.user, item_id=item_id)
    return render(request, "evidence/custody_report.html", _custody_context(request, item))


# --- Files -----------------------------------------------------------------------------

# Item ids whose graphic original this session has revealed (the reveal was recorded in custody).
_REVEALED_SESSION_KEY = "custos_revealed_items"
# Types a browser may show inline; anything else is always a download.
_INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "video/", "audio/", "application/pdf")


def _is_revealed(request: HttpRequest, item: EvidenceItem) -> bool:
    return str(item.pk) in request.session.get(_REVEALED_SESSION_KEY, [])


def _archived_original(request: HttpRequest, item_id: UUID) -> EvidenceItem:
    item = viewable_item_or_404(user=request.user, item_id=item_id)
    if not has_archived_original(item):
        raise Http404(_("This item has no archived file yet."))
    return item


def _original_type(item: EvidenceItem) -> str:
    content_type = item.detected_content_type or item.declared_content_type
    return content_type if content_type.startswith(_INLINE_TYPES) else "application/octet-stream"


@require_GET  # not HEAD: it would record a hand-over that sends nothing
@login_required
def item_download(request: HttpRequest, item_id: UUID) -> HttpResponseBase:
    """The original, byte for byte, as an attachment under its original name. Recorded as "downloaded".

    A Range request (a download resumed) gets those bytes, and each is recorded, with the bytes it handed over.
    """
    item = _archived_original(request, item_id)
    try:
        return original_download(request=request, item=item, user=signed_in_user(request))
    except RangeNotSatisfiableError as error:
        return range_not_satisfiable_response(error)


# Item ids of originals this session was recorded viewing, with when (seconds since the epoch).
_VIEWED_ORIGINALS_SESSION_KEY = "custos_viewed_originals"
# How long a player's later range requests (seeking) count as the view already recorded.
ORIGINAL_VIEW_SECONDS = 30 * 60


def _continues_recorded_view(request: HttpRequest, item: EvidenceItem, byte_range: ByteRange | None) -> bool:
    """Whether this request only continues a view this session already recorded: a range past the first byte
    (a player seeking, or reading the index at the end of a video) within ORIGINAL_VIEW_SECONDS of it.

    Any request from the first byte, a request without a range, and a range in a session that has not recorded
    a view of this original lately are recorded: fetching the file piecemeal never goes unrecorded.
    """
    if byte_range is None or byte_range.start == 0:
        return False
    recorded_at = request.session.get(_VIEWED_ORIGINALS_SESSION_KEY, {}).get(str(item.pk))
    return recorded_at is not None and time.time() - recorded_at < ORIGINAL_VIEW_SECONDS


def _remember_recorded_view(request: HttpRequest, item: EvidenceItem) -> None:
    now = time.time()
    viewed = {
        item_id: at
        for item_id, at in request.session.get(_VIEWED_ORIGINALS_SESSION_KEY, {}).items()
        if now - at < ORIGINAL_VIEW_SECONDS
    }
    viewed[str(item.pk)] = now
    request.session[_VIEWED_ORIGINALS_SESSION_KEY] = viewed


@require_GET  # not HEAD: it would record a hand-over that sends nothing
@login_required
def item_original(request: HttpRequest, item_id: UUID) -> HttpResponseBase:
    """The original shown in the browser (and played by the item page's player). Recorded as "viewed"; graphic
    material only after a reveal, which records the view.

    Byte ranges are served, so that a player can seek: a range that continues a view this session already
    recorded is not recorded again (_continues_recorded_view); every other request is.
    """
    item = _archived_original(request, item_id)
    if item.is_graphic and not _is_revealed(request, item):
        return HttpResponse(_("Reveal this graphic item on its page first."), status=403, content_type="text/plain")
    try:
        byte_range = requested_byte_range(request, original_size(item))
    except RangeNotSatisfiableError as error:
        return range_not_satisfiable_response(error)
    if not item.is_graphic and not _continues_recorded_view(request, item, byte_range):
        evidence_file_access_record(
            item=item,
            user=signed_in_user(request),
            action=CustodyAction.VIEWED,
            file="original",
            byte_range=byte_range,
        )
        _remember_recorded_view(request, item)
    content_type = _original_type(item)
    return evidence_file_response(
        storage_name=item.storage_name,
        content_type=content_type,
        filename=item.original_filename or item.reference,
        attachment=content_type == "application/octet-stream",
        size=item.size_bytes,
        byte_range=byte_range,
        accept_ranges=True,
    )


@require_GET  # not HEAD: it would record a hand-over that sends nothing
@login_required
def item_preview(request: HttpRequest, item_id: UUID, kind: str) -> HttpResponseBase:
    """A working copy (thumbnail or preview). Blurred for graphic items, whoever asks.

    An unblurred preview is recorded as "viewed". Thumbnails are not: lists
    show dozens of them, at a size that serves recognition, not examination.
    """
    item = viewable_item_or_404(user=request.user, item_id=item_id)
    derivative = derivative_of(item, kind)
    if derivative is None:
        raise Http404
    return derivative_file(item=item, derivative=derivative, user=signed_in_user(request))


@require_POST
@login_required
def item_reveal(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """Reveal a graphic item's original on its page for this session. Recorded as "viewed"."""
    item = _archived_original(request, item_id)
    if not can_reveal_graphic(request.user, item):
        raise Http404
    if not _is_revealed(request, item):
        evidence_file_access_record(
            item=item,
            user=signed_in_user(request),
            action=CustodyAction.VIEWED,
            file="original",
            reason="graphic content revealed",
        )
        request.session[_REVEALED_SESSION_KEY] = [*request.session.get(_REVEALED_SESSION_KEY, []), str(item.pk)]
    return redirect(f"{item.get_absolute_url()}#media")


@require_POST
@login_required
def item_conceal(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """Blur a revealed graphic item again."""
    item = viewable_item_or_404(user=request.user, item_id=item_id)
    revealed = request.session.get(_REVEALED_SESSION_KEY, [])
    request.session[_REVEALED_SESSION_KEY] = [value for value in revealed if value != str(item.pk)]
    return redirect(f"{item.get_absolute_url()}#media")
