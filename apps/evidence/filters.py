"""Filters, search and ordering of the evidence list API (django-filter and DRF's ordering)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.filters import OrderingFilter

from apps.accounts.permissions import WITNESS_IDENTITY_ROLES, case_ids_with_roles
from apps.common.search import full_text_search
from apps.evidence.enums import ConsentStatus, EvidenceKind, IntegrityStatus, ProcessingStatus, ReviewStatus
from apps.evidence.models import EvidenceItem, IncidentLink

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

# ?search= looks here; who collected an item only where the user's role sees witness identities.
SEARCH_FIELDS = ("case__reference", "original_filename", "caption", "description")
IDENTITY_SEARCH_FIELDS = ("collector_name",)
# "UA-2022-0001/E0001": an item's reference, looked up exactly.
_REFERENCE = re.compile(r"(?P<case>\S+)/E(?P<number>[0-9]{1,9})")


class EvidenceItemFilter(django_filters.FilterSet):
    case = django_filters.UUIDFilter(field_name="case_id", help_text=_("Only items of this case (its id)."))
    incident = django_filters.UUIDFilter(
        method="filter_incident", help_text=_("Only items linked to this incident (its id).")
    )
    kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices, help_text=_("Only items of this kind."))
    review_status = django_filters.ChoiceFilter(
        choices=ReviewStatus.choices, help_text=_("Only items at this step of review.")
    )
    processing_status = django_filters.ChoiceFilter(
        choices=ProcessingStatus.choices, help_text=_("Only items at this step of the intake pipeline.")
    )
    integrity_status = django_filters.ChoiceFilter(
        choices=IntegrityStatus.choices, help_text=_("Only items whose latest fixity check says this.")
    )
    consent_status = django_filters.ChoiceFilter(
        choices=ConsentStatus.choices, help_text=_("Only items with this consent status.")
    )
    is_graphic = django_filters.BooleanFilter(help_text=_("Only graphic items (true), or only others (false)."))
    contains_personal_data = django_filters.BooleanFilter(
        help_text=_("Only items that contain personal data (true), or only others (false).")
    )
    reveals_witness_identity = django_filters.BooleanFilter(
        help_text=_("Only items that reveal a witness's identity (true), or only others (false).")
    )
    collected_after = django_filters.IsoDateTimeFilter(
        field_name="collected_at", lookup_expr="gte", help_text=_("Collected at or after this time (ISO 8601).")
    )
    collected_before = django_filters.IsoDateTimeFilter(
        field_name="collected_at", lookup_expr="lt", help_text=_("Collected before this time (ISO 8601).")
    )
    uploaded_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text=_("Received at or after this time (ISO 8601).")
    )
    uploaded_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text=_("Received before this time (ISO 8601).")
    )
    search = django_filters.CharFilter(
        method="filter_search",
        help_text=_(
            "Full-text search over the reference, the original filename, the caption, the description and "
            '(where your role sees identities) the collector: words (all must match), "a phrase", or -word '
            "to exclude. A whole reference (UA-2022-0001/E0001) finds that item."
        ),
    )

    class Meta:
        model = EvidenceItem
        fields: list[str] = []

    def filter_incident(self, queryset: QuerySet[EvidenceItem], name: str, value: Any) -> QuerySet[EvidenceItem]:
        return queryset.filter(pk__in=IncidentLink.objects.filter(incident_id=value).values("item_id"))

    def filter_search(self, queryset: QuerySet[EvidenceItem], name: str, value: str) -> QuerySet[EvidenceItem]:
        query = value.strip()
        if not query:
            return queryset
        reference = _REFERENCE.fullmatch(query)
        if reference is not None:
            return queryset.filter(case__reference__iexact=reference["case"], number=int(reference["number"]))
        identity_cases = case_ids_with_roles(self.request.user, WITNESS_IDENTITY_ROLES)
        with_identity = full_text_search(
            queryset.filter(case_id__in=identity_cases), query=query, fields=SEARCH_FIELDS + IDENTITY_SEARCH_FIELDS
        )
        without_identity = full_text_search(
            queryset.exclude(case_id__in=identity_cases), query=query, fields=SEARCH_FIELDS
        )
        return queryset.filter(Q(pk__in=with_identity.values("pk")) | Q(pk__in=without_identity.values("pk")))


class EvidenceOrdering(OrderingFilter):
    """``?ordering=`` over created_at, number and size_bytes, ``-`` for descending.

    The id is always added as the last key, so that cursor pages never repeat
    or skip items that share a value (item numbers repeat across cases). A
    physical item has no size: it sorts as 0, because a cursor cannot point
    at a null.
    """

    size_order = "size_order"

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> list[str]:
        ordering = [
            term.replace("size_bytes", self.size_order) for term in super().get_ordering(request, queryset, view) or ()
        ]
        if not any(term.lstrip("-") == "id" for term in ordering):
            ordering.append("-id" if ordering and ordering[0].startswith("-") else "id")
        return ordering
