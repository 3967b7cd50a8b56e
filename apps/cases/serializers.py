"""JSON forms of cases, and the check every API write into a case makes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from apps.accounts.enums import CaseRole
from apps.accounts.permissions import can_contribute, case_role, member_case_ids
from apps.cases.models import Case
from apps.cases.permissions import case_is_open
from apps.common.api import SparseFieldsMixin

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.models import User


def contribution_refusal(user: User | AnonymousUser, case: Case) -> str | None:
    """Why the user may not add or change records of the case (None: they may).

    A member knows the case exists, so they are told why: their role, or
    the case being closed (closed and archived cases are read-only).
    """
    if not can_contribute(user, case):
        return _("Only investigators and leads of this case add or change its records.")
    if not case_is_open(case):
        return _("This case is closed; it accepts no changes. A lead can reopen it.")
    return None


def require_contribution(user: User | AnonymousUser, case: Case) -> None:
    """Raise PermissionDenied (403, with the reason) unless the user may write in the case."""
    refusal = contribution_refusal(user, case)
    if refusal is not None:
        raise PermissionDenied(refusal)


class MemberCaseField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A case id, among the cases of the requesting user: any other id is 'not found' (need-to-know)."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("No case with this id among your cases."),
        "incorrect_type": gettext_lazy("Give a case id (a UUID)."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("pk_field", serializers.UUIDField())  # a malformed id is "not a valid UUID"
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        request = self.context.get("request") if hasattr(self, "parent") else None
        if request is None:
            return Case.objects.none()
        return Case.objects.filter(pk__in=member_case_ids(request.user))


class MemberCaseSerializer(serializers.Serializer[Any]):
    """The ``case`` a new record goes into: one of the user's cases (400 otherwise)."""

    case = MemberCaseField(help_text=gettext_lazy("The id of the case."))


class WritableCaseSerializer(serializers.Serializer[Any]):
    """The ``case`` a new record goes into: one of the user's cases (400), open and writable by them (403).

    Validated before the rest of the body, so that a member who may not
    write learns that first, whatever else the body holds.
    """

    case = MemberCaseField(help_text=gettext_lazy("The id of the case."))

    def validate_case(self, case: Case) -> Case:
        require_contribution(self.context["request"].user, case)
        return case


class CaseSerializer(SparseFieldsMixin, serializers.ModelSerializer[Case]):
    """An investigation you are a member of, with your role in it."""

    role = serializers.SerializerMethodField(help_text=gettext_lazy("Your role in this case."))
    incident_count = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("How many incidents the case holds.")
    )
    evidence_count = serializers.IntegerField(
        read_only=True, help_text=gettext_lazy("How many evidence items of the case you may see.")
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "status",
            "role",
            "incident_count",
            "evidence_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=CaseRole.choices))
    def get_role(self, case: Case) -> str | None:
        role = case_role(self.context["request"].user, case)
        return None if role is None else str(role)
