"""The incidents API: incidents, their allegations, and casualty figures. Thin: find, check, call a service.

Need-to-know: an incident, allegation, figure or case outside the user's
cases answers 404, like one that does not exist, and lists hold only the
user's cases. Members read; investigators and leads write, and only in an
open case (403 with the reason otherwise). Invalid input answers 400 with
field errors: the serializers check the shape, the services the rules of
the model (an end before the start, half a point, a source of another case).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from apps.accounts.models import User
from apps.cases.permissions import case_is_open
from apps.cases.selectors import case_for_member
from apps.cases.serializers import WritableCaseSerializer, contribution_refusal, require_contribution
from apps.common.schema import SPARSE_FIELDS
from apps.incidents.filters import CasualtyFigureFilter, IncidentFilter
from apps.incidents.models import Allegation, CasualtyFigure, Incident
from apps.incidents.permissions import can_edit_incident
from apps.incidents.selectors import (
    allegation_for_user,
    allegation_list,
    casualty_figure_for_user,
    casualty_figure_list,
    incident_for_user,
    incident_list,
)
from apps.incidents.serializers import (
    MAX_BIGINT,
    AllegationInputSerializer,
    AllegationSerializer,
    CasualtyFigureInputSerializer,
    CasualtyFigureSerializer,
    IncidentCreateSerializer,
    IncidentInputSerializer,
    IncidentSerializer,
)
from apps.incidents.services import (
    allegation_create,
    allegation_update,
    casualty_figure_record,
    incident_create,
    incident_update,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.db.models import QuerySet
    from rest_framework.request import Request

    from apps.cases.models import Case

T = TypeVar("T")


def run_service(call: Callable[[], T]) -> T:
    """Call a service, turning its Django ValidationError into the API's 400 with field errors."""
    try:
        return call()
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict"):
            raise serializers.ValidationError({"non_field_errors": error.messages}) from error
        detail = {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in error.message_dict.items()
        }
        raise serializers.ValidationError(detail) from error


def _acting_user(request: Request) -> User:
    user: User = request.user  # type: ignore[assignment]  # IsAuthenticated ran first
    return user


def _require_incident_edit(request: Request, incident: Incident) -> None:
    if not can_edit_incident(request.user, incident) or not case_is_open(incident.case):
        raise PermissionDenied(contribution_refusal(request.user, incident.case))


# --- Incidents ----------------------------------------------------------------------------


@extend_schema(parameters=[SPARSE_FIELDS])
class IncidentListView(generics.ListCreateAPIView):  # type: ignore[type-arg]
    """GET: incidents of your cases, newest first, filtered and searched. POST: record one (investigators, leads)."""

    serializer_class = IncidentSerializer
    filterset_class = IncidentFilter
    ordering = ("-start_at", "-id")
    ordering_fields = ("start_at", "created_at", "title")
    search_fields = ("title", "narrative", "place_name", "admin1", "admin2", "admin3")

    def get_queryset(self) -> QuerySet[Incident]:
        return incident_list(user=self.request.user)

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        context = self.get_serializer_context()
        WritableCaseSerializer(data=request.data, context=context).is_valid(raise_exception=True)
        given = IncidentCreateSerializer(data=request.data, context=context)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        case: Case = values.pop("case")
        incident_types = values.pop("incident_types", [])
        tags = values.pop("tags", [])
        created = run_service(
            lambda: incident_create(
                case=case,
                created_by=_acting_user(request),
                values=values,
                incident_types=incident_types,
                tags=tags,
            )
        )
        incident = self.get_queryset().get(pk=created.pk)
        return Response(self.get_serializer(incident).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[SPARSE_FIELDS])
class IncidentDetailView(generics.RetrieveUpdateAPIView):  # type: ignore[type-arg]
    """GET: one incident. PATCH: change it (investigators and leads of an open case; not its verification status)."""

    serializer_class = IncidentSerializer
    lookup_url_kwarg = "incident_id"
    http_method_names = ["get", "patch", "head", "options"]
    filter_backends = ()  # the list's filters and search do not apply to one object

    def get_queryset(self) -> QuerySet[Incident]:
        return incident_list(user=self.request.user).select_related("case")

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.get_object()
        _require_incident_edit(request, incident)
        given = IncidentInputSerializer(
            incident, data=request.data, partial=True, context=self.get_serializer_context()
        )
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        incident_types = values.pop("incident_types", None)
        tags = values.pop("tags", None)
        run_service(lambda: incident_update(incident=incident, values=values, incident_types=incident_types, tags=tags))
        return Response(self.get_serializer(self.get_queryset().get(pk=incident.pk)).data)


# --- Allegations --------------------------------------------------------------------------


