from django.contrib import admin

from apps.common.admin import CaseScopedAdmin, CaseScopedInlineMixin, MemberCaseListFilter
from apps.incidents.models import Allegation, AllegedWeapon, CasualtyFigure, Incident, IncidentType


@admin.register(IncidentType)
class IncidentTypeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "name_uk", "acled_event_type", "acled_sub_event_type", "sort_order"]
    search_fields = ["code", "name", "name_uk"]
    list_filter = ["acled_event_type"]


class AllegationInline(CaseScopedInlineMixin, admin.StackedInline):  # type: ignore[type-arg]
    model = Allegation
    extra = 0
    autocomplete_fields = ["source"]
    show_change_link = True


@admin.register(Incident)
class IncidentAdmin(CaseScopedAdmin):
    list_display = ["title", "case", "start_at", "place_name", "admin1", "verification_status"]
    list_filter = [
        "verification_status",
        "incident_types",
        MemberCaseListFilter,
        "admin1",
        "start_precision",
        "location_precision",
    ]
    search_fields = ["title", "narrative", "place_name", "admin1", "admin2", "admin3"]
    date_hierarchy = "start_at"
    filter_horizontal = ["incident_types"]
    list_select_related = ["case"]
    readonly_fields = ["id", "created_at", "updated_at", "created_by"]
    inlines = [AllegationInline]


class AllegedWeaponInline(admin.TabularInline):  # type: ignore[type-arg]
    model = AllegedWeapon
    extra = 0
    autocomplete_fields = ["weapon_type"]


@admin.register(Allegation)
class AllegationAdmin(CaseScopedAdmin):
    list_display = ["summary", "claimant", "asserted_on", "incident", "source"]
    list_filter = ["asserted_on", "weapon_claims__confidence", "weapon_claims__weapon_type__level"]
    search_fields = ["summary", "quote", "claimant", "alleged_perpetrator", "source__title"]
    autocomplete_fields = ["incident", "source"]
    list_select_related = ["incident", "source"]
    inlines = [AllegedWeaponInline]


@admin.register(CasualtyFigure)
class CasualtyFigureAdmin(CaseScopedAdmin):
    """Figures are a series: they can be added, never changed (a correction is a new row)."""

    list_display = ["reporter", "as_of", "killed", "injured", "scope", "region_name", "incident", "case"]
    list_filter = ["reporter", "scope", MemberCaseListFilter]
    search_fields = ["reporter", "region_name", "caveat"]
    date_hierarchy = "as_of"
    autocomplete_fields = ["incident", "source", "supersedes"]
    list_select_related = ["incident", "case"]

    def has_change_permission(self, request: object, obj: CasualtyFigure | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # type: ignore[arg-type]

    def has_delete_permission(self, request: object, obj: CasualtyFigure | None = None) -> bool:
        return False
