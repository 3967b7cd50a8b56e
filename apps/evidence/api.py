"""The evidence API: the items of the user's cases, one item's whole record, and edits of its description.

Need-to-know: every queryset starts from ``visible_items`` (the user's cases,
narrowed to an API token's cases, minus identity-restricted items for
observers), so an item the user may not see answers 404 exactly like one that
does not exist. Observers get no witness-identity fields (serializers.py).

Reading an item's record is not a custody event: the item page
(apps/evidence/views.py ``item_detail``) does not write one either. What is
recorded is the handing out of the file itself, by the file views the
derivatives' ``url`` points at.

A PATCH changes descriptive fields only, through ``evidence_item_update``,
which writes the "metadata edited" custody event with before and after in the
same transaction. Who may: leads, and investigators on their own drafts
(``can_edit_item``); nobody in a closed case. Others get 403 with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.accounts.enums import CaseRole
from apps.accounts.permissions import case_role
from apps.accounts.selectors import signed_in_user
from apps.cases.permissions import case_is_open
from apps.common.api import PROBLEM_CONTENT_TYPE, FileRenderer, problem_response
from apps.common.schema import ITEM_ID, PROBLEM, SPARSE_FIELDS
from apps.evidence.file_access import (
    DERIVATIVE_CONTENT_TYPE,
    derivative_file,
    derivative_of,
    has_archived_original,
    original_download,
)
from apps.evidence.file_responses import RangeNotSatisfiableError
from apps.evidence.filters import EvidenceItemFilter, EvidenceOrdering
from apps.evidence.models import EvidenceItem, IncidentLink, PossibleDuplicate
from apps.evidence.permissions import can_edit_item, can_view_item, visible_items
from apps.evidence.selectors import viewable_item_or_404
from apps.evidence.serializers import (
    EvidenceItemDetailSerializer,
    EvidenceItemSerializer,
    EvidenceItemUpdateSerializer,
)
from apps.evidence.services import evidence_item_update

if TYPE_CHECKING:
    from django.http import HttpResponseBase


def _filter_backends() -> list[Any]:
    """The global backends, with evidence's own ordering (a tie-breaking id; sizes that may be missing)."""
    backends: list[Any] = list(api_settings.DEFAULT_FILTER_BACKENDS)
    return [EvidenceOrdering if backend is OrderingFilter else backend for backend in backends]


@extend_schema_view(get=extend_schema(parameters=[SPARSE_FIELDS]))
class EvidenceItemListView(generics.ListAPIView):  # type: ignore[type-arg]
    """GET: the evidence items of your cases, newest first; filter, search, order, page with a cursor."""

    serializer_class = EvidenceItemSerializer
    filterset_class = EvidenceItemFilter
    filter_backends = _filter_backends()
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at", "number", "size_bytes")

    def get_queryset(self) -> QuerySet[EvidenceItem]:
        return (
            visible_items(self.request.user)
            .select_related("case")
            .prefetch_related("incidents")
            .annotate(size_order=Coalesce("size_bytes", Value(0)))
        )


def edit_refusal(user: Any, item: EvidenceItem) -> str | None:
    """Why the user may not change the item's description, or None when they may."""
    if not case_is_open(item.case):
        return _("This case is closed; its evidence can no longer be changed. A lead can reopen it.")
    if can_edit_item(user, item):
        return None
    if case_role(user, item.case) == CaseRole.INVESTIGATOR:
        return _(
            "Investigators change only items they uploaded or collected, and only before review starts "
            "or while a reviewer asks for more information."
        )
    return _("Your role in this case does not change evidence.")


