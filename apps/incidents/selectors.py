"""Reads of incidents, allegations and casualty figures, always starting from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.accounts.permissions import member_case_ids
from apps.common.languages import name_in_language
from apps.evidence.models import IncidentLink
from apps.evidence.permissions import visible_items
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident, IncidentType, TaggedIncident
from apps.incidents.permissions import visible_incidents

if TYPE_CHECKING:
    from uuid import UUID

    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User


# The incident types are a vocabulary that changes rarely (a data migration, the admin) and is read on every view
# of the incident list (its filter, its rows): it is kept in the shared cache, which a change to a type empties
# (apps/incidents/signals.py); the time limit only bounds what a change made around the cache could leave.
INCIDENT_TYPES_CACHE_KEY = "incidents:incident-types:v1"
INCIDENT_TYPES_SECONDS = 3600


@dataclass(frozen=True)
class IncidentTypeName:
    """One incident type of the vocabulary: its code and its names in both working languages."""

    code: str
    name: str
    name_uk: str

    def __str__(self) -> str:
        return name_in_language(self.name, self.name_uk)


def incident_type_vocabulary() -> tuple[IncidentTypeName, ...]:
    """Every incident type, in the vocabulary's order (sort order, then code); from the shared cache."""
    vocabulary = cache.get(INCIDENT_TYPES_CACHE_KEY)
    if not isinstance(vocabulary, tuple):
        vocabulary = tuple(
            IncidentTypeName(code, name, name_uk)
            for code, name, name_uk in IncidentType.objects.order_by("sort_order", "code").values_list(
                "code", "name", "name_uk"
            )
        )
        cache.set(INCIDENT_TYPES_CACHE_KEY, vocabulary, INCIDENT_TYPES_SECONDS)
    return vocabulary


def forget_incident_type_vocabulary() -> None:
    cache.delete(INCIDENT_TYPES_CACHE_KEY)


def _count_per_incident(rows: QuerySet[Any]) -> Coalesce:
    """How many of these rows point at the outer incident (a correlated subquery: one query for a whole list)."""
    counted = rows.filter(incident_id=OuterRef("pk")).order_by().values("incident_id").annotate(total=Count("pk"))
    return Coalesce(Subquery(counted.values("total")), 0)


def incident_list(*, user: User | AnonymousUser) -> QuerySet[Incident]:
    """The incidents of the user's cases, with what a list shows of each loaded in a fixed number of queries.

    ``evidence_count`` counts only the linked items the user may see (an
    observer's count leaves out identity-restricted items, as their lists do).
    """
    return (
        visible_incidents(user)
        .select_related("created_by")
        # Tags through their links: taggit's own prefetch of "tags" matches nothing for UUID ids on SQLite.
        .prefetch_related(
            "incident_types", Prefetch("tag_links", queryset=TaggedIncident.objects.select_related("tag"))
        )
        .annotate(
            allegation_count=_count_per_incident(Allegation.objects.all()),
            evidence_count=_count_per_incident(IncidentLink.objects.filter(item__in=visible_items(user))),
        )
    )


def incidents_with_evidence_counts(*, user: User | AnonymousUser) -> QuerySet[Incident]:
    """The incidents the user may see with the count the list page shows of each: the linked evidence the user
    may see (as in incident_list). The page reads plain values of it (page_data.incident_list_rows)."""
    return visible_incidents(user).annotate(
        evidence_count=_count_per_incident(IncidentLink.objects.filter(item__in=visible_items(user)))
    )


def incident_with_labels(*, user: User | AnonymousUser, incident_id: UUID) -> Incident | None:
    """The incident with its case, author, types and tags, if it is in one of the user's cases (else None)."""
    return (
        visible_incidents(user)
        .select_related("case", "created_by")
        .prefetch_related(
            "incident_types", Prefetch("tag_links", queryset=TaggedIncident.objects.select_related("tag"))
        )
        .filter(pk=incident_id)
        .first()
    )


def incident_for_user(*, user: User | AnonymousUser, incident_id: UUID) -> Incident | None:
    """The incident if it is in one of the user's cases (with its case), else None: the caller answers 404."""
    return visible_incidents(user).filter(pk=incident_id).select_related("case").first()


def visible_allegations(user: User | AnonymousUser) -> QuerySet[Allegation]:
    """Allegations of the user's cases (every member reads them)."""
    return Allegation.objects.filter(case_id__in=member_case_ids(user))


def allegation_list(*, user: User | AnonymousUser) -> QuerySet[Allegation]:
    """The allegations the user may see, with their weapon claims (and each claim's weapon type) prefetched."""
    claims = AllegedWeapon.objects.select_related("weapon_type").order_by("weapon_type__path")
    return visible_allegations(user).prefetch_related(Prefetch("weapon_claims", queryset=claims))


def allegation_for_user(*, user: User | AnonymousUser, allegation_id: UUID) -> Allegation | None:
    return allegation_list(user=user).filter(pk=allegation_id).select_related("case").first()


def casualty_figure_list(*, user: User | AnonymousUser) -> QuerySet[CasualtyFigure]:
    """Casualty figures of the user's cases, with the ids of the figures that correct each one."""
    return (
        CasualtyFigure.objects.filter(case_id__in=member_case_ids(user))
        .select_related("recorded_by")
        .prefetch_related(Prefetch("superseded_by", queryset=CasualtyFigure.objects.only("id", "supersedes_id")))
    )


def casualty_figure_for_user(*, user: User | AnonymousUser, figure_id: int) -> CasualtyFigure | None:
    return casualty_figure_list(user=user).filter(pk=figure_id).first()
