"""The cases API: the user's cases, read-only (cases are created and managed in the pages).

A case the user is not a member of answers 404, like one that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from apps.cases.selectors import case_list_for_user
from apps.cases.serializers import CaseSerializer
from apps.common.schema import SPARSE_FIELDS

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from apps.cases.models import Case


@extend_schema(parameters=[SPARSE_FIELDS])
class CaseListView(generics.ListAPIView):  # type: ignore[type-arg]
    """The cases you are a member of, with your role and how many incidents and evidence items each holds."""

    serializer_class = CaseSerializer

    ordering = ("reference",)
    ordering_fields = ("reference", "created_at")
    search_fields = ("reference", "title", "description")

    def get_queryset(self) -> QuerySet[Case]:
        return case_list_for_user(user=self.request.user)


@extend_schema(parameters=[SPARSE_FIELDS])
class CaseDetailView(generics.RetrieveAPIView):  # type: ignore[type-arg]
    """One of your cases."""

    serializer_class = CaseSerializer

    lookup_url_kwarg = "case_id"
    filter_backends = ()  # the list's filters and search do not apply to one object

    def get_queryset(self) -> QuerySet[Case]:
        return case_list_for_user(user=self.request.user)
