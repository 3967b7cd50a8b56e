"""Upload through the REST API: multipart, several files, optional client SHA-256 per file.

Every file of the request streams to quarantine, hashed on arrival, before
the view decides anything (apps/intake/request_parsing.py). Whatever refuses
the request, from a failed CSRF check or a missing role to a hash that
differs, the files it brought are removed from quarantine: refused bytes
never become evidence. Errors are problem details (apps/common/api.py).

The answer (201) lists the new items at once, status "received"; poll each
item's record (api:evidence-detail) until its processing_status is "archived".
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, NotFound, ParseError, PermissionDenied
from rest_framework.parsers import DataAndFiles, MultiPartParser
from rest_framework.request import Empty, Request
from rest_framework.response import Response

from apps.cases.selectors import case_list_for_user
from apps.evidence.enums import CollectionMethod, ConsentStatus
from apps.evidence.models import EvidenceItem
from apps.intake.forms import DESCRIPTIVE_FIELDS
from apps.intake.permissions import can_upload_evidence, upload_refusal
from apps.intake.request_parsing import (
    VerbatimFilenameMultiPartParser,
    discard_partial_upload,
    install_quarantine_parsing,
)
from apps.intake.services import ClientHashMismatchError, discard_quarantined, evidence_receive_uploads
from apps.intake.upload_handler import UploadTooLargeError

FILE_FIELD = "file"


class UploadFieldsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The form fields of an upload; the descriptive ones apply to every file of the request."""

    sha256 = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=71),
        required=False,
        help_text=gettext_lazy(
            "The SHA-256 of each file, in the order of the files (64 hex digits, optionally 'sha256:'; "
            "empty for a file without one). A file whose bytes hash differently refuses the whole upload."
        ),
    )
    caption = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("What the files show."))
    credit_line = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text=gettext_lazy("e.g. Photo by …/Agency")
    )
    collector_name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text=gettext_lazy("Who collected them, if not you (hidden from observers)."),
    )
    collection_method = serializers.ChoiceField(
        choices=CollectionMethod.choices, required=False, help_text=gettext_lazy("How the files came into your hands.")
    )
    collected_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=gettext_lazy("When they were collected.")
    )
    is_graphic = serializers.BooleanField(
        required=False, help_text=gettext_lazy("Graphic content: previews are blurred until revealed.")
    )
    contains_personal_data = serializers.BooleanField(
        required=False, help_text=gettext_lazy("The files contain personal data.")
    )
    reveals_witness_identity = serializers.BooleanField(
        required=False, help_text=gettext_lazy("The files reveal a witness's identity (hidden from observers).")
    )
    consent_status = serializers.ChoiceField(
        choices=ConsentStatus.choices, required=False, help_text=gettext_lazy("Consent of the people shown.")
    )
    may_share_national_prosecutor = serializers.BooleanField(
        required=False, help_text=gettext_lazy("May be shared with national prosecutors (default true).")
    )
    may_share_icc = serializers.BooleanField(
        required=False, help_text=gettext_lazy("May be shared with the ICC (default true).")
    )
    may_share_other_courts = serializers.BooleanField(
        required=False, help_text=gettext_lazy("May be shared with other courts (default true).")
    )
    may_share_media = serializers.BooleanField(
        required=False, help_text=gettext_lazy("May be shared with media (default false).")
    )
    may_share_public = serializers.BooleanField(
        required=False, help_text=gettext_lazy("May be published (default false).")
    )
    consent_note = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("What was consented to, by whom, and when.")
    )

    def validate_sha256(self, values: list[str]) -> list[str]:
        normalised = []
        for value in values:
            hexdigest = value.strip().lower().removeprefix("sha256:")
            if hexdigest and (len(hexdigest) != 64 or any(char not in "0123456789abcdef" for char in hexdigest)):
                raise serializers.ValidationError(
                    _("A SHA-256 is 64 hexadecimal characters, optionally prefixed with “sha256:”.")
                )
            normalised.append("sha256:" + hexdigest if hexdigest else "")
        return normalised


class UploadRequestSerializer(UploadFieldsSerializer):
    """The body of an upload, for the schema: the files, then the fields."""

    file = serializers.ListField(
        child=serializers.FileField(),
        help_text=gettext_lazy("One or more files (repeat the field). Each is hashed (SHA-256) as it arrives."),
    )


class UploadedItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A new item, as received: its status moves from received to archived (poll api:evidence-detail)."""

    reference = serializers.CharField(read_only=True, help_text=gettext_lazy("The item's reference."))

    class Meta:
        model = EvidenceItem
        fields = (
            "id",
            "reference",
            "case",
            "original_filename",
            "size_bytes",
            "declared_content_type",
            "sha256",
            "client_sha256",
            "processing_status",
            "created_at",
        )
        read_only_fields = fields


class UploadResultSerializer(serializers.Serializer):  # type: ignore[type-arg]
    items = UploadedItemSerializer(
        many=True, read_only=True, help_text=gettext_lazy("One item per file, in the order of the files.")
    )


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"
    default_detail = gettext_lazy("The upload is larger than the server accepts; nothing was stored.")


class QuarantineMultiPartParser(MultiPartParser):
    """multipart/form-data with the uploader's filenames kept verbatim, files streamed to quarantine.

    Requests whose body a CSRF check already read (a browser session) were
    parsed the same way by the request's own parser; this one serves the
    others (API tokens), so both keep the declared names byte for byte.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> DataAndFiles:  # type: ignore[type-arg]
        request = (parser_context or {})["request"]
        meta = request.META.copy()
        meta["CONTENT_TYPE"] = media_type
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data, files = VerbatimFilenameMultiPartParser(meta, stream, request.upload_handlers, encoding).parse()
        except MultiPartParserError as error:
            raise ParseError(str(error)) from error
        return DataAndFiles(data, files)


def _parsed_files(request: Request) -> list[Any]:
    """The files the request body was already parsed into; never parses it (a refused body stays unread)."""
    found: dict[int, Any] = {}
    django_files: Any = request._request.__dict__.get("_files")  # set once Django parsed the body (the CSRF check)
    drf_files: Any = getattr(request, "_files", Empty)  # set once DRF parsed it
    for files in (django_files, drf_files):
        if not files or files is Empty:
            continue
        for name in files:
            for upload in files.getlist(name):
                found[id(upload)] = upload
    return list(found.values())


@extend_schema(
    request={"multipart/form-data": UploadRequestSerializer},
    responses={201: UploadResultSerializer},
    description=(
        "Upload one or more files as evidence of the case (multipart/form-data: `file` repeated, `sha256` "
        "repeated in the same order, optional descriptive fields for all of them). A `sha256` that differs from "
        "the bytes received refuses the whole upload with 400 (an `errors` entry for the field sha256) and "
        "nothing is stored. The answer lists the new items at once, status `received`; poll each item "
        "(GET /api/v1/evidence/{id}/) until `processing_status` is `archived`."
    ),
)
class EvidenceUploadView(generics.GenericAPIView):  # type: ignore[type-arg]
    """POST multipart/form-data: `file` (repeatable), `sha256` (repeatable, in order, optional), descriptive fields."""

    parser_classes = [QuarantineMultiPartParser]
    serializer_class = UploadResultSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # Before DRF (or its CSRF check) reads the body: files go to quarantine, hashed on arrival.
        if request.method == "POST":
            install_quarantine_parsing(request)
        return super().initialize_request(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        # Whatever refused the request, the files it brought leave the quarantine.
        if isinstance(exc, MultiPartParserError | ParseError | UploadTooLargeError):
            discard_partial_upload(self.request._request)
        else:
            discard_quarantined(_parsed_files(self.request))
        if isinstance(exc, MultiPartParserError | ParseError):
            exc = ParseError(_("The multipart body is malformed or a header is too long; nothing was stored."))
        elif isinstance(exc, UploadTooLargeError):
            exc = UploadTooLarge()
        return super().handle_exception(exc)

    def post(self, request: Request, case_id: UUID) -> Response:
        case = case_list_for_user(user=request.user).filter(pk=case_id).first()
        if case is None:
            raise NotFound
        if not can_upload_evidence(request.user, case):
            raise PermissionDenied(upload_refusal(case))
        stray = sorted(name for name in request.FILES if name != FILE_FIELD)
        if stray:
            raise serializers.ValidationError({name: [_("Send files in the field “file”.")] for name in stray})
        files = request.FILES.getlist(FILE_FIELD)
        if not files:
            raise serializers.ValidationError({FILE_FIELD: [_("Attach at least one file.")]})
        fields = UploadFieldsSerializer(data=request.data)
        fields.is_valid(raise_exception=True)
        values = dict(fields.validated_data)
        client_hashes = values.pop("sha256", [])
        if len(client_hashes) > len(files):
            raise serializers.ValidationError(
                {"sha256": [_("There are more SHA-256 values than files: give one per file, in order.")]}
            )
        try:
            items = evidence_receive_uploads(
                case=case,
                uploaded_by=request.user,  # type: ignore[arg-type]
                uploads=files,
                client_sha256s=client_hashes,
                via="api",
                descriptive_fields={name: value for name, value in values.items() if name in DESCRIPTIVE_FIELDS},
            )
        except ClientHashMismatchError as error:
            mismatched = next((upload for upload in files if upload.sha256 == error.server), None)
            raise serializers.ValidationError(
                {
                    "sha256": [
                        _(
                            "The file %(name)s has the SHA-256 %(server)s, not %(client)s as the upload said: "
                            "it changed on the way. Nothing was stored."
                        )
                        % {
                            "name": getattr(mismatched, "original_name", "") or "?",
                            "server": error.server,
                            "client": error.client,
                        }
                    ]
                }
            ) from error
        return Response(UploadResultSerializer({"items": items}).data, status=status.HTTP_201_CREATED)
