from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from apps.weapons.models import WeaponAlias, WeaponType


class WeaponAliasInline(admin.TabularInline):  # type: ignore[type-arg]
    model = WeaponAlias
    extra = 1
    fields = ["alias", "language"]


@admin.register(WeaponType)
class WeaponTypeAdmin(TreeAdmin):
    """The taxonomy shown as a tree (drag and drop to move a node)."""

    form = movenodeform_factory(WeaponType)
    list_display = ["name", "name_uk", "level", "is_cluster", "is_thermobaric", "is_incendiary", "is_landmine"]
    list_filter = ["level", "is_cluster", "is_thermobaric", "is_incendiary", "is_landmine"]
    search_fields = ["name", "name_uk", "slug", "aliases__alias", "aliases__normalized"]
    inlines = [WeaponAliasInline]


@admin.register(WeaponAlias)
class WeaponAliasAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["alias", "language", "weapon_type"]
    list_filter = ["language", "weapon_type__level"]
    search_fields = ["alias", "normalized", "weapon_type__name", "weapon_type__name_uk"]
    autocomplete_fields = ["weapon_type"]
    list_select_related = ["weapon_type"]
