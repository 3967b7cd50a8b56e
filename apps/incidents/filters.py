"""Filters of incident lists: the API's query parameters, and the same FilterSet for the pages' lists.

Filters that look through relations (types, weapons, evidence) narrow by a
subquery on the incident's id, so an incident matching several ways still
appears once and no DISTINCT is needed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, ClassVar

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from apps.evidence.enums import ReviewStatus
from apps.evidence.models import IncidentLink
from apps.evidence.permissions import visible_items
from apps.incidents import type_codes
from apps.incidents.enums import CasualtyScope, VerificationStatus
from apps.incidents.models import Allegation, CasualtyFigure, Incident
from apps.incidents.selectors import incident_type_vocabulary
from apps.weapons.models import WeaponType
from apps.weapons.selectors import weapon_type_with_descendants

if TYPE_CHECKING:
    from apps.accounts.models import User


def _day_start(day: date) -> datetime | None:
    """The instant ``day`` begins in the current time zone, or None where that instant is before year 1 in UTC
    (no stored time is earlier: the bound would exclude nothing)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    try:
        return start.astimezone(UTC)
    except OverflowError:
        return None


def _incident_type_choices() -> list[tuple[str, str]]:
    return [(kind.code, kind.code) for kind in incident_type_vocabulary()]


class IncidentFilter(django_filters.FilterSet):
    case = django_filters.UUIDFilter(field_name="case_id", help_text=_("Only incidents of this case (its id)."))
    start_after = django_filters.DateFilter(
        method="filter_start_after", help_text=_("Only incidents that started on or after this date (YYYY-MM-DD).")
    )
    start_before = django_filters.DateFilter(
        method="filter_start_before", help_text=_("Only incidents that started on or before this date (YYYY-MM-DD).")
    )
    admin1 = django_filters.CharFilter(lookup_expr="iexact", help_text=_("Oblast (admin 1), exactly."))
    admin2 = django_filters.CharFilter(lookup_expr="iexact", help_text=_("Raion (admin 2), exactly."))
    incident_type = extend_schema_field(OpenApiTypes.STR)(
        django_filters.MultipleChoiceFilter(
            # The codes come from the cached vocabulary, not a query: this filter is on every view of the list.
            choices=_incident_type_choices,
            method="filter_incident_type",
            help_text=_("An incident type's code; repeat the parameter for any of several types."),
        )
    )
    weapon = django_filters.ModelChoiceFilter(
        queryset=WeaponType.objects.all(),
        to_field_name="slug",
        method="filter_weapon",
        help_text=_(
            "A weapon type's slug: incidents with an allegation naming this type or any type below it "
            "in the taxonomy (a family includes its systems and munitions)."
        ),
    )
    verification_status = django_filters.ChoiceFilter(
        choices=VerificationStatus.choices, help_text=_("Only incidents with this verification status.")
    )
    has_approved_evidence = django_filters.BooleanFilter(
        method="filter_has_approved_evidence",
        help_text=_("true: incidents with at least one approved evidence item linked; false: those without."),
    )

    class Meta:
        model = Incident
        fields = ("case", "verification_status")

    # django-filter builds the form class anew for every filterset, which costs as much as validating the data;
    # the class depends only on the filters (fixed) and the active language (its fields' labels). Each form
    # copies the class's fields, so forms never share state through it.
    _form_classes: ClassVar[dict[tuple[type, str | None], type[forms.Form]]] = {}

    def get_form_class(self) -> type[forms.Form]:
        key = (type(self), get_language())
        form_class = self._form_classes.get(key)
        if form_class is None:
            form_class = self._form_classes[key] = super().get_form_class()
        return form_class

    # The dates are days in the current time zone (the user's; UTC in the API). They become the instants those
    # days begin, so the condition is on start_at itself and the (case, start_at) index answers it; a condition
    # on start_at's local date would be computed for every row of the case.
    # django-filter calls these only with a value.
    def filter_start_after(self, queryset: QuerySet[Incident], name: str, value: date) -> QuerySet[Incident]:
        start = _day_start(value)
        return queryset if start is None else queryset.filter(start_at__gte=start)

    def filter_start_before(self, queryset: QuerySet[Incident], name: str, value: date) -> QuerySet[Incident]:
        end = _day_start(value + timedelta(days=1)) if value < date.max else None
        return queryset if end is None else queryset.filter(start_at__lt=end)

    def filter_incident_type(self, queryset: QuerySet[Incident], name: str, value: list[str]) -> QuerySet[Incident]:
        if type_codes.supported(queryset):
            # The codes in the incident's own row (PostgreSQL): their index combines with the others' (the text
            # search, the oblast), so only incidents matching all of them are read (type_codes.py).
            return queryset.filter(type_codes.HasAnyTypeCode(value))
        links = Incident.incident_types.through.objects.filter(incidenttype_id__in=value)
        return queryset.filter(pk__in=links.values("incident_id"))

    def filter_weapon(self, queryset: QuerySet[Incident], name: str, value: WeaponType | None) -> QuerySet[Incident]:
        if value is None:
            return queryset
        alleging = Allegation.objects.filter(
            incident__isnull=False, weapon_claims__weapon_type__in=weapon_type_with_descendants(weapon_type=value)
        )
        return queryset.filter(pk__in=alleging.values("incident_id"))

    def filter_has_approved_evidence(
        self,
        queryset: QuerySet[Incident],
        name: str,
        value: bool,  # noqa: FBT001 (django-filter passes it positionally)
    ) -> QuerySet[Incident]:
        # Only items the user may see count: the filter must not reveal a restricted item's review status.
        user: User | AnonymousUser = getattr(self.request, "user", None) or AnonymousUser()
        approved = IncidentLink.objects.filter(
            item__in=visible_items(user).filter(review_status=ReviewStatus.APPROVED)
        ).values("incident_id")
        return queryset.filter(pk__in=approved) if value else queryset.exclude(pk__in=approved)


class CasualtyFigureFilter(django_filters.FilterSet):
    incident = django_filters.UUIDFilter(field_name="incident_id", help_text=_("Only figures of this incident."))
    reporter = django_filters.CharFilter(
        lookup_expr="iexact", help_text=_("Only this reporter's figures (e.g. OHCHR), exactly.")
    )
    scope = django_filters.ChoiceFilter(choices=CasualtyScope.choices, help_text=_("Only figures of this scope."))

    class Meta:
        model = CasualtyFigure
        fields = ("incident", "reporter", "scope")
