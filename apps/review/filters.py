"""Filters of the review queue API: the queue page's filters (state, case, kind, age, sensitivity), applied by the
page's own selector so that the page and the API cannot drift apart."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from apps.evidence.enums import EvidenceKind
from apps.evidence.models import EvidenceItem
from apps.review.enums import QueueAge, Sensitivity
from apps.review.selectors import QUEUE_STATES, QueueFilters, review_queue


class ReviewQueueFilter(django_filters.FilterSet):
    """The fields of apps.review.forms.QueueFilterForm; an invalid value answers 400 with the field's error."""

    status = django_filters.ChoiceFilter(
        choices=[(state.value, state.label) for state in QUEUE_STATES],
        help_text=_("Only items in this state (default: all waiting states)."),
    )
    case = django_filters.UUIDFilter(help_text=_("Only items of this case (one where you review)."))
    kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices, help_text=_("Only items of this kind."))
    age = django_filters.ChoiceFilter(
        choices=QueueAge.choices,
        help_text=_("Only items received more than this many days ago."),
    )
    sensitivity = django_filters.ChoiceFilter(choices=Sensitivity.choices, help_text=_("Only items flagged this way."))

    class Meta:
        model = EvidenceItem
        fields = ("status", "case", "kind", "age", "sensitivity")

    def queue_filters(self) -> QueueFilters:
        data = self.form.cleaned_data
        age = data.get("age")
        return QueueFilters(
            status=data.get("status") or "",
            case_id=data.get("case"),
            kind=data.get("kind") or "",
            older_than_days=int(age) if age else None,
            sensitivity=data.get("sensitivity") or "",
        )

    def filter_queryset(self, queryset: QuerySet[EvidenceItem]) -> QuerySet[EvidenceItem]:
        # Not the filters one by one (status and age are no model fields): the selector applies them all.
        filters = self.queue_filters()
        if filters == QueueFilters():
            return queryset
        # One query still: the selector's filtered queue becomes a subquery of the view's (unfiltered) queue.
        chosen = review_queue(user=self.request.user, filters=filters)
        return queryset.filter(pk__in=chosen.values("pk"))
