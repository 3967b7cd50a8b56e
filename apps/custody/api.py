"""Read-only API of an item's custody record: its events, and whether its chain verifies now.

Need-to-know: an item outside the user's cases answers 404, exactly like
one that does not exist; an anonymous request is refused before that.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.custody.selectors import custody_events_for_item, custody_verify
from apps.custody.serializers import CustodyEventSerializer, CustodyVerificationSerializer
from apps.evidence.models import EvidenceItem
from apps.evidence.permissions import can_view_item
from apps.evidence.selectors import evidence_item_for_user


def _viewable_item(request: Request, item_id: UUID) -> EvidenceItem:
    item = evidence_item_for_user(user=request.user, item_id=item_id)
    if item is None or not can_view_item(request.user, item):
        raise NotFound
    return item


class CustodyEventsView(APIView):
    """GET: every custody event of the item, in chain order, with the fields its hash covers."""

    renderer_classes = [JSONRenderer]

    def get(self, request: Request, item_id: UUID) -> Response:
        item = _viewable_item(request, item_id)
        events = custody_events_for_item(item_id=item.pk)
        data: dict[str, Any] = {"item": str(item.pk), "events": CustodyEventSerializer(events, many=True).data}
        return Response(data)


class CustodyVerificationView(APIView):
    """GET: recompute the item's chain now and say whether it holds, and where it first breaks."""

    renderer_classes = [JSONRenderer]

    def get(self, request: Request, item_id: UUID) -> Response:
        item = _viewable_item(request, item_id)
        report = custody_verify(item_id=item.pk)
        result = {
            "item": item.pk,
            "ok": report.ok,
            "events_checked": report.events_checked,
            "first_break": report.first_break,
            "verified_at": timezone.now(),
        }
        return Response(CustodyVerificationSerializer(result).data)
