"""Filters of source lists: the API's query parameters, and the same FilterSet for the pages' lists."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from apps.sources.enums import SourceReliability, SourceType
from apps.sources.models import Source


class SourceFilter(django_filters.FilterSet):
    case = django_filters.UUIDFilter(field_name="case_id", help_text=_("Only sources of this case (its id)."))
    source_type = django_filters.MultipleChoiceFilter(
        choices=SourceType.choices,
        distinct=False,
        help_text=_("Only sources of this type; repeat the parameter for several."),
    )
    reliability = django_filters.MultipleChoiceFilter(
        choices=SourceReliability.choices,
        distinct=False,
        help_text=_("Only sources of this reliability; repeat the parameter for several."),
    )

    class Meta:
        model = Source
        fields = ("case", "source_type", "reliability")
