"""Need-to-know in the Django admin.

Being staff or superuser opens the admin, not a case: every admin of a
case-owned model derives from CaseScopedAdmin, so its lists, searches,
autocompletes, filters and edit forms only ever reach rows of the cases the
signed-in user is a member of. A row of another case answers as if it did not
exist (the admin redirects to its index with "doesn't exist", as for an
unknown id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.accounts.permissions import member_case_ids

if TYPE_CHECKING:
    from django.db.models import ForeignKey
    from django.forms import ModelChoiceField
    from django.http import HttpRequest


def _scoped_related(model: type[Model], request: HttpRequest) -> QuerySet[Any] | None:
    """The rows of a related model the user may pick, or None when the model is not case-owned."""
    from apps.cases.models import Case  # noqa: PLC0415
    from apps.evidence.models import EvidenceItem  # noqa: PLC0415
    from apps.evidence.permissions import visible_items  # noqa: PLC0415

    if model is Case:
        return Case.objects.filter(pk__in=member_case_ids(request.user))
    if model is EvidenceItem:
        return visible_items(request.user)
    if any(field.name == "case" for field in model._meta.get_fields()):
        return model._default_manager.filter(case_id__in=member_case_ids(request.user))
    return None


class MemberCaseListFilter(admin.SimpleListFilter):
    """Filter by case, offering only the user's own cases (the stock filter would list every case)."""

    title = _("case")
    parameter_name = "case"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        from apps.cases.models import Case  # noqa: PLC0415

        cases = Case.objects.filter(pk__in=member_case_ids(request.user)).order_by("reference")
        return [(str(case.pk), case.reference) for case in cases]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        lookup = getattr(self, "case_lookup", "case")
        return queryset.filter(**{f"{lookup}_id": value})


class CaseScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin whose rows belong to a case: it shows only rows of the user's cases.

    ``case_lookup`` is the path from the model to its case ("case", "item__case").
    """

    case_lookup = "case"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(**{f"{self.case_lookup}__in": member_case_ids(request.user)})

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        scoped = _scoped_related(db_field.related_model, request)  # type: ignore[arg-type]
        if scoped is not None:
            kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CaseScopedInlineMixin:
    """For inlines: choices of case-owned related rows are limited to the user's cases."""

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        scoped = _scoped_related(db_field.related_model, request)  # type: ignore[arg-type]
        if scoped is not None:
            kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc, no-any-return]
