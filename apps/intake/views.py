"""The upload page. Thin: check access, parse (to quarantine), validate, call the intake service, answer."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from apps.cases.models import Case
from apps.cases.selectors import case_list_for_user
from apps.intake.forms import EvidenceUploadForm
from apps.intake.permissions import can_upload_evidence, upload_refusal
from apps.intake.request_parsing import discard_partial_upload, install_quarantine_parsing, uploaded_files
from apps.intake.services import ClientHashMismatchError, discard_quarantined, evidence_receive_uploads
from apps.intake.upload_handler import UploadTooLargeError


@csrf_exempt  # CSRF is checked in _upload, once the quarantine handler is installed
def upload(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Access is decided before a byte of the body is read, so refused uploads never touch the disk."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    case = case_list_for_user(user=request.user).filter(pk=case_id).first()
    if case is None:
        raise Http404
    if not can_upload_evidence(request.user, case):
        raise PermissionDenied(upload_refusal(case))
    if request.method == "POST":
        install_quarantine_parsing(request)
    try:
        response = _upload(request, case)
    except UploadTooLargeError:
        return render(request, "intake/too_large.html", status=413)
    except MultiPartParserError:
        discard_partial_upload(request)
        return render(request, "intake/malformed.html", status=400)
    if response.status_code >= 400 and hasattr(request, "_files"):
        discard_quarantined(uploaded_files(request, "file"))  # refused: nothing is kept
    return response


@csrf_protect
def _upload(request: HttpRequest, case: Case) -> HttpResponse:
    if request.method != "POST":
        return render(request, "intake/upload.html", {"case": case, "form": EvidenceUploadForm()})
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "intake/upload.html", {"case": case, "form": form}, status=400)
    try:
        items = evidence_receive_uploads(
            case=case,
            uploaded_by=request.user,  # type: ignore[arg-type]
            uploads=uploaded_files(request, "file"),
            client_sha256s=[form.cleaned_data["sha256"]],
            via="web form",
            descriptive_fields=form.descriptive_values(),
        )
    except ClientHashMismatchError as error:
        form.add_error("sha256", str(error))
        return render(request, "intake/upload.html", {"case": case, "form": form}, status=400)
    messages.success(
        request, _("%(count)d file(s) received and hashed; processing has started.") % {"count": len(items)}
    )
    return redirect("evidence:item_detail", item_id=items[0].pk)
