"""The weapon taxonomy, read-only, for every signed-in user: it is reference vocabulary, not case data."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics

from apps.common.schema import SPARSE_FIELDS
from apps.weapons.filters import WeaponTypeFilter
from apps.weapons.models import WeaponAlias, WeaponType
from apps.weapons.serializers import WeaponTypeDetailSerializer, WeaponTypeSerializer


def _weapon_types() -> QuerySet[WeaponType]:
    """Every type with its aliases and its parent's slug, in a constant number of queries however many rows."""
    steplen = WeaponType.steplen
    parent = WeaponType.objects.filter(path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - steplen))
    types: QuerySet[WeaponType] = WeaponType.objects.annotate(parent_slug=Subquery(parent.values("slug")[:1]))
    return types.prefetch_related(Prefetch("aliases", queryset=WeaponAlias.objects.order_by("pk")))


@extend_schema_view(get=extend_schema(parameters=[SPARSE_FIELDS]))
class WeaponTypeListView(generics.ListAPIView):  # type: ignore[type-arg]
    """GET: the taxonomy in tree order (family, then its systems, then their munitions); searchable by alias."""

    serializer_class = WeaponTypeSerializer
    filterset_class = WeaponTypeFilter
    ordering = ("path",)  # tree order; the path is unique
    ordering_fields = ("path", "slug")

    def get_queryset(self) -> QuerySet[WeaponType]:
        return _weapon_types()


SLUG = OpenApiParameter(
    "slug",
    str,
    OpenApiParameter.PATH,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="The type's slug, e.g. thermobaric-fuel-air-weapons.",
)


@extend_schema_view(get=extend_schema(parameters=[SLUG, SPARSE_FIELDS]))
class WeaponTypeDetailView(generics.RetrieveAPIView):  # type: ignore[type-arg]
    """GET: one type, with its aliases, its place in the tree and its legal note."""

    serializer_class = WeaponTypeDetailSerializer
    lookup_field = "slug"
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[WeaponType]:
        return _weapon_types()

    def get_object(self) -> WeaponType:
        weapon: WeaponType = super().get_object()
        weapon.ancestor_list = list(WeaponType.objects.get_ancestors(weapon))
        weapon.child_slugs = list(WeaponType.objects.get_children(weapon).values_list("slug", flat=True))
        return weapon