@extend_schema(parameters=[SPARSE_FIELDS])
class IncidentAllegationsView(generics.ListCreateAPIView):  # type: ignore[type-arg]
    """GET: the allegations about one incident, oldest claim first. POST: record one (investigators, leads)."""

    serializer_class = AllegationSerializer
    ordering = ("asserted_on", "id")
    ordering_fields = ("asserted_on", "created_at")
    search_fields = ("summary", "claimant", "quote", "alleged_perpetrator")

    def incident(self) -> Incident:
        if not hasattr(self, "_incident"):
            incident = incident_for_user(user=self.request.user, incident_id=self.kwargs["incident_id"])
            if incident is None:
                raise NotFound
            self._incident = incident
        return self._incident

    def get_queryset(self) -> QuerySet[Allegation]:
        if getattr(self, "swagger_fake_view", False):
            return Allegation.objects.none()
        return allegation_list(user=self.request.user).filter(incident=self.incident())

    @extend_schema(responses={201: AllegationSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incident = self.incident()
        _require_incident_edit(request, incident)
        given = AllegationInputSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        values = given.field_values()
        source = values.pop("source")
        created = run_service(
            lambda: allegation_create(
                incident=incident, source=source, values=values, weapon_claims=given.weapon_claims()
            )
        )
        allegation = allegation_list(user=request.user).get(pk=created.pk)
        return Response(self.get_serializer(allegation).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[SPARSE_FIELDS])
class AllegationDetailView(generics.RetrieveUpdateAPIView):  # type: ignore[type-arg]
    """GET: one allegation. PATCH: change it; ``alleged_weapons``, when given, replaces the whole list."""

    serializer_class = AllegationSerializer
    http_method_names = ["get", "patch", "head", "options"]
    filter_backends = ()

    def get_object(self) -> Allegation:
        allegation = allegation_for_user(user=self.request.user, allegation_id=self.kwargs["allegation_id"])
        if allegation is None:
            raise NotFound
        return allegation

    def get_queryset(self) -> QuerySet[Allegation]:
        return allegation_list(user=self.request.user)

    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        allegation = self.get_object()
        require_contribution(request.user, allegation.case)
        given = AllegationInputSerializer(
            allegation, data=request.data, partial=True, context=self.get_serializer_context()
        )
        given.is_valid(raise_exception=True)
        run_service(
            lambda: allegation_update(
                allegation=allegation, values=given.field_values(), weapon_claims=given.weapon_claims()
            )
        )
        return Response(self.get_serializer(self.get_object()).data)


# --- Casualty figures ---------------------------------------------------------------------

FIGURE_ID = OpenApiParameter(
    "figure_id",
    {"type": "integer", "minimum": 1, "maximum": MAX_BIGINT},
    OpenApiParameter.PATH,
    description="The figure's id.",
)


@extend_schema(parameters=[SPARSE_FIELDS])
class CaseCasualtyFiguresView(generics.ListCreateAPIView):  # type: ignore[type-arg]
    """GET: a case's casualty figures, oldest "as of" first. POST: record one (investigators, leads).

    Figures are never changed: a corrected count is a new figure whose
    ``supersedes`` names the one it corrects.
    """

    serializer_class = CasualtyFigureSerializer
    filterset_class = CasualtyFigureFilter
    ordering = ("as_of", "id")
    ordering_fields = ("as_of", "created_at")

    def case(self) -> Case:
        if not hasattr(self, "_case"):
            case = case_for_member(user=self.request.user, case_id=self.kwargs["case_id"])
            if case is None:
                raise NotFound
            self._case = case
        return self._case

    def get_queryset(self) -> QuerySet[CasualtyFigure]:
        if getattr(self, "swagger_fake_view", False):
            return CasualtyFigure.objects.none()
        return casualty_figure_list(user=self.request.user).filter(case=self.case())

    @extend_schema(responses={201: CasualtyFigureSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.case()
        require_contribution(request.user, case)
        given = CasualtyFigureInputSerializer(data=request.data, context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        created = run_service(
            lambda: casualty_figure_record(case=case, recorded_by=_acting_user(request), values=given.validated_data)
        )
        figure = casualty_figure_list(user=request.user).get(pk=created.pk)
        return Response(self.get_serializer(figure).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[SPARSE_FIELDS, FIGURE_ID])
class CasualtyFigureDetailView(generics.RetrieveAPIView):  # type: ignore[type-arg]
    """GET: one casualty figure, with the ids of the figures that correct it."""

    serializer_class = CasualtyFigureSerializer
    filter_backends = ()

    def get_object(self) -> CasualtyFigure:
        figure_id = int(self.kwargs["figure_id"])
        figure = None  # an id beyond a BigAutoField's range is "not found", not a database overflow
        if 1 <= figure_id <= MAX_BIGINT:
            figure = casualty_figure_for_user(user=self.request.user, figure_id=figure_id)
        if figure is None:
            raise NotFound
        return figure

    def get_queryset(self) -> QuerySet[CasualtyFigure]:
        return casualty_figure_list(user=self.request.user)
