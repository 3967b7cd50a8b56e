"""The sources API. Thin: find, check, call a service.

Need-to-know: a source outside the user's cases answers 404 and lists hold
only the user's cases. Members read; investigators and leads write, only in
an open case (403 with the reason otherwise). Witness-identity fields are
never shown to members who may not see them, and writing them is refused
(403) to such members.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.permissions import can_see_witness_identity, member_case_ids
from apps.cases.serializers import MemberCaseSerializer, require_contribution
from apps.common.schema import SPARSE_FIELDS
from apps.sources.filters import SourceFilter
from apps.sources.models import Source
from apps.sources.serializers import SourceCreateSerializer, SourceInputSerializer, SourceSerializer
from apps.sources.services import WITNESS_IDENTITY_FIELDS, source_create, source_update

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request

    from apps.cases.models import Case


def _sources(request: Request) -> QuerySet[Source]:
    return Source.objects.filter(case_id__in=member_case_ids(request.user)).select_related("case", "created_by")


def _refuse_witness_identity(request: Request, case: Case) -> None:
    """403 when the body sets witness-identity fields and the user's role may not even see them."""
    data = request.data
    touches = isinstance(data, Mapping) and any(name in data for name in WITNESS_IDENTITY_FIELDS)
    if touches and not can_see_witness_identity(request.user, case):
        raise PermissionDenied(_("Your role in this case does not see witness identities, so it cannot set them."))


def _as_api_error(error: DjangoValidationError) -> serializers.ValidationError:
    if not hasattr(error, "error_dict"):
        return serializers.ValidationError({"non_field_errors": error.messages})
    return serializers.ValidationError(
        {("non_field_errors" if key == NON_FIELD_ERRORS else key): value for key, value in error.message_dict.items()}
    )


def _acting_user(request: Request) -> User:
    user: User = request.user  # type: ignore[assignment]  # IsAuthenticated ran first
    return user


@extend_schema(parameters=[SPARSE_FIELDS])
class SourceListView(generics.ListCreateAPIView):  # type: ignore[type-arg]
    """GET: sources of your cases, newest first, filtered and searched. POST: record one (investigators, leads)."""

    serializer_class = SourceSerializer
    filterset_class = SourceFilter
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at", "title")
    search_fields = ("title", "publisher", "author", "notes")

    def get_queryset(self) -> QuerySet[Source]:
        return _sources(self.request)

    @extend_schema(request=SourceCreateSerializer, responses={201: SourceSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        context = self.get_serializer_context()
        chosen = MemberCaseSerializer(data=request.data, context=context)
        chosen.is_valid(raise_exception=True)
        # Witness identity first: a member who may not even see it is told that, whatever else they may do.
        _refuse_witness_identity(request, chosen.validated_data["case"])
        require_contribution(request.user, chosen.validated_data["case"])
        given = SourceCreateSerializer(data=request.data, context=context)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        case = values.pop("case")
        try:
            created = source_create(case=case, created_by=_acting_user(request), values=values)
        except DjangoValidationError as error:
            raise _as_api_error(error) from error
        return Response(self.get_serializer(_sources(request).get(pk=created.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[SPARSE_FIELDS])
class SourceDetailView(generics.RetrieveUpdateAPIView):  # type: ignore[type-arg]
    """GET: one source. PATCH: change it (investigators and leads of an open case)."""

    serializer_class = SourceSerializer
    lookup_url_kwarg = "source_id"
    http_method_names = ["get", "patch", "head", "options"]
    filter_backends = ()  # the list's filters and search do not apply to one object

    def get_queryset(self) -> QuerySet[Source]:
        return _sources(self.request)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        source = self.get_object()
        _refuse_witness_identity(request, source.case)
        require_contribution(request.user, source.case)
        given = SourceInputSerializer(source, data=request.data, partial=True, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        try:
            source_update(source=source, values=given.validated_data)
        except DjangoValidationError as error:
            raise _as_api_error(error) from error
        return Response(self.get_serializer(_sources(request).get(pk=source.pk)).data)
