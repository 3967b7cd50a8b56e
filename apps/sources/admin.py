from django.contrib import admin
from django.db import models

from apps.common.admin import CaseScopedAdmin, MemberCaseListFilter
from apps.sources.models import Source


@admin.register(Source)
class SourceAdmin(CaseScopedAdmin):
    list_display = ["title", "publisher", "source_type", "reliability", "published_at", "case"]
    list_filter = ["source_type", "reliability", MemberCaseListFilter]
    search_fields = ["title", "publisher", "author", "url", "notes"]
    date_hierarchy = "published_at"
    list_select_related = ["case"]
    readonly_fields = ["id", "created_at", "updated_at", "created_by"]
    # A URL typed without a scheme is most likely https today (and Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
