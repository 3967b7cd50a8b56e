"""Pages of one evidence item: its record with the custody timeline, and the printable chain-of-custody report."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.custody.enums import CustodyAction
from apps.custody.selectors import custody_events_for_item, custody_verify
from apps.evidence.enums import EvidenceKind
from apps.evidence.permissions import can_view_item
from apps.evidence.selectors import evidence_item_for_user

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


def _custody_context(item: EvidenceItem) -> dict[str, Any]:
    events = list(custody_events_for_item(item_id=item.pk))
    verification = custody_verify(item_id=item.pk)
    return {
        "item": item,
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
    return render(request, "evidence/item_detail.html", _custody_context(item))


@require_safe
@login_required
def custody_report(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """The chain-of-custody form of one item, for printing (laid out like a paper form)."""
    item = _viewable_item(request, item_id)
    return render(request, "evidence/custody_report.html", _custody_context(item))
