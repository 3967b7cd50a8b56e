"""Read-only API of an item's custody record: its events, and whether its chain verifies now.

Need-to-know: an item outside the user's cases answers 404, exactly like
one that does not exist; an anonymous request is refused before that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.common.schema import ITEM_ID, SPARSE_FIELDS
from apps.custody.models import CustodyEvent
from apps.custody.selectors import custody_events_for_item, custody_verify
from apps.custody.serializers import CustodyEventSerializer, CustodyVerificationSerializer
from apps.evidence.selectors import viewable_item_or_404

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request


@extend_schema(parameters=[ITEM_ID, SPARSE_FIELDS])
class CustodyEventsView(generics.ListAPIView):  # type: ignore[type-arg]
    """The item's custody events in chain order (by sequence), with the fields each hash covers.

    Paginated like every list; ``?page_size=500`` fetches long chains in few requests.
    """

    renderer_classes = [JSONRenderer]
    serializer_class = CustodyEventSerializer
    ordering = ("sequence",)  # unique within an item's chain
    ordering_fields = ("sequence",)

    def get_queryset(self) -> QuerySet[CustodyEvent]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user, no item
            return CustodyEvent.objects.none()
        item = viewable_item_or_404(user=self.request.user, item_id=self.kwargs["item_id"])
        return custody_events_for_item(item_id=item.pk)


@extend_schema(parameters=[ITEM_ID])
class CustodyVerificationView(generics.GenericAPIView):  # type: ignore[type-arg]
    """Recompute the item's chain now and say whether it holds, and where it first breaks."""

    renderer_classes = [JSONRenderer]
    serializer_class = CustodyVerificationSerializer
    pagination_class = None

    def get(self, request: Request, item_id: Any) -> Response:
        item = viewable_item_or_404(user=request.user, item_id=item_id)
        report = custody_verify(item_id=item.pk)
        result = {
            "item": item.pk,
            "ok": report.ok,
            "events_checked": report.events_checked,
            "first_break": report.first_break,
            "verified_at": timezone.now(),
        }
        return Response(self.get_serializer(result).data)
