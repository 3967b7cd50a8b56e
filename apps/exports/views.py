"""Case bundle pages for leads: the export form and register, a bundle's progress, the download.

Need-to-know: a case or bundle the visitor is not a member of answers 404;
a member who is not a lead gets 403 with a message. Thin: check, call a
service, render.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from apps.accounts.models import User
from apps.accounts.permissions import member_case_ids
from apps.cases.models import Case
from apps.cases.selectors import case_for_member
from apps.evidence.file_responses import evidence_file_response
from apps.exports.enums import ExportStatus
from apps.exports.forms import ExportForm
from apps.exports.links import TokenState, download_max_age, download_token_state, download_url
from apps.exports.models import ExportBundle
from apps.exports.permissions import can_download_bundle, can_export
from apps.exports.selectors import case_bundles
from apps.exports.services import export_bundle_create

if TYPE_CHECKING:
    from uuid import UUID


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101  (login_required ran)
    return request.user


def _forbidden(request: HttpRequest, case: Case) -> HttpResponse:
    return render(request, "exports/forbidden.html", {"case": case}, status=403)


def bundle_for_member(*, user: User, bundle_id: UUID) -> ExportBundle | None:
    """The bundle if the user is a member of its case, else None (the caller answers 404)."""
    return (
        ExportBundle.objects.filter(pk=bundle_id, case_id__in=member_case_ids(user))
        .select_related("case", "requested_by")
        .first()
    )


def _lead_bundle(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Resolve the bundle for a lead of its case: 404 for non-members, 403 for members who are not leads."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, bundle_id: UUID, **kwargs: Any) -> HttpResponseBase:
        bundle = bundle_for_member(user=_user(request), bundle_id=bundle_id)
        if bundle is None:
            raise Http404
        if not can_download_bundle(request.user, bundle):
            return _forbidden(request, bundle.case)
        return view(request, bundle, **kwargs)

    return wrapper


def _percent(bundle: ExportBundle) -> int:
    if bundle.status == ExportStatus.DONE:
        return 100
    if not bundle.progress_total:
        return 0
    return min(100, bundle.progress_done * 100 // bundle.progress_total)


def _register_page(request: HttpRequest, case: Case, form: ExportForm, *, status: int = 200) -> HttpResponse:
    bundles = list(case_bundles(user=request.user, case=case))
    rows = [
        {
            "bundle": bundle,
            "percent": _percent(bundle),
            "download_url": download_url(bundle=bundle) if bundle.status == ExportStatus.DONE else "",
        }
        for bundle in bundles
    ]
    return render(request, "exports/case_exports.html", {"case": case, "form": form, "rows": rows}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_exports(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """GET: the export form and the case's register. POST: start an export, then show its progress."""
    case = case_for_member(user=request.user, case_id=case_id)
    if case is None:
        raise Http404
    if not can_export(request.user, case):
        return _forbidden(request, case)
    if request.method != "POST":
        return _register_page(request, case, ExportForm(case=case))
    form = ExportForm(request.POST, case=case)
    if not form.is_valid():
        return _register_page(request, case, form, status=400)
    try:
        bundle = export_bundle_create(
            case=case,
            requested_by=_user(request),
            recipient_type=form.cleaned_data["recipient_type"],
            recipient_organisation=form.cleaned_data["recipient_organisation"],
            recipient_person=form.cleaned_data["recipient_person"],
            purpose=form.cleaned_data["purpose"],
            incidents=form.cleaned_data["incidents"],
            include_pending=form.cleaned_data["include_pending"],
            include_derivatives=form.cleaned_data["include_derivatives"],
        )
    except PermissionDenied:
        return _forbidden(request, case)
    except (ValueError, ValidationError):
        form.add_error(None, _("This export could not be started; check the choices and try again."))
        return _register_page(request, case, form, status=400)
    return redirect("exports:detail", bundle_id=bundle.pk)


@never_cache
@require_safe
@_lead_bundle
def detail(request: HttpRequest, bundle: ExportBundle) -> HttpResponse:
    context = {
        "bundle": bundle,
        "case": bundle.case,
        "percent": _percent(bundle),
        "incidents": list(bundle.incidents.order_by("start_at", "title")),
        "download_url": download_url(bundle=bundle) if bundle.status == ExportStatus.DONE else "",
        "link_hours": download_max_age() // 3600,
    }
    return render(request, "exports/detail.html", context)


def progress_payload(bundle: ExportBundle) -> dict[str, Any]:
    """What the progress bar needs; the page's script stops polling once ``finished`` is true."""
    finished = bundle.status in (ExportStatus.DONE, ExportStatus.FAILED)
    return {
        "status": bundle.status,
        "status_display": str(bundle.get_status_display()),
        "progress_done": bundle.progress_done,
        "progress_total": bundle.progress_total,
        "percent": _percent(bundle),
        "finished": finished,
        "error": bundle.error if bundle.status == ExportStatus.FAILED else "",
        "download_url": download_url(bundle=bundle) if bundle.status == ExportStatus.DONE else "",
    }


@never_cache
@require_safe
@_lead_bundle
def progress(request: HttpRequest, bundle: ExportBundle) -> JsonResponse:
    return JsonResponse(progress_payload(bundle))


@never_cache
@require_safe
@_lead_bundle
def download(request: HttpRequest, bundle: ExportBundle) -> HttpResponseBase:
    """The bundle's ZIP, for a lead holding a current link; 403 for a wrong link, 410 for an expired one."""
    state = download_token_state(bundle=bundle, token=request.GET.get("token", ""))
    if state is not TokenState.VALID:
        context = {"bundle": bundle, "case": bundle.case, "expired": state is TokenState.EXPIRED}
        return render(request, "exports/link_invalid.html", context, status=410 if context["expired"] else 403)
    if bundle.status != ExportStatus.DONE or not bundle.storage_name:
        return render(request, "exports/not_ready.html", {"bundle": bundle, "case": bundle.case}, status=409)
    return evidence_file_response(
        storage_name=bundle.storage_name,
        content_type="application/zip",
        filename=f"{bundle.case.reference}_{bundle.pk}.zip",
        attachment=True,
        size=bundle.size_bytes,
    )
