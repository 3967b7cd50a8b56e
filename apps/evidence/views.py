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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from apps.accounts.permissions import can_see_witness_identity
from apps.accounts.selectors import signed_in_user
from apps.custody.enums import CustodyAction
from apps.custody.selectors import custody_events_for_item, custody_verify
from apps.evidence.enums import EvidenceKind, ProcessingStatus
from apps.evidence.file_responses import evidence_file_response
from apps.evidence.models import Derivative
from apps.evidence.permissions import can_reveal_graphic, can_view_item
from apps.evidence.selectors import evidence_item_for_user
from apps.evidence.services import evidence_file_access_record

if TYPE_CHECKING:
    from uuid import UUID

    from apps.custody.models import CustodyEvent
    from apps.custody.selectors import VerificationReport
    from apps.evidence.models import EvidenceItem


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


def _viewable_item(request: HttpRequest, item_id: UUID) -> EvidenceItem:
    """The item, or 404 whether it does not exist or the user may not see it: existence must not leak."""
    item = evidence_item_for_user(user=request.user, item_id=item_id)
    if item is None or not can_view_item(request.user, item):
        raise Http404
    return item


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


@require_safe
@login_required
def item_detail(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """An item's record, its custody timeline and whether its chain verifies now."""
    item = _viewable_item(request, item_id)
    return render(request, "evidence/item_detail.html", _custody_context(request, item))


@require_safe
@login_required
def custody_report(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """The chain-of-custody form of one item, for printing (laid out like a paper form)."""
    item = _viewable_item(request, item_id)
    return render(request, "evidence/custody_report.html", _custody_context(request, item))


# --- Files -----------------------------------------------------------------------------

# Item ids whose graphic original this session has revealed (the reveal was recorded in custody).
_REVEALED_SESSION_KEY = "custos_revealed_items"
# Types a browser may show inline; anything else is always a download.
_INLINE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "video/", "audio/", "application/pdf")


def _is_revealed(request: HttpRequest, item: EvidenceItem) -> bool:
    return str(item.pk) in request.session.get(_REVEALED_SESSION_KEY, [])


def _archived_original(request: HttpRequest, item_id: UUID) -> EvidenceItem:
    item = _viewable_item(request, item_id)
    if not item.storage_name or item.processing_status != ProcessingStatus.ARCHIVED:
        raise Http404(_("This item has no archived file yet."))
    return item


def _original_type(item: EvidenceItem) -> str:
    content_type = item.detected_content_type or item.declared_content_type
    return content_type if content_type.startswith(_INLINE_TYPES) else "application/octet-stream"


@require_safe
@login_required
def item_download(request: HttpRequest, item_id: UUID) -> HttpResponseBase:
    """The original, byte for byte, as an attachment under its original name. Recorded as "downloaded"."""
    item = _archived_original(request, item_id)
    evidence_file_access_record(
        item=item, user=signed_in_user(request), action=CustodyAction.DOWNLOADED, file="original"
    )
    return evidence_file_response(
        storage_name=item.storage_name,
        content_type="application/octet-stream",
        filename=item.original_filename or f"{item.reference}.bin",
        attachment=True,
        size=item.size_bytes,
    )


@require_safe
@login_required
def item_original(request: HttpRequest, item_id: UUID) -> HttpResponseBase:
    """The original shown in the browser. Recorded as "viewed"; graphic material only after a reveal."""
    item = _archived_original(request, item_id)
    if item.is_graphic:
        if not _is_revealed(request, item):
            # The reveal (a POST from the item page) is what records the view.
            return HttpResponse(_("Reveal this graphic item on its page first."), status=403, content_type="text/plain")
    else:
        evidence_file_access_record(
            item=item, user=signed_in_user(request), action=CustodyAction.VIEWED, file="original"
        )
    content_type = _original_type(item)
    return evidence_file_response(
        storage_name=item.storage_name,
        content_type=content_type,
        filename=item.original_filename or item.reference,
        attachment=content_type == "application/octet-stream",
        size=item.size_bytes,
    )


@require_safe
@login_required
def item_preview(request: HttpRequest, item_id: UUID, kind: str) -> HttpResponseBase:
    """A working copy (thumbnail or preview). Blurred for graphic items, whoever asks.

    An unblurred preview is recorded as "viewed". Thumbnails are not: lists
    show dozens of them, at a size that serves recognition, not examination.
    """
    item = _viewable_item(request, item_id)
    derivative = Derivative.objects.filter(item=item, kind=kind).first()
    if derivative is None:
        raise Http404
    if kind != "thumbnail" and not derivative.blurred:
        evidence_file_access_record(item=item, user=signed_in_user(request), action=CustodyAction.VIEWED, file=kind)
    return evidence_file_response(
        storage_name=derivative.storage_name,
        content_type=derivative.content_type,
        filename=f"{item.reference}-{kind}.jpg",
        attachment=False,
        size=derivative.size_bytes,
    )


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
    item = _viewable_item(request, item_id)
    revealed = request.session.get(_REVEALED_SESSION_KEY, [])
    request.session[_REVEALED_SESSION_KEY] = [value for value in revealed if value != str(item.pk)]
    return redirect(f"{item.get_absolute_url()}#media")
