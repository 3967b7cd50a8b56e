"""The case bundle API: start an export, list the register, follow progress, download. Thin.

Need-to-know: a case or bundle of a case the user is not a member of
answers 404; a member who is not a lead gets 403; an anonymous request is
refused (403) before anything is looked up. The download endpoint is for API
clients, which authenticate on every request; the expiring signed link is
the pages' protection against copied links.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponseBase
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.permissions import member_case_ids
from apps.cases.models import Case
from apps.cases.selectors import case_for_member
from apps.evidence.file_responses import evidence_file_response
from apps.exports.enums import ExportStatus
from apps.exports.models import ExportBundle
from apps.exports.permissions import can_download_bundle, can_export
from apps.exports.selectors import case_bundles
from apps.exports.serializers import ExportBundleSerializer, ExportRequestSerializer
from apps.exports.services import export_bundle_create

if TYPE_CHECKING:
    from uuid import UUID

    from rest_framework.request import Request

    from apps.accounts.models import User


class BundlePagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


def _lead_case(request: Request, case_id: UUID) -> Case:
    case = case_for_member(user=request.user, case_id=case_id)
    if case is None:
        raise NotFound
    if not can_export(request.user, case):
        raise PermissionDenied(_("Only leads of the case can export it and see its bundles."))
    return case


def _lead_bundle(request: Request, bundle_id: UUID) -> ExportBundle:
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


class CaseExportsView(APIView):
    """GET the case's register (newest first, paginated); POST to start an export (201, the new entry)."""

    def get(self, request: Request, case_id: UUID) -> Response:
        case = _lead_case(request, case_id)
        paginator = BundlePagination()
        bundles = case_bundles(user=request.user, case=case).prefetch_related("incidents")
        page = paginator.paginate_queryset(bundles, request, view=self)
        return paginator.get_paginated_response(ExportBundleSerializer(page, many=True).data)

    def post(self, request: Request, case_id: UUID) -> Response:
        case = _lead_case(request, case_id)
        data = ExportRequestSerializer(data=request.data, context={"case": case})
        data.is_valid(raise_exception=True)
        user: User = request.user  # type: ignore[assignment]
        try:
            bundle = export_bundle_create(case=case, requested_by=user, **data.validated_data)
        except DjangoPermissionDenied as error:
            raise PermissionDenied from error
        except ValueError:
            return Response(
                {"detail": _("This export could not be started; check the choices.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        body: dict[str, Any] = ExportBundleSerializer(bundle).data
        return Response(body, status=status.HTTP_201_CREATED)


class ExportDetailView(APIView):
    """GET one register entry with its status and progress (poll it while the status is pending or building)."""

    def get(self, request: Request, bundle_id: UUID) -> Response:
        bundle = _lead_bundle(request, bundle_id)
        body: dict[str, Any] = ExportBundleSerializer(bundle).data
        return Response(body)


class ExportDownloadView(APIView):
    """GET the finished bundle's ZIP (409 while it is not done)."""

    def get(self, request: Request, bundle_id: UUID) -> HttpResponseBase:
        bundle = _lead_bundle(request, bundle_id)
        if bundle.status != ExportStatus.DONE or not bundle.storage_name:
            return Response(
                {"detail": _("Only a finished bundle can be downloaded."), "status": bundle.status},
                status=status.HTTP_409_CONFLICT,
            )
        return evidence_file_response(
            storage_name=bundle.storage_name,
            content_type="application/zip",
            filename=f"{bundle.case.reference}_{bundle.pk}.zip",
            attachment=True,
            size=bundle.size_bytes,
        )
