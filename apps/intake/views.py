"""The upload page and the status of an item after its upload.

Thin: check access, parse (to quarantine), validate, call the intake service,
answer. With JavaScript the page uploads each file resumably over tus
(static/intake/upload.js, to api:tus-create) and then polls item_status;
without it, the same page is a plain multipart form posted here.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_safe

from apps.cases.models import Case
from apps.cases.selectors import case_list_for_user
from apps.evidence.enums import ProcessingStatus
from apps.evidence.permissions import can_view_item
from apps.evidence.selectors import evidence_item_for_user
from apps.intake.forms import EvidenceFileForm, EvidenceUploadForm
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


# Any UUID: the script puts the item's id in its place (item_status takes ids only).
_ITEM_PLACEHOLDER = UUID(int=0)


def upload_texts() -> dict[str, str]:
    """What the upload script says, translated here (it reads them from a json_script block).

    %(name)s placeholders are filled in by the script.
    """
    return {
        "queued": _("Ready to upload."),
        "starting": _("Starting…"),
        "waiting": _("Waiting for the uploads before it…"),
        "resuming_earlier": _(
            "Continuing an earlier upload of this file from where it stopped; "
            "the description given when it was first started is kept."
        ),
        "uploading": _("Uploading: %(percent)s%% (%(sent)s of %(total)s)."),
        "paused": _("Paused at %(percent)s%%. Press Resume to continue."),
        "retrying": _("The connection dropped; trying again…"),
        "failed": _("The upload stopped: %(reason)s Press Resume to continue from where it stopped."),
        "offline": _("You are offline. The upload continues when the connection is back."),
        "processing": _("Uploaded. Processing: %(status)s…"),
        "archived": _("Archived."),
        "processing_failed": _("Processing failed: %(reason)s"),
        "status_unavailable": _("The status could not be read; it is shown on the item's page."),
        "signed_out": _("Your session ended: sign in again to see the status."),
        "open_item": _("Open %(reference)s"),
        "no_files": _("Choose or drop at least one file first."),
        "progress_label": _("Upload progress of %(name)s"),
        "unfinished": _("%(name)s (%(size)s), started %(when)s"),
        "forget": _("Forget"),
        "forgotten": _("The unfinished upload of %(name)s was abandoned."),
        "added": _("Files added: %(count)s. Check each file's description, then upload."),
        "unknown_error": _("unknown error."),
    }


def _page(request: HttpRequest, case: Case, form: EvidenceUploadForm, *, status: int = 200) -> HttpResponse:
    context = {
        "upload_texts": upload_texts(),
        "case": case,
        "form": form,
        # The form each file row is made from; the script replaces __prefix__ with the row's number.
        "file_form": EvidenceFileForm(prefix="__prefix__"),
        "tus_endpoint": reverse("api:tus-create", args=[case.pk]),
        "status_url_template": reverse("intake:item_status", args=[_ITEM_PLACEHOLDER]),
        "item_placeholder": str(_ITEM_PLACEHOLDER),
    }
    return render(request, "intake/upload.html", context, status=status)


@csrf_protect
def _upload(request: HttpRequest, case: Case) -> HttpResponse:
    if request.method != "POST":
        return _page(request, case, EvidenceUploadForm())
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, case, form, status=400)
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
        return _page(request, case, form, status=400)
    messages.success(
        request,
        ngettext(
            "%(count)d file received and hashed; processing has started.",
            "%(count)d files received and hashed; processing has started.",
            len(items),
        )
        % {"count": len(items)},
    )
    return redirect("evidence:item_detail", item_id=items[0].pk)


_FINISHED = (ProcessingStatus.ARCHIVED, ProcessingStatus.FAILED)


@require_safe
@never_cache
def item_status(request: HttpRequest, item_id: UUID) -> HttpResponse:
    """Where an uploaded item is in the intake pipeline, as JSON for the upload page's polling.

    One small read, no custody event (nothing of the evidence is shown: its
    hash and status only). 404 whether the item does not exist or the user
    may not see it; signed-out users get 401 (a script cannot follow a
    redirect to the sign-in page usefully).
    """
    if not request.user.is_authenticated:
        return JsonResponse({"detail": _("Sign in again to see the status of your uploads.")}, status=401)
    item = evidence_item_for_user(user=request.user, item_id=item_id)
    if item is None or not can_view_item(request.user, item):
        raise Http404
    return JsonResponse(
        {
            "id": str(item.pk),
            "reference": item.reference,
            "url": item.get_absolute_url(),
            "processing_status": item.processing_status,
            "processing_status_display": item.get_processing_status_display(),
            "finished": item.processing_status in _FINISHED,
            "sha256": item.sha256,
            "error": item.processing_error if item.processing_status == ProcessingStatus.FAILED else "",
        }
    )
