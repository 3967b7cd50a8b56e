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

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.accounts.enums import CaseRole
from apps.accounts.permissions import case_role
from apps.cases.permissions import case_is_open
from apps.common.schema import SPARSE_FIELDS
from apps.evidence.filters import EvidenceItemFilter, EvidenceOrdering
from apps.evidence.models import EvidenceItem, IncidentLink, PossibleDuplicate
from apps.evidence.permissions import can_edit_item, can_view_item, visible_items
from apps.evidence.serializers import (
    EvidenceItemDetailSerializer,
    EvidenceItemSerializer,
    EvidenceItemUpdateSerializer,
)
from apps.evidence.services import evidence_item_update


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