@extend_schema_view(
    get=extend_schema(parameters=[SPARSE_FIELDS]),
    patch=extend_schema(request=EvidenceItemUpdateSerializer, responses={200: EvidenceItemDetailSerializer}),
)
class EvidenceItemDetailView(generics.RetrieveUpdateAPIView):  # type: ignore[type-arg]
    """GET: an item's whole record; poll it after an upload until processing_status is archived.

    PATCH: change descriptive fields (caption, description, consent, sharing...), recorded in custody.
    """

    serializer_class = EvidenceItemDetailSerializer
    lookup_url_kwarg = "item_id"
    filter_backends: list[Any] = []
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[EvidenceItem]:
        user = self.request.user
        duplicates = PossibleDuplicate.objects.filter(duplicate_of__in=visible_items(user)).select_related(
            "duplicate_of__case"
        )
        return (
            visible_items(user)
            .select_related("case", "collected_by", "uploaded_by", "last_edited_by")
            .prefetch_related(
                "derivatives",
                Prefetch("incident_links", queryset=IncidentLink.objects.select_related("incident").order_by("pk")),
                Prefetch("possible_duplicates", queryset=duplicates.order_by("distance", "pk")),
            )
        )

    def get_object(self) -> EvidenceItem:
        item: EvidenceItem = super().get_object()
        if not can_view_item(self.request.user, item):  # visible_items already says so; the page asks both
            raise NotFound
        return item

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        item = self.get_object()
        refusal = edit_refusal(request.user, item)
        if refusal is not None:
            raise PermissionDenied(refusal)
        changes = EvidenceItemUpdateSerializer(item, data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        try:
            evidence_item_update(item=item, actor_user=request.user, changes=dict(changes.validated_data))  # type: ignore[arg-type]
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        return Response(self.get_serializer(self.get_object()).data)


# --- Files ------------------------------------------------------------------------------------------------------

RANGE = OpenApiParameter(
    "Range",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "One byte range (e.g. bytes=1048576-) to resume a download: answered 206 with those bytes. Several "
        "ranges, another unit or a malformed header get the whole file."
    ),
)


class _ItemFileView(generics.GenericAPIView):  # type: ignore[type-arg]
    """What the file routes share: one file, no pages or filters; GET only, as a HEAD would record a hand-over
    that sends nothing (the size is in the item's record)."""

    pagination_class = None
    filter_backends: list[Any] = []
    http_method_names = ["get", "options"]


class OriginalFileView(_ItemFileView):
    """GET: the original file, byte for byte, recorded in the item's custody as downloaded by you."""

    renderer_classes = [JSONRenderer, FileRenderer]

    @extend_schema(
        # ?format= would only choose how an error is written; Accept does that.
        parameters=[ITEM_ID, RANGE, OpenApiParameter("format", exclude=True)],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The whole original, as an attachment under its original name."
            ),
            (206, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The requested range of it (Content-Range says which bytes)."
            ),
            (409, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                PROBLEM, description="The file is not archived yet (processing, or it failed): nothing to hand out."
            ),
            (416, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                PROBLEM, description="The range starts past the end of the file; nothing is sent or recorded."
            ),
        },
    )
    def get(self, request: Request, item_id: Any) -> HttpResponseBase:
        """Each request, a resumed range too, is one "downloaded" event (details: file, sha256, bytes) written
        before the first byte leaves; check the bytes against the item's sha256."""
        item = viewable_item_or_404(user=request.user, item_id=item_id)
        if not has_archived_original(item):
            return problem_response(
                status_code=status.HTTP_409_CONFLICT,
                detail=_("This item has no archived file yet."),
                slug="file-not-archived",
            )
        try:
            return original_download(request=request, item=item, user=signed_in_user(request))
        except RangeNotSatisfiableError as error:
            response = problem_response(
                status_code=status.HTTP_416_REQUESTED_RANGE_NOT_SATISFIABLE,
                detail=_("The range starts past the end of the file (%(size)s bytes).") % {"size": error.size},
                slug="range-not-satisfiable",
            )
            response["Content-Range"] = error.content_range
            return response


class DerivativeFileRenderer(FileRenderer):
    """Working copies are JPEG images."""

    media_type = DERIVATIVE_CONTENT_TYPE
    format = "jpg"


class DerivativeFileView(_ItemFileView):
    """GET: a working copy (thumbnail, preview or poster), blurred for graphic material whoever asks."""

    renderer_classes = [JSONRenderer, DerivativeFileRenderer]

    @extend_schema(
        parameters=[
            ITEM_ID,
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="thumbnail, preview (images) or poster (videos); the item's derivatives list its own.",
            ),
            OpenApiParameter("format", exclude=True),
        ],
        responses={
            (200, DERIVATIVE_CONTENT_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="The working copy."),
        },
    )
    def get(self, request: Request, item_id: Any, kind: str) -> HttpResponseBase:
        """An unblurred copy other than a thumbnail is recorded in the item's custody as viewed by you."""
        item = viewable_item_or_404(user=request.user, item_id=item_id)
        derivative = derivative_of(item, kind)
        if derivative is None:
            raise NotFound(_("This item has no working copy of that kind."))
        return derivative_file(item=item, derivative=derivative, user=signed_in_user(request))
