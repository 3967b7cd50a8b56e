"""Filters of the weapon taxonomy API (django-filter): by level, parent, flags, and search by name or alias."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from apps.weapons.enums import WeaponLevel
from apps.weapons.models import WeaponType
from apps.weapons.selectors import weapon_type_search


class WeaponTypeFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        help_text=_("Part of a name or alias, in English or Ukrainian, case-insensitive (“vacuum bomb”, “вакуумна”)."),
    )
    parent = django_filters.CharFilter(
        method="filter_parent",
        label=_("Parent"),
        help_text=_("The slug of a type: only the types directly below it."),
    )

    level = django_filters.ChoiceFilter(choices=WeaponLevel.choices, help_text=_("Only types of this level."))
    is_cluster = django_filters.BooleanFilter(help_text=_("Only cluster munitions (true) or only others (false)."))
    is_thermobaric = django_filters.BooleanFilter(help_text=_("Only thermobaric / fuel-air weapons, or only others."))
    is_incendiary = django_filters.BooleanFilter(help_text=_("Only incendiary weapons, or only others."))
    is_landmine = django_filters.BooleanFilter(help_text=_("Only landmines, or only others."))

    class Meta:
        model = WeaponType
        fields = ("search", "parent", "level", "is_cluster", "is_thermobaric", "is_incendiary", "is_landmine")

    def filter_search(self, queryset: QuerySet[WeaponType], name: str, value: str) -> QuerySet[WeaponType]:
        # The selector folds case in Python (normalize_term), so Cyrillic matches alike on SQLite and PostgreSQL.
        return queryset.filter(pk__in=weapon_type_search(query=value).values("pk"))

    def filter_parent(self, queryset: QuerySet[WeaponType], name: str, value: str) -> QuerySet[WeaponType]:
        parent = WeaponType.objects.filter(slug=value).values("path", "depth").first()
        if parent is None:
            return queryset.none()
        return queryset.filter(path__startswith=parent["path"], depth=parent["depth"] + 1)
