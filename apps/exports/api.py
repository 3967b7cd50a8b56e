"""The case bundle API: start an export, list the register, follow progress, download. Thin.

Need-to-know: a case or bundle of a case the user is not a member of
answers 404; a member who is not a lead gets 403; an anonymous request is
refused (401) before anything is looked up. The download endpoint is for API
clients, which authenticate on every request; the expiring signed link is
the pages' protection against copied links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from apps.accounts.permissions import member_case_ids
from apps.cases.selectors import case_for_member
from apps.common.api import PROBLEM_CONTENT_TYPE, FileRenderer, problem_response
from apps.common.schema import PROBLEM, SPARSE_FIELDS
from apps.evidence.file_responses import evidence_file_response
from apps.exports.enums import ExportStatus
from apps.exports.models import ExportBundle
from apps.exports.permissions import can_download_bundle, can_export
from apps.exports.selectors import case_bundles
from apps.exports.serializers import ExportBundleSerializer, ExportRequestSerializer
from apps.exports.services import export_bundle_create

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request

    from apps.accounts.models import User
    from apps.cases.models import Case

CASE_ID = OpenApiParameter("case_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The case's id.")
BUNDLE_ID = OpenApiParameter("bundle_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The bundle's id.")


def _lead_case(request: Request, case_id: Any) -> Case:
    case = case_for_member(user=request.user, case_id=case_id)
    if case is None:
        raise NotFound
    if not can_export(request.user, case):
        raise PermissionDenied(_("Only leads of the case can export it and see its bundles."))
    return case


def _lead_bundle(request: Request, bundle_id: Any) -> ExportBundle:
    bundle = (
        ExportBundle.objects.filter(pk=bundle_id, case_id__in=member_case_ids(request.user))
        .select_related("case", "requested_by")
        .prefetch_related("incidents")
        .first()
    )
    if bundle is None:
        raise NotFound
    if not can_download_bundle(request.user, bundle):
        raise PermissionDenied(_("Only leads of the case can see its bundles."))
    return bundle


class ExportBundleFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ExportStatus.choices, help_text=gettext_lazy("Only bundles in this state.")
    )

    class Meta:
        model = ExportBundle
        fields = ("status",)


@extend_schema(parameters=[CASE_ID])
class CaseExportsView(generics.ListAPIView):  # type: ignore[type-arg]
    """The case's bundle register, newest first (GET); start an export (POST). Leads only.

    An export runs in the background: the POST answers 202 with the new entry (status pending) and its
    address in ``Location``; poll that until the status is done or failed.
    """

    serializer_class = ExportBundleSerializer
    filterset_class = ExportBundleFilter
    ordering = ("-created_at", "-id")
    ordering_fields = ("created_at",)

    def get_queryset(self) -> QuerySet[ExportBundle]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user, no case
            return ExportBundle.objects.none()
        case = _lead_case(self.request, self.kwargs["case_id"])
        return case_bundles(user=self.request.user, case=case).prefetch_related("incidents")

    @extend_schema(parameters=[SPARSE_FIELDS])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ExportRequestSerializer,
        responses={
            202: OpenApiResponse(
                ExportBundleSerializer, description="Accepted: the bundle is queued for building (status pending)."
            )
        },
    )
    def post(self, request: Request, case_id: Any) -> Response:
        case = _lead_case(request, case_id)
        data = ExportRequestSerializer(data=request.data, context={"case": case})
        data.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        try:
            bundle = export_bundle_create(case=case, requested_by=user, **data.validated_data)
        except DjangoPermissionDenied as error:
            raise PermissionDenied from error
        except ValueError as error:
            raise serializers.ValidationError(_("This export could not be started; check the choices.")) from error
        location = reverse("api:export-detail", kwargs={"bundle_id": bundle.pk})
        return Response(
            ExportBundleSerializer(bundle).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


@extend_schema(parameters=[BUNDLE_ID])
class ExportDetailView(generics.RetrieveAPIView):  # type: ignore[type-arg]
    """One register entry with its status and progress (poll it while the status is pending or building)."""

    serializer_class = ExportBundleSerializer

    def get_object(self) -> ExportBundle:
        return _lead_bundle(self.request, self.kwargs["bundle_id"])


class ZipRenderer(FileRenderer):
    """Lets a client ask for the bundle with ``Accept: application/zip``; an error is still problem details."""

    media_type = "application/zip"
    format = "zip"


@extend_schema(parameters=[BUNDLE_ID])
class ExportDownloadView(generics.GenericAPIView):  # type: ignore[type-arg]
    """The finished bundle's ZIP (leads only); 409 while it is not done."""

    renderer_classes = [JSONRenderer, ZipRenderer]
    pagination_class = None

    @extend_schema(
        # ?format= would only choose how an error is written; Accept does that.
        parameters=[OpenApiParameter("format", exclude=True)],
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The bundle (a BagIt ZIP)."),
            (409, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                PROBLEM, description="The bundle is not done yet (or failed): nothing to download."
            ),
        },
    )
    def get(self, request: Request, bundle_id: Any) -> HttpResponseBase:
        bundle = _lead_bundle(request, bundle_id)
        if bundle.status != ExportStatus.DONE or not bundle.storage_name:
            return problem_response(
                status_code=status.HTTP_409_CONFLICT,
                detail=_("Only a finished bundle can be downloaded."),
                slug="bundle-not-ready",
            )
        return evidence_file_response(
            storage_name=bundle.storage_name,
            content_type="application/zip",
            filename=f"{bundle.case.reference}_{bundle.pk}.zip",
            attachment=True,
            size=bundle.size_bytes,
        )
