"""Upload through the REST API: multipart, several files, optional client SHA-256 per file."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.cases.selectors import case_list_for_user
from apps.evidence.enums import CollectionMethod, ConsentStatus
from apps.evidence.permissions import visible_items
from apps.intake.forms import DESCRIPTIVE_FIELDS
from apps.intake.permissions import can_upload_evidence, upload_refusal
from apps.intake.request_parsing import discard_partial_upload, install_quarantine_parsing
from apps.intake.services import ClientHashMismatchError, discard_quarantined, evidence_receive_uploads
from apps.intake.upload_handler import UploadTooLargeError


class UploadFieldsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    sha256 = serializers.ListField(child=serializers.CharField(allow_blank=True, max_length=71), required=False)
    caption = serializers.CharField(required=False, allow_blank=True)
    credit_line = serializers.CharField(required=False, allow_blank=True, max_length=500)
    collector_name = serializers.CharField(required=False, allow_blank=True, max_length=300)
    collection_method = serializers.ChoiceField(choices=CollectionMethod.choices, required=False)
    collected_at = serializers.DateTimeField(required=False, allow_null=True)
    is_graphic = serializers.BooleanField(required=False)
    contains_personal_data = serializers.BooleanField(required=False)
    reveals_witness_identity = serializers.BooleanField(required=False)
    consent_status = serializers.ChoiceField(choices=ConsentStatus.choices, required=False)
    may_share_national_prosecutor = serializers.BooleanField(required=False)
    may_share_icc = serializers.BooleanField(required=False)
    may_share_other_courts = serializers.BooleanField(required=False)
    may_share_media = serializers.BooleanField(required=False)
    may_share_public = serializers.BooleanField(required=False)
    consent_note = serializers.CharField(required=False, allow_blank=True)


def _item_json(item: Any) -> dict[str, Any]:
    return {
        "id": str(item.pk),
        "reference": item.reference,
        "original_filename": item.original_filename,
        "size_bytes": item.size_bytes,
        "sha256": item.sha256,
        "processing_status": item.processing_status,
    }


class EvidenceUploadView(APIView):
    """POST multipart/form-data: `file` (repeatable), `sha256` (repeatable, in order, optional), descriptive fields."""

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Before DRF (or its CSRF check) reads the body: files go to quarantine, hashed on arrival.
        if request.method == "POST":
            install_quarantine_parsing(request)
        return super().initialize_request(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, MultiPartParserError | ParseError):
            discard_partial_upload(self.request._request)
            return Response(
                {"detail": _("The multipart body is malformed or a header is too long; nothing was stored.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if isinstance(exc, UploadTooLargeError):
            return Response(
                {"detail": _("The upload is larger than the server accepts; nothing was stored.")},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        return super().handle_exception(exc)

    def post(self, request: Request, case_id: UUID) -> Response:
        files = request.FILES.getlist("file")
        case = case_list_for_user(user=request.user).filter(pk=case_id).first()
        if case is None:
            discard_quarantined(files)
            raise Http404
        if not can_upload_evidence(request.user, case):
            discard_quarantined(files)
            raise PermissionDenied(upload_refusal(case))
        try:
            if not files:
                return Response({"file": [_("Attach at least one file.")]}, status=status.HTTP_400_BAD_REQUEST)
            fields = UploadFieldsSerializer(data=request.data)
            fields.is_valid(raise_exception=True)
            values = dict(fields.validated_data)
            client_hashes = values.pop("sha256", [])
            items = evidence_receive_uploads(
                case=case,
                uploaded_by=request.user,  # type: ignore[arg-type]
                uploads=files,
                client_sha256s=client_hashes,
                via="api",
                descriptive_fields={name: value for name, value in values.items() if name in DESCRIPTIVE_FIELDS},
            )
        except ClientHashMismatchError as error:
            discard_quarantined(files)
            return Response({"sha256": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        except ValueError as error:
            discard_quarantined(files)
            return Response({"sha256": [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        except Exception:
            discard_quarantined(files)
            raise
        return Response({"items": [_item_json(item) for item in items]}, status=status.HTTP_201_CREATED)


class EvidenceStatusView(APIView):
    """GET an item's processing status and hashes: poll it after an upload until it is archived."""

    def get(self, request: Request, item_id: UUID) -> Response:
        item = visible_items(request.user).filter(pk=item_id).select_related("case").first()
        if item is None:
            raise Http404
        return Response(
            {
                **_item_json(item),
                "sha512": item.sha512,
                "detected_content_type": item.detected_content_type,
                "processing_error": item.processing_error,
                "processing_notes": item.processing_notes,
                "processing_steps": item.processing_steps,
            }
        )
